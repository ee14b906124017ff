// 常见问答: published questions and answers, of one domain when opened from it, newest
// first, or the best matches of a search.
const config = require('../../config')
const consultations = require('../../utils/consultations')
const display = require('../../utils/display')
const pageBehavior = require('../../behaviors/page')

function row(item) {
  return {
    id: item.id,
    question: item.question,
    answer: item.answer.length > 80 ? item.answer.slice(0, 79) + '…' : item.answer,
    meta: [item.domain.name, item.department ? item.department.name : '', display.formatDate(item.published_at)].filter(Boolean).join(' · '),
  }
}

Component({
  behaviors: [pageBehavior],
  data: {domain: '', domainName: '', query: '', searched: '', items: [], page: 0, total: 0, more: true, loading: false, failed: false},
  methods: {
    onLoad(query) {
      this.setData({
        domain: query.domain || '',
        domainName: query.name ? decodeURIComponent(query.name) : '',
      })
      if (this.data.domainName) wx.setNavigationBarTitle({title: this.data.domainName + '常见问答'})
      return this.refresh()
    },
    refresh() {
      this.seq = (this.seq || 0) + 1
      this.setData({items: [], page: 0, total: 0, more: true, loading: false})
      return this.loadMore()
    },
    onQueryInput(e) {
      this.setData({query: e.detail.value})
    },
    onSearch() {
      this.setData({searched: (this.data.query || '').trim()})
      return this.refresh()
    },
    onReachBottom() {
      return this.loadMore()
    },
    loadMore() {
      if (this.data.loading || !this.data.more) return Promise.resolve()
      const seq = this.seq
      const page = this.data.page + 1
      this.setData({loading: true, failed: false})
      return consultations
        .qa(this.data.domain, this.data.searched, page)
        .then(body => {
          if (seq !== this.seq) return
          this.setData({
            items: this.data.items.concat((body.items || []).map(row)),
            page,
            total: body.total,
            more: page * config.pageSize < body.total,
            loading: false,
          })
        })
        .catch(() => {
          if (seq === this.seq) this.setData({loading: false, failed: true})
        })
    },
    onItemTap(e) {
      wx.navigateTo({url: '/pages/answer/index?id=' + e.currentTarget.dataset.id})
    },
    onAsk() {
      wx.navigateTo({url: '/pages/consult/index' + (this.data.domain ? '?domain=' + this.data.domain : '')})
    },
    onRetry() {
      return this.loadMore()
    },
  },
})
