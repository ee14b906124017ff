// 我的咨询: the resident's questions, newest first, each with its state and due date.
const consultations = require('../../utils/consultations')
const display = require('../../utils/display')
const listBehavior = require('../../behaviors/list')
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
  behaviors: [pageBehavior, listBehavior],
  methods: {
    fetchPage(page) {
      return consultations.mine(page)
    },
    toItem(c) {
      return row(c)
    },
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
    onItemTap(e) {
      wx.navigateTo({url: '/pages/consultation/index?id=' + e.currentTarget.dataset.id})
    },
    onAsk() {
      wx.navigateTo({url: '/pages/consult/index'})
    },
  },
})
