// A published policy article as a resident reads it (the page a subscribe message opens).
// tests/push/test_mini_program_article.py publishes an article and passes its id; run alone,
// without that id, this file has nothing to read.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./harness')

const ARTICLE = process.env.GOVMATRIX_ARTICLE_ID
const skip = ARTICLE ? false : 'needs GOVMATRIX_ARTICLE_ID (run by tests/push)'

test.beforeEach(async () => {
  h.reset()
  await h.launch()
})

test('the article page shows the published article, its documents and domains', {skip}, async () => {
  const {body} = await h.api(`/api/v1/mp/articles/${ARTICLE}`)
  const page = await h.open(`/pages/article/index?id=${ARTICLE}`)
  assert.equal(h.text(page, '.article-title'), body.article.title)
  const data = page.instance.data.article
  assert.equal(data.content, body.article.content)
  assert.match(data.content, /<img src="http/)
  assert.deepEqual(h.texts(page, '.domain-tag'), body.article.domains.map(d => d.name))
  assert.equal(page.querySelectorAll('.document-link').length, body.article.documents.length)
  await h.tap(page.querySelector('.document-link'))
  assert.equal(h.state.navigations.at(-1), `/pages/document/index?id=${body.article.documents[0].id}`)
  const share = page.instance.onShareAppMessage()
  assert.equal(share.path, `/pages/article/index?id=${ARTICLE}`)
})

test('an article that is not published says so without an error toast', {skip}, async () => {
  const page = await h.open('/pages/article/index?id=2147483000')
  assert.equal(h.text(page, '.empty'), '这篇文章不存在或尚未发布')
  assert.equal(h.state.toasts.length, 0)
})
