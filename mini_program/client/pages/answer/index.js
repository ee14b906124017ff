// One published question and its answer.
const consultations = require('../../utils/consultations')
const display = require('../../utils/display')
const pageBehavior = require('../../behaviors/page')

Component({
  behaviors: [pageBehavior],
  data: {qa: null, loading: true, failed: false},
  methods: {
    onLoad(query) {
      this.qaId = query.id
      return this.load()
    },
    load() {
      this.setData({loading: true, failed: false})
      return consultations
        .qaDetail(this.qaId)
        .then(qa =>
          this.setData({
            loading: false,
            qa: {
              question: qa.question,
              answer: qa.answer,
              domain: qa.domain.name,
              domainId: qa.domain.id || 0,
              department: qa.department ? qa.department.name : '',
              date: display.formatDate(qa.published_at),
            },
          }),
        )
        .catch(() => this.setData({loading: false, failed: true}))
    },
    onMore() {
      const qa = this.data.qa
      wx.navigateTo({url: '/pages/qa/index?domain=' + qa.domainId + '&name=' + encodeURIComponent(qa.domain)})
    },
    onShareAppMessage() {
      return {title: this.data.qa ? this.data.qa.question : '常见问答', path: '/pages/answer/index?id=' + this.qaId}
    },
    onRetry() {
      return this.load()
    },
  },
})
