// One opinion call: the draft and its attachments, the comments moderators approved, the
// resident's own comments with their state, a comment form while the call is open, and after
// the close the adoption summary with its counts.
const config = require('../../config')
const files = require('../../utils/files')
const catalogue = require('../../utils/catalogue')
const consultations = require('../../utils/consultations')
const display = require('../../utils/display')
const pageBehavior = require('../../behaviors/page')

function paragraphs(text) {
  return String(text || '')
    .split(/\n+/)
    .map(p => p.trim())
    .filter(Boolean)
}

function comment(c) {
  return {
    id: c.id,
    text: c.text,
    date: display.formatDate(c.created_at),
    state: c.state || '',
    stateLabel: c.state_label || '',
    adoption: c.adoption_label || '',
    reason: c.adoption_reason || '',
  }
}

Component({
  behaviors: [pageBehavior],
  data: {
    call: null,
    body: [],
    files: [],
    comments: [],
    mine: [],
    page: 0,
    more: false,
    text: '',
    sending: false,
    summary: null,
    loading: true,
    failed: false,
  },
  methods: {
    onLoad(query) {
      this.callId = query.id
      this.clientKey = consultations.clientKey()
      return this.load()
    },
    load() {
      this.setData({loading: true, failed: false})
      return consultations
        .call(this.callId)
        .then(call => {
          const counts = call.adoption_counts
          this.setData({
            loading: false,
            call: {
              id: call.id,
              title: call.title,
              summary: call.summary,
              department: call.department ? call.department.name : '',
              dates: call.opens_on + ' 至 ' + call.closes_on,
              state: call.state,
              stateLabel: call.state_label,
              count: call.comment_count,
              canComment: call.can_comment,
            },
            body: paragraphs(call.body),
            files: (call.attachments || []).map(a => ({
              name: a.filename,
              url: catalogue.absoluteUrl(a.url),
              size: files.sizeLabel(a.size),
            })),
            summary: call.adoption_summary
              ? {
                  text: call.adoption_summary,
                  adopted: counts.adopted,
                  partly: counts.partly,
                  notAdopted: counts.not_adopted,
                  reasons: (call.not_adopted || []).map(comment),
                }
              : null,
          })
          return Promise.all([this.loadComments(true), this.loadMine()])
        })
        .catch(() => this.setData({loading: false, failed: true}))
    },
    loadComments(reset) {
      const page = reset ? 1 : this.data.page + 1
      return consultations.callComments(this.callId, page).then(body => {
        const items = (body.items || []).map(comment)
        this.setData({
          comments: reset ? items : this.data.comments.concat(items),
          page,
          more: page * config.pageSize < body.total,
        })
      })
    },
    loadMine() {
      // The resident's own comments need a login; without one the page still shows the call.
      return consultations
        .myComments(this.callId)
        .then(body => this.setData({mine: (body.items || []).map(comment)}))
        .catch(() => this.setData({mine: []}))
    },
    onReachBottom() {
      if (!this.data.more) return Promise.resolve()
      return this.loadComments(false)
    },
    onFileTap(e) {
      files.openFile(this.data.files[e.currentTarget.dataset.index])
    },
    onTextInput(e) {
      this.setData({text: e.detail.value})
    },
    onSend() {
      const text = (this.data.text || '').trim()
      if (text.length < 5) {
        wx.showToast({title: '请至少写 5 个字', icon: 'none'})
        return Promise.resolve()
      }
      if (this.data.sending) return Promise.resolve()
      this.setData({sending: true})
      return consultations
        .comment(this.callId, text, this.clientKey)
        .then(() => {
          this.clientKey = consultations.clientKey()
          this.setData({text: '', sending: false})
          wx.showToast({title: '已提交，审核后公开', icon: 'none'})
          return this.loadMine()
        })
        .catch(() => this.setData({sending: false}))
    },
    onShareAppMessage() {
      return {title: this.data.call ? this.data.call.title : '意见征集', path: '/pages/opinion/index?id=' + this.callId}
    },
    onRetry() {
      return this.load()
    },
  },
})
