// 意见征集: drafts the county puts out for comment, open ones first in the list's own order
// (newest first), each with its dates and state.
const consultations = require('../../utils/consultations')
const listBehavior = require('../../behaviors/list')
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
  behaviors: [pageBehavior, listBehavior],
  data: {tabs: TABS, tab: ''},
  methods: {
    fetchPage(page) {
      return consultations.calls(this.data.tab, page)
    },
    toItem(c) {
      return row(c)
    },
    onLoad() {
      return this.refresh()
    },
    onPullDownRefresh() {
      return this.refresh().then(() => wx.stopPullDownRefresh())
    },
    onTab(e) {
      this.setData({tab: e.currentTarget.dataset.value})
      return this.refresh()
    },
    onItemTap(e) {
      wx.navigateTo({url: '/pages/opinion/index?id=' + e.currentTarget.dataset.id})
    },
  },
})
