// 关注领域: the resident picks the disclosure domains to follow and, on saving, is asked once
// by WeChat to allow a notification when one of them publishes a policy (one "允许" = one
// message). The page keeps the count of notifications the resident can still receive.
const catalogue = require('../../utils/catalogue')
const http = require('../../utils/request')
const subscribe = require('../../utils/subscribe')
const pageBehavior = require('../../behaviors/page')

const PURPOSE = 'article_published'

Component({
  behaviors: [pageBehavior],
  data: {domains: [], loading: true, failed: false, saving: false, count: 0, left: null, notice: ''},
  methods: {
    onLoad() {
      subscribe.prepare()
      return this.load()
    },
    load() {
      this.setData({loading: true, failed: false})
      return Promise.all([catalogue.listDomains(), http.get('/api/v1/mp/follows'), subscribe.grants().catch(() => null)])
        .then(([domains, follows, grants]) => {
          const followed = new Set(follows.domain_ids || [])
          const list = domains
            .map(d => ({id: d.id, name: d.name, order: d.sort_order || 0, on: followed.has(d.id)}))
            .sort((a, b) => a.order - b.order || a.id - b.id)
          this.setData({
            loading: false,
            domains: list,
            count: followed.size,
            left: grants ? grants[PURPOSE] || 0 : null,
          })
        })
        .catch(() => this.setData({loading: false, failed: true}))
    },
    onToggle(e) {
      const id = Number(e.currentTarget.dataset.id)
      const on = Boolean(e.detail.value)
      const domains = this.data.domains.map(d => (d.id === id ? {...d, on} : d))
      this.setData({domains, count: domains.filter(d => d.on).length, notice: ''})
    },
    // The natural moment to ask: the resident has just chosen what to follow. WeChat's sheet
    // must open in this tap, so it is asked before anything is awaited.
    onSave() {
      if (this.data.saving) return Promise.resolve()
      const ids = this.data.domains.filter(d => d.on).map(d => d.id)
      this.setData({saving: true, notice: ''})
      const asking = ids.length ? subscribe.ask([PURPOSE]) : Promise.resolve({asked: false, accepted: []})
      const saving = http.request({path: '/api/v1/mp/follows', method: 'PUT', data: {domain_ids: ids}})
      return Promise.all([saving, asking])
        .then(([saved, asked]) => {
          const left = asked.grants ? asked.grants[PURPOSE] || 0 : this.data.left
          let notice = ids.length ? '已保存关注的领域' : '已取消全部关注'
          if (ids.length && asked.accepted.includes(PURPOSE)) notice += '，有新政策发布时将通过微信通知您'
          else if (ids.length && asked.asked) notice += '；您未允许微信通知，可随时再点“接收提醒”'
          this.setData({saving: false, count: (saved.domain_ids || []).length, left, notice})
          wx.showToast({title: '已保存', icon: 'success'})
        })
        .catch(() => this.setData({saving: false}))
    },
    // One more "允许" = one more notification (each grant is used by one message).
    onMoreTap() {
      return subscribe.ask([PURPOSE]).then(asked => {
        if (asked.grants) this.setData({left: asked.grants[PURPOSE] || 0})
      })
    },
    onRetry() {
      return this.load()
    },
  },
})
