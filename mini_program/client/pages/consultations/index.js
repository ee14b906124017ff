// 我的咨询: the resident's questions, newest first, each with its state and due date.
const config = require('../../config')
const consultations = require('../../utils/consultations')
const display = require('../../utils/display')
const pageBehavior = require('../../behaviors/page')

function row(c) {
  return {
    id: c.id,
    reference: c.reference,
    text: c.text.length > 60 ? c.text.slice(0, 59) + '…' : c.text,
    status: c.status,
    statusLabel: c.status_label,
    topic: c.domain.name + ' · ' + c.kind_label,
    received: display.formatDate(c.received_at),
    deadline: c.status === 'answered' ? '已答复' : c.deadline.due_date + ' 前答复',
    overdue: c.deadline.overdue,
    rated: Boolean(c.rating),
    canRate: c.can_rate,
  }
}

Component({
  behaviors: [pageBehavior],
  data: {items: [], page: 0, total: 0, more: true, loading: false, failed: false},
  methods: {
    onLoad() {
      return this.refresh()
    },
    onShow() {
      // Back from a detail page where the resident rated: show it.
      if (this.data.page > 0) return this.refresh()
      return Promise.resolve()
    },
    onPullDownRefresh() {
      return this.refresh().then(() => wx.stopPullDownRefresh())
    },
    refresh() {
      this.setData({items: [], page: 0, total: 0, more: true})
      return this.loadMore()
    },
    onReachBottom() {
      return this.loadMore()
    },
    loadMore() {
      if (this.data.loading || !this.data.more) return Promise.resolve()
      const page = this.data.page + 1
      this.setData({loading: true, failed: false})
      return consultations
        .mine(page)
        .then(body => {
          const items = this.data.items.concat((body.items || []).map(row))
          this.setData({items, page, total: body.total, more: page * config.pageSize < body.total, loading: false})
        })
        .catch(() => this.setData({loading: false, failed: true}))
    },
    onItemTap(e) {
      wx.navigateTo({url: '/pages/consultation/index?id=' + e.currentTarget.dataset.id})
    },
    onAsk() {
      wx.navigateTo({url: '/pages/consult/index'})
    },
    onRetry() {
      return this.loadMore()
    },
  },
})
