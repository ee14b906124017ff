// Where a scanned code lands: WeChat opens this page with `q` (an ordinary-link QR holding
// https://…/q/CODE) or `scene` (the mini-program code of a spot). The server counts the scan
// and says which page shows the spot's content; this page then takes its place.
const hall = require('../../utils/hall')
const pageBehavior = require('../../behaviors/page')

Component({
  behaviors: [pageBehavior],
  data: {loading: true, failed: false, message: '', phone: '', hours: ''},
  methods: {
    onLoad(query) {
      this.query = query || {}
      if (!this.query.q && !this.query.scene) {
        wx.reLaunch({url: '/pages/index/index'})
        return Promise.resolve()
      }
      return this.open()
    },
    open() {
      this.setData({loading: true, failed: false})
      return hall
        .reportScan(this.query)
        .then(answer => wx.redirectTo({url: answer.url}))
        .catch(err => {
          const message = err.status === 404 ? err.message : '网络不太好，暂时打不开这个二维码'
          this.setData({loading: false, failed: true, message})
          return hall.hallInfo().then(info => this.setData({phone: info.help_desk_phone, hours: info.hours})).catch(() => null)
        })
    },
    onRetry() {
      return this.open()
    },
    onCall() {
      if (this.data.phone) wx.makePhoneCall({phoneNumber: this.data.phone})
    },
    onHome() {
      wx.reLaunch({url: '/pages/index/index'})
    },
  },
})
