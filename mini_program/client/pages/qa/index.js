// 常见问答: published questions and answers, of one domain when opened from it, newest
// first, or the best matches of a search.
const consultations = require('../../utils/consultations')
const display = require('../../utils/display')
const listBehavior = require('../../behaviors/list')
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
  behaviors: [pageBehavior, listBehavior],
  data: {domain: '', domainName: '', query: '', searched: ''},
  methods: {
    fetchPage(page) {
      return consultations.qa(this.data.domain, this.data.searched, page)
    },
    toItem(item) {
      return row(item)
    },
    onLoad(query) {
      this.setData({
        domain: query.domain || '',
        domainName: query.name ? decodeURIComponent(query.name) : '',
      })
      if (this.data.domainName) wx.setNavigationBarTitle({title: this.data.domainName + '常见问答'})
      return this.refresh()
    },
    onQueryInput(e) {
      this.setData({query: e.detail.value})
    },
    onSearch() {
      this.setData({searched: (this.data.query || '').trim()})
      return this.refresh()
    },
    onItemTap(e) {
      wx.navigateTo({url: '/pages/answer/index?id=' + e.currentTarget.dataset.id})
    },
    onAsk() {
      wx.navigateTo({url: '/pages/consult/index' + (this.data.domain ? '?domain=' + this.data.domain : '')})
    },
  },
})
