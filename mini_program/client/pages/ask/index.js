// 咨询留言: the ways to ask the county: online (我要咨询, 常见问答), at the help desk, by phone.
const hall = require('../../utils/hall')
const pageBehavior = require('../../behaviors/page')

Component({
  behaviors: [pageBehavior],
  data: {info: null, loading: true, failed: false},
  methods: {
    onLoad() {
      return this.load()
    },
    load() {
      this.setData({loading: true, failed: false})
      return hall
        .hallInfo()
        .then(info => this.setData({info, loading: false}))
        .catch(() => this.setData({loading: false, failed: true}))
    },
    onCallDesk() {
      wx.makePhoneCall({phoneNumber: this.data.info.help_desk_phone})
    },
    onCallHotline() {
      wx.makePhoneCall({phoneNumber: this.data.info.ask_hotline})
    },
    onConsultTap() {
      wx.navigateTo({url: '/pages/consult/index'})
    },
    onQaTap() {
      wx.navigateTo({url: '/pages/qa/index'})
    },
    onRetry() {
      return this.load()
    },
  },
})
