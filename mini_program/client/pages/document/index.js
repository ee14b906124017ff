// One policy document as published: its heading facts, body, attachments and the
// interpretations that explain it.
const attachments = require('../../utils/attachments')
const catalogue = require('../../utils/catalogue')
const display = require('../../utils/display')
const pageBehavior = require('../../behaviors/page')

function paragraphs(text) {
  return String(text || '')
    .split(/\n+/)
    .map(p => p.trim())
    .filter(Boolean)
}

Component({
  behaviors: [pageBehavior],
  data: {doc: null, facts: [], body: [], attachments: [], interpretations: [], items: [], loading: true, failed: false},
  methods: {
    onLoad(query) {
      this.documentId = query.id
      return this.load()
    },
    load() {
      this.setData({loading: true, failed: false})
      return catalogue
        .getDocument(this.documentId)
        .then(doc => {
          const facts = [
            ['doc_no', '文号', doc.doc_no],
            ['issuer', '发文单位', doc.issuer],
            ['written_on', '成文日期', display.formatDate(doc.written_on)],
            ['published_on', '发布日期', display.formatDate(doc.published_on)],
            ['effective_on', '施行日期', display.formatDate(doc.effective_on)],
            ['validity', '有效性', doc.validity],
            ['kind', '文件类型', doc.is_normative ? '规范性文件' : '其他文件'],
          ]
            .filter(f => f[2])
            .map(([key, label, value]) => ({key, label, value}))
          this.setData({
            loading: false,
            doc: {id: doc.id, title: doc.title, validity: doc.validity || '', normative: Boolean(doc.is_normative)},
            facts,
            body: paragraphs(doc.body),
            attachments: (doc.attachments || []).map((a, i) => ({
              key: i,
              name: a.name,
              url: catalogue.absoluteUrl(a.url),
              size: attachments.sizeLabel(a.size),
            })),
            interpretations: (doc.interpretations || []).map(it => ({
              id: it.id,
              title: it.title,
              published: display.formatDate(it.published_on),
              body: paragraphs(it.body),
              open: false,
            })),
            items: (doc.items || []).map(it => ({id: it.id, title: it.level2 || it.level1})),
          })
        })
        .catch(() => this.setData({loading: false, failed: true}))
    },
    onInterpretationTap(e) {
      const index = e.currentTarget.dataset.index
      this.setData({['interpretations[' + index + '].open']: !this.data.interpretations[index].open})
    },
    onAttachmentTap(e) {
      attachments.openAttachment(this.data.attachments[e.currentTarget.dataset.index])
    },
    onItemTap(e) {
      wx.navigateTo({url: '/pages/item/index?id=' + e.currentTarget.dataset.id})
    },
    // Residents forward policies to family in WeChat chats; the card opens this document.
    onShareAppMessage() {
      const doc = this.data.doc
      return {
        title: doc ? doc.title : '蒙城政务公开',
        path: '/pages/document/index?id=' + this.documentId,
      }
    },
    onRetry() {
      return this.load()
    },
  },
})
