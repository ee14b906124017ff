// 政府开放日: events from today on, soonest first, with places left.
const hall = require('../../utils/hall')
const pageBehavior = require('../../behaviors/page')

Component({
  behaviors: [pageBehavior],
  data: {events: [], loading: true, failed: false},
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
        .listOpenDays()
        .then(events =>
          this.setData({
            loading: false,
            events: events.map(e => ({
              id: e.id,
              title: e.title,
              when: hall.formatTime(e.starts_at),
              place: e.place,
              department: e.department_name,
              state: hall.STATE_LABELS[e.registration_state] || '',
              open: e.registration_state === 'open' || e.registration_state === 'waitlist',
              remaining: e.remaining,
            })),
          })
        )
        .catch(() => this.setData({loading: false, failed: true}))
    },
    onEventTap(e) {
      wx.navigateTo({url: '/pages/open-day/index?id=' + e.currentTarget.dataset.id})
    },
    onMineTap() {
      wx.navigateTo({url: '/pages/my-registrations/index'})
    },
    onRetry() {
      return this.load()
    },
  },
})
