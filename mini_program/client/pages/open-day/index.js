// One open day: what, when, where, places left; the registration form; the resident's own
// registration once there is one (with its ticket in 我的报名).
const hall = require('../../utils/hall')
const subscribe = require('../../utils/subscribe')
const pageBehavior = require('../../behaviors/page')

const COMPANIONS = ['不带随行人员', '1 人', '2 人', '3 人', '4 人']

Component({
  behaviors: [pageBehavior],
  data: {
    event: null,
    mine: null,
    loading: true,
    failed: false,
    form: {name: '', phone: '', companions: 0},
    errors: {},
    companionOptions: COMPANIONS,
    submitting: false,
    result: '',
  },
  methods: {
    onLoad(query) {
      this.eventId = query.id
      // The templates are fetched now: WeChat's permission sheet opens only straight from a tap.
      subscribe.prepare()
      return this.load()
    },
    load() {
      this.setData({loading: true, failed: false})
      return Promise.all([hall.getOpenDay(this.eventId), hall.myRegistration(this.eventId).catch(() => null)])
        .then(([event, mine]) => {
          wx.setNavigationBarTitle({title: '政府开放日'})
          this.setData({
            loading: false,
            event: {
              ...event,
              when: hall.formatTime(event.starts_at),
              opens: hall.formatTime(event.registration_opens),
              closes: hall.formatTime(event.registration_closes),
              state: hall.STATE_LABELS[event.registration_state] || '',
              canRegister: event.registration_state === 'open' || event.registration_state === 'waitlist',
              paragraphs: (event.description || '').split('\n').filter(p => p.trim()),
            },
            mine: mine && mine.status !== 'cancelled' ? mine : null,
          })
        })
        .catch(() => this.setData({loading: false, failed: true}))
    },
    onNameInput(e) {
      this.setData({'form.name': e.detail.value, 'errors.name': ''})
    },
    onPhoneInput(e) {
      this.setData({'form.phone': e.detail.value, 'errors.phone': ''})
    },
    onCompanionsChange(e) {
      this.setData({'form.companions': Number(e.detail.value), 'errors.companions': ''})
    },
    onSubmit() {
      if (this.data.submitting) return Promise.resolve()
      // Asked in the tap itself (WeChat's rule): may we tell you when a waitlist place frees
      // up, and remind you the day before? The registration goes ahead whatever the answer.
      const asked = subscribe.ask(['open_day_result', 'open_day_reminder'])
      this.setData({submitting: true, errors: {}, result: ''})
      return hall
        .register(this.eventId, this.data.form)
        .then(reg => asked.then(() => reg))
        .then(reg => {
          const result = reg.status === 'confirmed' ? '报名成功！入场券在「我的报名」中' : '名额已满，您已进入候补（' + reg.status_label + '），有人取消时按顺序递补并通知您'
          this.setData({submitting: false, mine: reg, result})
          wx.showToast({title: reg.status === 'confirmed' ? '报名成功' : '已进入候补', icon: 'success'})
        })
        .catch(err => {
          this.setData({submitting: false, errors: err.fields || {}, result: err.fields && Object.keys(err.fields).length ? '' : err.message})
          if (!err.fields || !Object.keys(err.fields).length) wx.showToast({title: err.message, icon: 'none'})
        })
    },
    onMineTap() {
      wx.navigateTo({url: '/pages/my-registrations/index'})
    },
    onRetry() {
      return this.load()
    },
  },
})
