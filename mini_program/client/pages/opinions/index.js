// 意见征集: drafts the county puts out for comment, open ones first in the list's own order
// (newest first), each with its dates and state.
const config = require('../../config')
const consultations = require('../../utils/consultations')
const pageBehavior = require('../../behaviors/page')

const TABS = [
  {value: '', label: '全部'},
  {value: 'open', label: '征集中'},
  {value: 'closed', label: '已截止'},
]

function row(c) {
  return {
    id: c.id,
    title: c.title,
    department: c.department ? c.department.name : '',
    dates: c.opens_on + ' 至 ' + c.closes_on,
    state: c.state,
    stateLabel: c.state_label,
    count: c.comment_count,
  }
}

Component({
  behaviors: [pageBehavior],
  data: {tabs: TABS, tab: '', items: [], page: 0, total: 0, more: true, loading: false, failed: false},
  methods: {
    onLoad() {
      return this.refresh()
    },
    onPullDownRefresh() {
      return this.refresh().then(() => wx.stopPullDownRefresh())
    },
    refresh() {
      this.seq = (this.seq || 0) + 1
      this.setData({items: [], page: 0, total: 0, more: true, loading: false})
      return this.loadMore()
    },
    onTab(e) {
      this.setData({tab: e.currentTarget.dataset.value})
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
        .calls(this.data.tab, page)
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
      wx.navigateTo({url: '/pages/opinion/index?id=' + e.currentTarget.dataset.id})
    },
    onRetry() {
      return this.loadMore()
    },
  },
})
