// A domain's disclosure items, a page at a time as the resident scrolls.
const catalogue = require('../../utils/catalogue')
const pageBehavior = require('../../behaviors/page')

function summary(item) {
  return {
    id: item.id,
    title: item.level2 || item.level1,
    level1: item.level1,
    subject: item.subject || '',
    timeLimit: item.time_limit || '',
    mode: catalogue.joinList(item.mode),
  }
}

Component({
  behaviors: [pageBehavior],
  data: {domainId: '', domainName: '', items: [], page: 0, total: 0, more: true, loading: false, failed: false},
  methods: {
    onLoad(query) {
      const name = query.name ? decodeURIComponent(query.name) : ''
      this.setData({domainId: query.id, domainName: name})
      if (name) wx.setNavigationBarTitle({title: name})
      return this.loadMore()
    },
    onReachBottom() {
      return this.loadMore()
    },
    onPullDownRefresh() {
      this.setData({items: [], page: 0, more: true})
      return this.loadMore().then(() => wx.stopPullDownRefresh())
    },
    loadMore() {
      if (this.data.loading || !this.data.more) return Promise.resolve()
      const page = this.data.page + 1
      this.setData({loading: true, failed: false})
      return catalogue
        .listDomainItems(this.data.domainId, page)
        .then(body => {
          const name = (body.domain && body.domain.name) || this.data.domainName
          if (name !== this.data.domainName) wx.setNavigationBarTitle({title: name})
          this.setData({
            domainName: name,
            items: this.data.items.concat((body.items || []).map(summary)),
            page,
            total: body.total || 0,
            more: catalogue.hasMore(body),
            loading: false,
          })
        })
        .catch(() => this.setData({loading: false, failed: true}))
    },
    onQueryInput(e) {
      this.query = e.detail.value
    },
    onSearch() {
      const q = (this.query || '').trim()
      if (!q) {
        wx.showToast({title: '请输入要查找的内容', icon: 'none'})
        return
      }
      wx.navigateTo({
        url: '/pages/search/index?q=' + encodeURIComponent(q) + '&domain=' + this.data.domainId +
          '&domain_name=' + encodeURIComponent(this.data.domainName),
      })
    },
    onQaTap() {
      const name = encodeURIComponent(this.data.domainName)
      wx.navigateTo({url: '/pages/qa/index?domain=' + this.data.domainId + '&name=' + name})
    },
    onItemTap(e) {
      wx.navigateTo({url: '/pages/item/index?id=' + e.currentTarget.dataset.id})
    },
    onRetry() {
      return this.loadMore()
    },
  },
})
