// One policy article as it was published to the county's accounts: residents arrive here from
// a subscribe-message notification or a shared card. The body is the article's sanitised HTML,
// shown with rich-text; images are full URLs the server gives.
const articles = require('../../utils/articles')
const display = require('../../utils/display')
const pageBehavior = require('../../behaviors/page')

Component({
  behaviors: [pageBehavior],
  data: {article: null, loading: true, failed: false, missing: false},
  methods: {
    onLoad(query) {
      this.articleId = query && query.id
      return this.load()
    },
    load() {
      if (!this.articleId) {
        this.setData({loading: false, missing: true})
        return Promise.resolve()
      }
      this.setData({loading: true, failed: false, missing: false})
      return articles
        .getArticle(this.articleId)
        .then(body => {
          const a = body.article
          wx.setNavigationBarTitle({title: '政策解读'})
          this.setData({
            loading: false,
            article: {
              id: a.id,
              title: a.title,
              author: a.author || '',
              published: display.formatDate(a.published_at),
              cover: a.cover_url || '',
              content: a.content || '',
              domains: (a.domains || []).map(d => ({id: d.id, name: d.name})),
              documents: (a.documents || []).map(d => ({id: d.id, title: d.title, docNo: d.doc_no || ''})),
              sourceUrl: a.source_url || '',
            },
          })
        })
        .catch(err => {
          const gone = Boolean(err && err.status === 404)
          this.setData({loading: false, failed: !gone, missing: gone})
        })
    },
    onDocumentTap(e) {
      wx.navigateTo({url: '/pages/document/index?id=' + e.currentTarget.dataset.id})
    },
    onDomainTap(e) {
      const d = this.data.article.domains[e.currentTarget.dataset.index]
      wx.navigateTo({url: '/pages/domain/index?id=' + d.id + '&name=' + encodeURIComponent(d.name)})
    },
    // The original link cannot open inside the mini-program: copy it for the browser.
    onSourceTap() {
      wx.setClipboardData({data: this.data.article.sourceUrl})
    },
    onShareAppMessage() {
      const a = this.data.article
      return {title: a ? a.title : '蒙城政务公开', path: '/pages/article/index?id=' + this.articleId}
    },
    onRetry() {
      return this.load()
    },
  },
})
