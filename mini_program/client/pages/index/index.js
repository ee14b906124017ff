// Home: the 28 disclosure domains in the order the server ranks them (most read first),
// a search bar, the normative-document query and the large-text switch.
const catalogue = require('../../utils/catalogue')
const display = require('../../utils/display')
const pageBehavior = require('../../behaviors/page')

Component({
  behaviors: [pageBehavior],
  data: {domains: [], loading: true, failed: false, query: ''},
  methods: {
    onLoad() {
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    load() {
      this.setData({loading: true, failed: false})
      return catalogue
        .listDomains()
        .then(domains => {
          this.setData({
            loading: false,
            domains: domains.map(d => ({
              id: d.id,
              name: d.name,
              count: d.item_count || 0,
              local: Boolean(d.is_local),
              label: d.name + '，' + (d.item_count || 0) + '个公开事项',
            })),
          })
        })
        .catch(() => this.setData({loading: false, failed: true}))
    },
    onDomainTap(e) {
      const {id, name} = e.currentTarget.dataset
      wx.navigateTo({url: '/pages/domain/index?id=' + id + '&name=' + encodeURIComponent(name)})
    },
    onQueryInput(e) {
      this.setData({query: e.detail.value})
    },
    onSearch() {
      const q = (this.data.query || '').trim()
      if (!q) {
        wx.showToast({title: '请输入要查找的内容', icon: 'none'})
        return
      }
      wx.navigateTo({url: '/pages/search/index?q=' + encodeURIComponent(q)})
    },
    // 我要咨询, 我的咨询, 常见问答, 意见征集.
    onServiceTap(e) {
      wx.navigateTo({url: e.currentTarget.dataset.url})
    },
    onNormativeTap() {
      wx.navigateTo({url: '/pages/normative/index'})
    },
    onApplyTap() {
      wx.navigateTo({url: '/pages/apply/index'})
    },
    onMyApplicationsTap() {
      wx.navigateTo({url: '/pages/applications/index'})
    },
    onOpenDaysTap() {
      wx.navigateTo({url: '/pages/open-days/index'})
    },
    onFollowsTap() {
      wx.navigateTo({url: '/pages/follows/index'})
    },
    onLargeTextChange(e) {
      const large = Boolean(e.detail.value)
      display.setLargeText(large)
      this.setData({large})
    },
    onRetry() {
      return this.load()
    },
  },
})
