// One of the resident's questions: its state and due date, the photos, the answer and the
// rating (满意 / 基本满意 / 不满意 with a comment), once. While it waits for its answer the
// resident can allow a WeChat reminder (one "咨询已答复" message) if they have none left.
const consultations = require('../../utils/consultations')
const catalogue = require('../../utils/catalogue')
const display = require('../../utils/display')
const subscribe = require('../../utils/subscribe')
const pageBehavior = require('../../behaviors/page')

const PURPOSE = 'consultation_answered'
const RATINGS = [
  {value: 'satisfied', label: '满意'},
  {value: 'basically_satisfied', label: '基本满意'},
  {value: 'dissatisfied', label: '不满意'},
]

function view(c) {
  return {
    id: c.id,
    reference: c.reference,
    status: c.status,
    statusLabel: c.status_label,
    topic: c.domain.name + ' · ' + c.kind_label,
    text: c.text,
    received: display.formatDate(c.received_at),
    deadline: c.deadline.label,
    dueDate: c.deadline.due_date,
    overdue: c.deadline.overdue,
    phone: c.phone_masked,
    private: c.private,
    photos: (c.photos || []).map(p => catalogue.absoluteUrl(p.url)),
    answer: c.answer
      ? {
          text: c.answer.text,
          department: c.answer.department ? c.answer.department.name : '',
          date: display.formatDate(c.answer.answered_at),
        }
      : null,
    rating: c.rating ? {label: c.rating.label, comment: c.rating.comment} : null,
    canRate: c.can_rate,
  }
}

Component({
  behaviors: [pageBehavior],
  data: {c: null, ratings: RATINGS, choice: '', comment: '', rating: false, reminders: null, loading: true, failed: false},
  methods: {
    onLoad(query) {
      this.consultationId = query.id
      subscribe.prepare()
      return this.load()
    },
    load() {
      this.setData({loading: true, failed: false})
      return consultations
        .get(this.consultationId)
        .then(c => {
          this.setData({c: view(c), loading: false})
          if (c.status === 'answered') return null
          return subscribe.grants().then(g => this.setData({reminders: g[PURPOSE] || 0}), () => null)
        })
        .catch(() => this.setData({loading: false, failed: true}))
    },
    // One "允许" = one reminder; asked from the tap itself, as WeChat requires.
    onRemindTap() {
      return subscribe.ask([PURPOSE]).then(asked => {
        if (asked.grants) this.setData({reminders: asked.grants[PURPOSE] || 0})
        if (asked.accepted.includes(PURPOSE)) wx.showToast({title: '答复后将通过微信提醒您', icon: 'none'})
      })
    },
    onPhotoTap(e) {
      const urls = this.data.c.photos
      wx.previewImage({urls, current: urls[e.currentTarget.dataset.index]})
    },
    onChoose(e) {
      this.setData({choice: e.currentTarget.dataset.value})
    },
    onCommentInput(e) {
      this.setData({comment: e.detail.value})
    },
    onRate() {
      if (!this.data.choice) {
        wx.showToast({title: '请选择满意程度', icon: 'none'})
        return Promise.resolve()
      }
      if (this.data.rating) return Promise.resolve()
      this.setData({rating: true})
      return consultations
        .rate(this.consultationId, this.data.choice, this.data.comment.trim())
        .then(c => {
          this.setData({c: view(c), rating: false})
          wx.showToast({title: '感谢您的评价', icon: 'success'})
        })
        .catch(() => this.setData({rating: false}))
    },
    onRetry() {
      return this.load()
    },
  },
})
