// 我的报名: every registration with its status; a confirmed one shows its signed ticket as a QR
// for the door (and the code to read out if the camera fails); cancelling frees the place.
const hall = require('../../utils/hall')
const pageBehavior = require('../../behaviors/page')

Component({
  behaviors: [pageBehavior],
  data: {items: [], loading: true, failed: false},
  methods: {
    onLoad() {
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    load() {
      this.setData({loading: true, failed: false})
      return hall
        .myRegistrations()
        .then(items =>
          this.setData({
            loading: false,
            items: items.map(r => ({
              id: r.id,
              eventId: r.open_day_id,
              title: r.open_day ? r.open_day.title : '',
              when: r.open_day ? hall.formatTime(r.open_day.starts_at) : '',
              place: r.open_day ? r.open_day.place : '',
              status: r.status,
              statusLabel: r.status_label,
              companions: r.companions,
              ticket: r.ticket,
              ticketQr: r.ticket_qr,
              checkedIn: Boolean(r.checked_in_at),
              cancellable: r.status !== 'cancelled' && !r.checked_in_at,
            })),
          })
        )
        .catch(() => this.setData({loading: false, failed: true}))
    },
    onCancelTap(e) {
      const eventId = e.currentTarget.dataset.event
      return new Promise(resolve => {
        wx.showModal({
          title: '取消报名',
          content: '取消后名额将让给候补的居民，确定取消吗？',
          confirmText: '取消报名',
          cancelText: '再想想',
          success: res => resolve(res.confirm),
          fail: () => resolve(false),
        })
      }).then(confirmed => {
        if (!confirmed) return null
        return hall
          .cancelRegistration(eventId)
          .then(() => wx.showToast({title: '已取消报名', icon: 'success'}))
          .then(() => this.load())
          .catch(() => null)
      })
    },
    onPreview(e) {
      wx.previewImage({urls: [e.currentTarget.dataset.src], current: e.currentTarget.dataset.src})
    },
    onRetry() {
      return this.load()
    },
  },
})
