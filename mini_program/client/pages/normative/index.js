// The unified query of normative documents: by title, issuing unit, document number and
// publication date range, newest first.
const catalogue = require('../../utils/catalogue')
const display = require('../../utils/display')
const pageBehavior = require('../../behaviors/page')

const EMPTY_FILTERS = {title: '', issuer: '', doc_no: '', from: '', to: ''}

function summary(d) {
  return {
    id: d.id,
    title: d.title,
    docNo: d.doc_no || '',
    issuer: d.issuer || '',
    published: display.formatDate(d.published_on),
    validity: d.validity || '',
  }
}

Component({
  behaviors: [pageBehavior],
  data: {filters: {...EMPTY_FILTERS}, errors: {}, documents: [], page: 0, total: 0, more: true, loading: false, failed: false},
  methods: {
    onLoad(query) {
      const filters = {...EMPTY_FILTERS}
      Object.keys(filters).forEach(key => {
        if (query && query[key]) filters[key] = decodeURIComponent(query[key])
      })
      this.setData({filters})
      return this.start()
    },
    onFieldInput(e) {
      this.setData({['filters.' + e.currentTarget.dataset.field]: e.detail.value})
    },
    onDateChange(e) {
      this.setData({['filters.' + e.currentTarget.dataset.field]: e.detail.value})
    },
    onClearDate(e) {
      this.setData({['filters.' + e.currentTarget.dataset.field]: ''})
    },
    onSubmit() {
      const {from, to} = this.data.filters
      if (from && to && from > to) {
        this.setData({errors: {to: '结束日期不能早于开始日期'}})
        wx.showToast({title: '结束日期不能早于开始日期', icon: 'none'})
        return Promise.resolve()
      }
      return this.start()
    },
    onReset() {
      this.setData({filters: {...EMPTY_FILTERS}})
      return this.start()
    },
    start() {
      this.seq = (this.seq || 0) + 1
      this.setData({errors: {}, documents: [], page: 0, total: 0, more: true, loading: false, failed: false})
      return this.loadMore()
    },
    onReachBottom() {
      return this.loadMore()
    },
    loadMore() {
      if (this.data.loading || !this.data.more) return Promise.resolve()
      const seq = this.seq
      const page = this.data.page + 1
      const filters = {}
      Object.keys(this.data.filters).forEach(key => {
        filters[key] = String(this.data.filters[key] || '').trim()
      })
      this.setData({loading: true, failed: false})
      return catalogue
        .queryDocuments(filters, page)
        .then(body => {
          if (seq !== this.seq) return
          this.setData({
            documents: this.data.documents.concat((body.items || []).map(summary)),
            page,
            total: body.total || 0,
            more: catalogue.hasMore(body),
            loading: false,
          })
        })
        .catch(err => {
          if (seq !== this.seq) return
          this.setData({loading: false, failed: true, more: false, errors: (err && err.fields) || {}})
        })
    },
    onDocumentTap(e) {
      wx.navigateTo({url: '/pages/document/index?id=' + e.currentTarget.dataset.id})
    },
  },
})
