// 我的申请: the resident's disclosure applications, newest first, with the state and the
// deadline in one line each.
const applications = require('../../utils/applications')
const pageBehavior = require('../../behaviors/page')

function row(a) {
  return {
    id: a.id,
    receiptNo: a.receipt_no,
    description: a.description,
    state: a.state,
    stateLabel: a.state_label,
    line: applications.deadlineLine({...a, answer: a.result ? {answered_on: a.finished_on, result_label: a.result_label} : null}),
    overdue: Boolean(a.overdue),
  }
}

Component({
  behaviors: [pageBehavior],
  data: {items: [], page: 0, total: 0, more: true, loading: false, failed: false},
  methods: {
    onLoad() {
      return this.start()
    },
    onShow() {
      // Back from a new application or a detail: show the latest states.
      if (this.loadedOnce) return this.start()
      this.loadedOnce = true
      return Promise.resolve()
    },
    onPullDownRefresh() {
      return this.start().then(() => wx.stopPullDownRefresh())
    },
    onReachBottom() {
      return this.loadMore()
    },
    start() {
      this.setData({items: [], page: 0, total: 0, more: true, loading: false, failed: false})
      return this.loadMore()
    },
    loadMore() {
      if (this.data.loading || !this.data.more) return Promise.resolve()
      const page = this.data.page + 1
      this.setData({loading: true, failed: false})
      return applications
        .mine(page)
        .then(body => {
          const items = this.data.items.concat(body.items.map(row))
          this.setData({items, page, total: body.total, more: items.length < body.total, loading: false})
        })
        .catch(() => this.setData({loading: false, failed: true}))
    },
    onItemTap(e) {
      wx.navigateTo({url: '/pages/application/index?id=' + e.currentTarget.dataset.id})
    },
    onApplyTap() {
      wx.navigateTo({url: '/pages/apply/index'})
    },
  },
})
