// 依申请公开: apply for government information under the Regulations on Open Government
// Information. The server checks every field (ID check digit, credit code, phone) and names
// what is wrong; the page shows each message under its field.
const applications = require('../../utils/applications')
const errors = require('../../utils/errors')
const subscribe = require('../../utils/subscribe')
const pageBehavior = require('../../behaviors/page')

const EMPTY = {
  applicant_type: 'citizen',
  name: '',
  credit_code: '',
  id_type: 'resident_id',
  id_number: '',
  phone: '',
  address: '',
  description: '',
  purpose: '',
  format: 'electronic',
  delivery: 'electronic',
}

Component({
  behaviors: [pageBehavior],
  data: {
    form: {...EMPTY},
    errors: {},
    submitting: false,
    applicantTypes: applications.APPLICANT_TYPES,
    idTypes: applications.ID_TYPES,
    idTypeIndex: 0,
    formats: applications.FORMATS,
    deliveries: applications.DELIVERIES,
  },
  methods: {
    onLoad() {
      // Template ids beforehand: WeChat opens the grant sheet only straight from the tap.
      subscribe.prepare()
    },
    onInput(e) {
      const field = e.currentTarget.dataset.field
      this.setData({['form.' + field]: e.detail.value, ['errors.' + field]: ''})
    },
    onChoose(e) {
      const {field, value} = e.currentTarget.dataset
      const changes = {['form.' + field]: value, ['errors.' + field]: ''}
      // Paper cannot be fetched in the mini-program: switch to post.
      if (field === 'format' && value === 'paper' && this.data.form.delivery === 'electronic') {
        changes['form.delivery'] = 'post'
      }
      this.setData(changes)
    },
    onIdTypeChange(e) {
      const index = Number(e.detail.value)
      this.setData({idTypeIndex: index, 'form.id_type': applications.ID_TYPES[index].value, 'errors.id_type': ''})
    },
    onSubmit() {
      if (this.data.submitting) return Promise.resolve()
      // In the same tap: may WeChat tell the resident when the application moves on?
      const asked = subscribe.ask(['application_status'])
      this.setData({submitting: true, errors: {}})
      return Promise.all([applications.file(this.data.form), asked])
        .then(([created]) => created)
        .then(created => {
          // Going back from the detail must not offer the same application again.
          this.setData({submitting: false, form: {...EMPTY}, idTypeIndex: 0})
          wx.showToast({title: '已提交', icon: 'success'})
          wx.navigateTo({url: '/pages/application/index?id=' + created.id + '&created=1'})
        })
        .catch(err => {
          const fields = (err && err.fields) || {}
          this.setData({submitting: false, errors: fields})
          const first = Object.keys(fields)[0]
          errors.showError(first ? {message: fields[first]} : err)
        })
    },
  },
})
