// 咨询留言: until online consultations open in the mini-program, how to ask the county.
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
    onRetry() {
      return this.load()
    },
  },
})
