// Paged lists (我的咨询, 常见问答, 意见征集): a page at a time from the server, appended as the
// resident scrolls; when the list starts over, an answer still on its way is dropped.
// Pages define fetchPage(page) → Promise of {items, total} and toItem(item) → what they show.
const config = require('../config')

module.exports = Behavior({
  data: {items: [], page: 0, total: 0, more: true, loading: false, failed: false},
  methods: {
    refresh() {
      this.seq = (this.seq || 0) + 1
      this.setData({items: [], page: 0, total: 0, more: true, loading: false})
      return this.loadMore()
    },
    onReachBottom() {
      return this.loadMore()
    },
    loadMore() {
      if (this.data.loading || !this.data.more) return Promise.resolve()
      const seq = this.seq
      const page = this.data.page + 1
      this.setData({loading: true, failed: false})
      return this.fetchPage(page)
        .then(body => {
          if (seq !== this.seq) return
          this.setData({
            items: this.data.items.concat((body.items || []).map(item => this.toItem(item))),
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
    onRetry() {
      return this.loadMore()
    },
  },
})
