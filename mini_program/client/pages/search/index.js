// Full-text search over items and documents; matches highlighted in titles and snippets.
const catalogue = require('../../utils/catalogue')
const pageBehavior = require('../../behaviors/page')

const KIND_LABEL = {item: '公开事项', document: '政策文件', qa: '常见问答'}
const PAGE_OF = {item: 'item', document: 'document', qa: 'answer'}

function result(r) {
  return {
    key: r.type + '-' + r.id,
    type: r.type,
    id: r.id,
    kind: KIND_LABEL[r.type] || '内容',
    title: r.title || '',
    snippet: r.snippet || '',
    docNo: r.doc_no || '',
  }
}

Component({
  behaviors: [pageBehavior],
  data: {query: '', searched: '', domain: '', domainName: '', results: [], page: 0, total: 0, more: false, loading: false, failed: false},
  methods: {
    onLoad(query) {
      const q = query.q ? decodeURIComponent(query.q) : ''
      this.setData({
        query: q,
        domain: query.domain || '',
        domainName: query.domain_name ? decodeURIComponent(query.domain_name) : '',
      })
      if (q) return this.start()
      return Promise.resolve()
    },
    onQueryInput(e) {
      this.setData({query: e.detail.value})
    },
    onSearch() {
      return this.start()
    },
    onClearDomain() {
      this.setData({domain: '', domainName: ''})
      if (this.data.searched) return this.start()
      return Promise.resolve()
    },
    start() {
      const q = (this.data.query || '').trim()
      if (!q) {
        wx.showToast({title: '请输入要查找的内容', icon: 'none'})
        return Promise.resolve()
      }
      this.seq = (this.seq || 0) + 1
      this.setData({searched: q, results: [], page: 0, total: 0, more: true, loading: false, failed: false})
      return this.loadMore()
    },
    onReachBottom() {
      return this.loadMore()
    },
    loadMore() {
      if (this.data.loading || !this.data.more || !this.data.searched) return Promise.resolve()
      const seq = this.seq
      const page = this.data.page + 1
      this.setData({loading: true, failed: false})
      return catalogue
        .search(this.data.searched, page, this.data.domain)
        .then(body => {
          // A newer search started while this one was on its way: its results win.
          if (seq !== this.seq) return
          this.setData({
            results: this.data.results.concat((body.items || []).map(result)),
            page,
            total: body.total || 0,
            more: catalogue.hasMore(body),
            loading: false,
          })
        })
        .catch(() => {
          if (seq === this.seq) this.setData({loading: false, failed: true})
        })
    },
    onResultTap(e) {
      const {type, id} = e.currentTarget.dataset
      const page = PAGE_OF[type] || 'item'
      wx.navigateTo({url: '/pages/' + page + '/index?id=' + id})
    },
    onRetry() {
      return this.loadMore()
    },
  },
})
