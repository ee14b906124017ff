// One disclosure item: every standard column of the catalogue, then its documents.
const catalogue = require('../../utils/catalogue')
const display = require('../../utils/display')
const pageBehavior = require('../../behaviors/page')

// The standard columns in the order of the county's published catalogue tables.
const COLUMNS = [
  ['level1', '一级事项'],
  ['level2', '二级事项'],
  ['content', '公开内容（要素）'],
  ['basis', '公开依据'],
  ['time_limit', '公开时限'],
  ['subject', '公开主体'],
  ['channels', '公开渠道和载体'],
  ['audience', '公开对象'],
  ['mode', '公开方式'],
  ['level', '公开层级'],
]

Component({
  behaviors: [pageBehavior],
  data: {item: null, fields: [], documents: [], loading: true, failed: false},
  methods: {
    onLoad(query) {
      this.itemId = query.id
      return this.load()
    },
    load() {
      this.setData({loading: true, failed: false})
      return catalogue
        .getItem(this.itemId)
        .then(item => {
          wx.setNavigationBarTitle({title: (item.domain && item.domain.name) || '事项详情'})
          this.setData({
            loading: false,
            item: {id: item.id, title: item.level2 || item.level1, domain: (item.domain && item.domain.name) || ''},
            fields: COLUMNS.map(([key, label]) => ({key, label, value: catalogue.joinList(item[key]) || '—'})),
            documents: (item.documents || []).map(d => ({
              id: d.id,
              title: d.title,
              docNo: d.doc_no || '',
              issuer: d.issuer || '',
              published: display.formatDate(d.published_on),
              validity: d.validity || '',
              normative: Boolean(d.is_normative),
            })),
          })
        })
        .catch(() => this.setData({loading: false, failed: true}))
    },
    onDocumentTap(e) {
      wx.navigateTo({url: '/pages/document/index?id=' + e.currentTarget.dataset.id})
    },
    onShareAppMessage() {
      const item = this.data.item
      return {
        title: item ? item.title : '蒙城政务公开',
        path: '/pages/item/index?id=' + this.itemId,
      }
    },
    onRetry() {
      return this.load()
    },
  },
})
