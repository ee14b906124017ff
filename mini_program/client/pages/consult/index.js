// 我要咨询: topic (a catalogue domain or 其他), kind, the question, up to six photos, an
// optional phone and whether the answer may be published. Photos upload as they are chosen;
// the question is sent with their ids and a client key, so a double tap is one question.
// The same tap asks WeChat to allow one "咨询已答复" message (the sheet opens only in a tap).
const catalogue = require('../../utils/catalogue')
const consultations = require('../../utils/consultations')
const subscribe = require('../../utils/subscribe')
const pageBehavior = require('../../behaviors/page')

const MIN_CHARS = 10
const MAX_CHARS = 2000
const OTHER = '其他'
const PURPOSE = 'consultation_answered'

Component({
  behaviors: [pageBehavior],
  data: {
    domains: [],
    domainNames: [],
    domainIndex: 0,
    kinds: [],
    kindNames: [],
    kindIndex: 0,
    limitHint: '',
    text: '',
    count: 0,
    phone: '',
    private: false,
    photos: [],
    maxPhotos: 6,
    errors: {},
    submitting: false,
    loading: true,
    failed: false,
  },
  methods: {
    onLoad(query) {
      this.wanted = query && query.domain ? Number(query.domain) : 0
      this.clientKey = consultations.clientKey()
      subscribe.prepare()
      return this.load()
    },
    load() {
      this.setData({loading: true, failed: false})
      return Promise.all([catalogue.listDomains(), consultations.options()])
        .then(([domains, options]) => {
          const list = domains.map(d => ({id: d.id, name: d.name})).concat([{id: 0, name: OTHER}])
          const index = Math.max(0, list.findIndex(d => d.id === this.wanted))
          const kinds = options.kinds || []
          this.setData({
            loading: false,
            domains: list,
            domainNames: list.map(d => d.name),
            domainIndex: this.wanted ? index : list.length - 1,
            kinds,
            kindNames: kinds.map(k => k.label),
            maxPhotos: options.max_photos || 6,
            limitHint: this.hintFor(kinds[0]),
          })
        })
        .catch(() => this.setData({loading: false, failed: true}))
    },
    hintFor(kind) {
      return kind ? kind.label + '类问题将在 ' + kind.workdays + ' 个工作日内答复' : ''
    },
    onDomainChange(e) {
      this.setData({domainIndex: Number(e.detail.value)})
    },
    onKindChange(e) {
      const kindIndex = Number(e.detail.value)
      this.setData({kindIndex, limitHint: this.hintFor(this.data.kinds[kindIndex])})
    },
    onTextInput(e) {
      const text = e.detail.value
      this.setData({text, count: text.trim().length, 'errors.text': ''})
    },
    onPhoneInput(e) {
      this.setData({phone: e.detail.value, 'errors.phone': ''})
    },
    onPrivateChange(e) {
      this.setData({private: Boolean(e.detail.value)})
    },
    onAddPhoto() {
      const room = this.data.maxPhotos - this.data.photos.length
      if (room <= 0) {
        wx.showToast({title: '最多添加 ' + this.data.maxPhotos + ' 张照片', icon: 'none'})
        return Promise.resolve()
      }
      return new Promise(resolve => {
        wx.chooseMedia({
          count: room,
          mediaType: ['image'],
          sourceType: ['album', 'camera'],
          sizeType: ['compressed'],
          success: res => resolve(Promise.all((res.tempFiles || []).map(file => this.addPhoto(file)))),
          fail: () => resolve(),
        })
      })
    },
    addPhoto(file) {
      const key = 'p' + Date.now().toString(36) + Math.random().toString(36).slice(2, 6)
      this.setData({photos: this.data.photos.concat([{key, path: file.tempFilePath, id: '', uploading: true}])})
      return consultations
        .uploadPhoto(file)
        .then(id => this.updatePhoto(key, {id, uploading: false}))
        .catch(err => {
          this.setData({photos: this.data.photos.filter(p => p.key !== key)})
          wx.showToast({title: (err && err.message) || '照片上传失败', icon: 'none'})
        })
    },
    updatePhoto(key, changes) {
      this.setData({photos: this.data.photos.map(p => (p.key === key ? {...p, ...changes} : p))})
    },
    onRemovePhoto(e) {
      const key = e.currentTarget.dataset.key
      this.setData({photos: this.data.photos.filter(p => p.key !== key)})
    },
    check() {
      const text = this.data.text.trim()
      if (text.length < MIN_CHARS) return {text: '请把问题写清楚一些，至少 ' + MIN_CHARS + ' 个字'}
      if (text.length > MAX_CHARS) return {text: '问题内容最多 ' + MAX_CHARS + ' 字'}
      if (this.data.photos.some(p => p.uploading)) return {photos: '照片还在上传，请稍候'}
      return null
    },
    onSubmit() {
      if (this.data.submitting) return Promise.resolve()
      const problems = this.check()
      if (problems) {
        this.setData({errors: problems})
        wx.showToast({title: Object.values(problems)[0], icon: 'none'})
        return Promise.resolve()
      }
      const domain = this.data.domains[this.data.domainIndex]
      const kind = this.data.kinds[this.data.kindIndex]
      const body = {
        domain_id: domain && domain.id ? domain.id : null,
        kind: kind ? kind.value : 'enquiry',
        text: this.data.text.trim(),
        photos: this.data.photos.map(p => p.id),
        phone: this.data.phone.trim() || null,
        private: this.data.private,
        client_key: this.clientKey,
      }
      this.setData({submitting: true, errors: {}})
      const asking = subscribe.ask([PURPOSE])
      return Promise.all([consultations.submit(body), asking])
        .then(([res, asked]) => {
          this.setData({submitting: false})
          const told = asked.accepted.includes(PURPOSE)
          wx.showToast({title: told ? '已提交，答复后微信提醒您' : '已提交', icon: told ? 'none' : 'success'})
          wx.redirectTo({url: '/pages/consultation/index?id=' + res.consultation.id})
        })
        .catch(err => {
          // The same client key is kept, so trying again cannot ask the question twice.
          this.setData({submitting: false, errors: (err && err.fields) || {}})
        })
    },
    onRetry() {
      return this.load()
    },
  },
})
