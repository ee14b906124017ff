// What a resident sees when reading the disclosure catalogue on the phone.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./harness')
const config = require('../config')

const PAGE_SIZE = config.pageSize

test.beforeEach(async () => {
  h.reset()
  config.pageSize = PAGE_SIZE
  await h.launch()
})

const ITEM_COLUMNS = ['一级事项', '二级事项', '公开内容（要素）', '公开依据', '公开时限', '公开主体', '公开渠道和载体', '公开对象', '公开方式', '公开层级']

test('the home page lists the 28 domains in the order the server ranks them, with item counts', async () => {
  // The ranking moves with views; the page must match what the server said just before or
  // just after it loaded, whichever it was served from.
  const {body: before} = await h.api('/api/v1/mp/domains')
  const page = await h.open('/pages/index/index')
  const {body: after} = await h.api('/api/v1/mp/domains')
  const names = h.texts(page, '.domain-name')
  assert.equal(names.length, 28)
  const orders = [before, after].map(b => b.items.map(d => d.name))
  const body = JSON.stringify(names) === JSON.stringify(orders[0]) ? before : after
  assert.deepEqual(names, body.items.map(d => d.name))
  assert.deepEqual(h.texts(page, '.domain-count'), body.items.map(d => String(d.item_count)))
  assert.ok(names.includes('公共体育') && names.includes('农业生产服务'))
  // Screen readers announce each row as name and count.
  assert.equal(page.instance.data.domains[0].label, `${body.items[0].name}，${body.items[0].item_count}个公开事项`)
})

test('tapping a domain opens its items under the domain\'s name', async () => {
  const home = await h.open('/pages/index/index')
  const domains = home.querySelectorAll('.domain')
  const target = domains[2]
  const name = h.texts(home, '.domain-name')[2]
  await h.tap(target)
  const url = h.state.navigations.at(-1)
  assert.match(url, /^\/pages\/domain\/index\?id=\d+&name=/)
  const page = await h.follow()
  assert.equal(h.state.titles.at(-1), name)
  assert.equal(h.text(page, '.domain-title'), name)
  const id = url.match(/id=(\d+)/)[1]
  const {body} = await h.api(`/api/v1/mp/domains/${id}/items?page_size=50`)
  assert.ok(body.items.length > 0, 'every demo domain has items')
  assert.deepEqual(h.texts(page, '.item-title'), body.items.slice(0, PAGE_SIZE).map(i => i.level2 || i.level1))
  assert.equal(h.text(page, '.total'), `共 ${body.total} 个公开事项`)
})

test('scrolling to the bottom of a domain loads the next page until all items are shown', async () => {
  config.pageSize = 2
  const {body: domains} = await h.api('/api/v1/mp/domains')
  const biggest = domains.items.reduce((a, b) => (b.item_count > a.item_count ? b : a))
  assert.ok(biggest.item_count > 4)
  const page = await h.open(`/pages/domain/index?id=${biggest.id}&name=${encodeURIComponent(biggest.name)}`)
  assert.equal(page.querySelectorAll('.item').length, 2)
  assert.equal(h.text(page, '.end'), null)
  for (let i = 0; i < 50 && page.instance.data.more; i++) {
    page.instance.onReachBottom()
    await h.idle()
  }
  const {body} = await h.api(`/api/v1/mp/domains/${biggest.id}/items?page_size=50`)
  assert.deepEqual(h.texts(page, '.item-title'), body.items.map(i => i.level2 || i.level1))
  assert.equal(h.text(page, '.end'), '已全部加载')
  const before = h.state.requests.length
  page.instance.onReachBottom()
  await h.idle()
  assert.equal(h.state.requests.length, before, 'nothing more is fetched once everything is shown')
})

async function itemWithDocuments() {
  const {body} = await h.api('/api/v1/mp/documents?normative=1&page_size=50')
  for (const doc of body.items) {
    const {body: full} = await h.api(`/api/v1/mp/documents/${doc.id}`)
    if (full.items && full.items.length && full.interpretations && full.interpretations.length) return full
  }
  throw new Error('the demo county has no normative document with an item and an interpretation')
}

test('an item shows every standard column of the catalogue and the documents behind it', async () => {
  const doc = await itemWithDocuments()
  const itemId = doc.items[0].id
  const domainPage = await h.open(`/pages/domain/index?id=${doc.items[0].domain_id}`)
  const row = domainPage.querySelectorAll('.item').find(el => el.dom.getAttribute('data-id') === String(itemId))
  if (row) await h.tap(row)
  const page = row ? await h.follow() : await h.open(`/pages/item/index?id=${itemId}`)
  const {body: item} = await h.api(`/api/v1/mp/items/${itemId}`)
  assert.deepEqual(h.texts(page, '.field .label'), ITEM_COLUMNS)
  const values = h.texts(page, '.field .value')
  assert.equal(values[0], item.level1)
  assert.equal(values[2], item.content || '—')
  assert.equal(values[5], item.subject || '—')
  assert.equal(values[7], item.audience.join('、') || '—')
  assert.equal(values[8], item.mode.join('、') || '—')
  assert.equal(values[9], item.level.join('、') || '—')
  assert.equal(h.state.titles.at(-1), item.domain.name)
  assert.deepEqual(h.texts(page, '.document-title'), item.documents.map(d => d.title))
  assert.ok(h.texts(page, '.document-title').includes(doc.title))
})

test('a document shows its number, issuer, dates, validity, body, attachments and interpretations', async () => {
  const doc = await itemWithDocuments()
  const itemPage = await h.open(`/pages/item/index?id=${doc.items[0].id}`)
  const link = itemPage.querySelectorAll('.document').find(el => el.dom.getAttribute('data-id') === String(doc.id))
  await h.tap(link)
  assert.equal(h.state.navigations.at(-1), `/pages/document/index?id=${doc.id}`)
  const page = await h.follow()
  assert.equal(h.text(page, '.doc-title'), doc.title)
  assert.equal(h.text(page, '.fact-doc_no .value'), doc.doc_no)
  assert.equal(h.text(page, '.fact-issuer .value'), doc.issuer)
  assert.equal(h.text(page, '.fact-published_on .value'), doc.published_on)
  if (doc.written_on) assert.equal(h.text(page, '.fact-written_on .value'), doc.written_on)
  if (doc.effective_on) assert.equal(h.text(page, '.fact-effective_on .value'), doc.effective_on)
  assert.equal(h.text(page, '.fact-validity .value'), doc.validity)
  assert.equal(h.text(page, '.fact-kind .value'), '规范性文件')
  const paragraphs = h.texts(page, '.body .paragraph')
  assert.deepEqual(paragraphs, doc.body.split(/\n+/).map(p => p.trim()).filter(Boolean))
  assert.deepEqual(h.texts(page, '.attachment-name'), (doc.attachments || []).map(a => a.name))
  // Interpretations are folded; a tap opens one.
  const titles = page.querySelectorAll('.interpretation-title')
  assert.equal(titles.length, doc.interpretations.length)
  assert.equal(page.querySelectorAll('.interpretation-body').length, 0)
  await h.tap(titles[0])
  const opened = h.texts(page, '.interpretation-body .paragraph').join('\n')
  assert.ok(opened.length > 0)
  assert.ok(doc.interpretations[0].body.includes(opened.split('\n')[0]))
})

test('searching 低保 from the home page shows 社会救助 results with the matches highlighted', async () => {
  const home = await h.open('/pages/index/index')
  const input = home.querySelector('.search-input')
  input.dispatchEvent('input', {detail: {value: '低保'}})
  await h.sleep(0)
  await h.tap(home.querySelector('.search-btn'))
  assert.equal(h.state.navigations.at(-1), '/pages/search/index?q=' + encodeURIComponent('低保'))
  const page = await h.follow()
  const results = page.querySelectorAll('.result')
  assert.ok(results.length > 0, '低保 finds something')
  assert.match(h.text(page, '.summary'), /^「低保」共找到 \d+ 条结果$/)
  // What the resident reads: plain text with highlighted words, no markup from the server.
  const titles = page.querySelectorAll('.snippet-title').map(s => s.instance.data)
  const snippets = titles.concat(page.querySelectorAll('.snippet-body').map(s => s.instance.data))
  assert.equal(titles.length, results.length)
  const hits = snippets.flatMap(s => s.hits)
  assert.ok(hits.length > 0, 'some words are highlighted')
  assert.ok(hits.some(w => /低保|最低生活保障/.test(w)), JSON.stringify(hits))
  for (const s of snippets) {
    assert.doesNotMatch(s.plain, /<\/?em>/)
    for (const node of s.nodes) {
      assert.ok(node.type === 'text' || node.name === 'em')
      if (node.name === 'em') assert.deepEqual(node.children.map(c => c.type), ['text'])
    }
  }
  const {body: domains} = await h.api('/api/v1/mp/domains')
  const relief = domains.items.find(d => d.name === '社会救助')
  const {body} = await h.api('/api/v1/mp/search?q=' + encodeURIComponent('低保'))
  assert.ok(body.items.some(r => r.domain_ids.includes(relief.id)))
  assert.equal(results.length, Math.min(body.total, PAGE_SIZE))
  // Tapping a result opens it.
  await h.tap(results[0])
  const first = body.items[0]
  assert.equal(h.state.navigations.at(-1), `/pages/${first.type === 'document' ? 'document' : 'item'}/index?id=${first.id}`)
  const opened = await h.follow()
  assert.ok(h.text(opened, first.type === 'document' ? '.doc-title' : '.item-title'))
})

test('a search made of markup and search syntax shows ordinary results or a friendly empty state', async () => {
  const q = '<img src=x onerror=alert(1)> "低保" OR NEAR( * -'
  const page = await h.open('/pages/search/index?q=' + encodeURIComponent(q))
  assert.deepEqual(h.state.toasts, [])
  const results = page.querySelectorAll('.result')
  if (results.length === 0) assert.equal(h.text(page, '.no-results'), '没有找到相关内容，换个词试试')
  for (const s of page.querySelectorAll('.snippet-body').map(c => c.instance.data)) {
    for (const node of s.nodes) assert.ok(node.type === 'text' || node.name === 'em')
  }
})

test('an empty search asks the resident what to look for instead of calling the server', async () => {
  const page = await h.open('/pages/search/index')
  const before = h.state.requests.length
  await h.tap(page.querySelector('.search-btn'))
  assert.equal(h.state.requests.length, before)
  assert.equal(h.state.toasts.at(-1).title, '请输入要查找的内容')
})

test('the normative-document query lists normative documents and finds one by its number in any bracket style', async () => {
  const page = await h.open('/pages/normative/index')
  const {body: all} = await h.api('/api/v1/mp/documents?normative=1&page_size=50')
  assert.ok(all.total > 0)
  assert.equal(h.text(page, '.summary'), `共 ${all.total} 件规范性文件`)
  assert.deepEqual(h.texts(page, '.document-title'), all.items.slice(0, PAGE_SIZE).map(d => d.title))

  const target = all.items.find(d => d.doc_no && d.doc_no.includes('〔'))
  const squareBrackets = target.doc_no.replace('〔', '[').replace('〕', ']')
  page.querySelector('.input-doc-no').dispatchEvent('input', {detail: {value: squareBrackets}})
  await h.sleep(0)
  await h.tap(page.querySelector('.submit'))
  const titles = h.texts(page, '.document-title')
  assert.ok(titles.includes(target.title), JSON.stringify(titles))
  assert.ok(h.texts(page, '.doc-no').every(n => n === target.doc_no))
  const sent = h.state.requests.at(-1).url
  assert.ok(sent.includes('doc_no=' + encodeURIComponent(squareBrackets)))
  assert.ok(!sent.includes('title='), 'empty filters are not sent')
})

test('the normative query filters by issuer and date range, and refuses an end date before the start', async () => {
  const page = await h.open('/pages/normative/index')
  const {body: all} = await h.api('/api/v1/mp/documents?normative=1&page_size=50')
  const target = all.items[0]
  page.querySelector('.input-issuer').dispatchEvent('input', {detail: {value: target.issuer}})
  await h.sleep(0)
  page.instance.onDateChange({currentTarget: {dataset: {field: 'from'}}, detail: {value: target.published_on}})
  page.instance.onDateChange({currentTarget: {dataset: {field: 'to'}}, detail: {value: target.published_on}})
  await h.tap(page.querySelector('.submit'))
  const {body: expected} = await h.api(`/api/v1/mp/documents?normative=1&page_size=50&issuer=${encodeURIComponent(target.issuer)}&from=${target.published_on}&to=${target.published_on}`)
  assert.deepEqual(h.texts(page, '.document-title'), expected.items.map(d => d.title))
  assert.ok(h.texts(page, '.document-title').includes(target.title))

  page.instance.onDateChange({currentTarget: {dataset: {field: 'from'}}, detail: {value: '2026-05-01'}})
  page.instance.onDateChange({currentTarget: {dataset: {field: 'to'}}, detail: {value: '2026-04-01'}})
  const before = h.state.requests.length
  await h.tap(page.querySelector('.submit'))
  assert.equal(h.state.requests.length, before)
  assert.equal(h.text(page, '.error-to'), '结束日期不能早于开始日期')
})

test('large text switched on at home stays on for the pages opened next', async () => {
  const home = await h.open('/pages/index/index')
  const root = () => home.querySelector('.page')
  assert.ok(!root().dom.className.includes('large'))
  home.querySelector('.large-switch').dispatchEvent('change', {detail: {value: true}})
  await h.sleep(0)
  await h.idle()
  assert.ok(root().dom.className.includes('large'))
  const next = await h.open('/pages/normative/index')
  assert.ok(next.querySelector('.page').dom.className.includes('large'))
})

test('searching inside a domain keeps to that domain until the resident lifts the filter', async () => {
  const {body: domains} = await h.api('/api/v1/mp/domains')
  const relief = domains.items.find(d => d.name === '社会救助')
  const page = await h.open(`/pages/domain/index?id=${relief.id}&name=${encodeURIComponent(relief.name)}`)
  page.querySelector('.search-input').dispatchEvent('input', {detail: {value: '救助'}})
  await h.sleep(0)
  await h.tap(page.querySelector('.search-btn'))
  const search = await h.follow()
  assert.equal(h.text(search, '.chip'), '仅在「社会救助」中搜索 ✕')
  const {body} = await h.api(`/api/v1/mp/search?q=${encodeURIComponent('救助')}&domain=${relief.id}`)
  assert.ok(body.items.length > 0)
  assert.ok(body.items.every(r => r.domain_ids.includes(relief.id)))
  assert.equal(search.querySelectorAll('.result').length, Math.min(body.total, PAGE_SIZE))
  assert.ok(h.state.requests.at(-1).url.includes(`domain=${relief.id}`))
  await h.tap(search.querySelector('.chip'))
  assert.equal(h.text(search, '.chip'), null)
  assert.ok(!h.state.requests.at(-1).url.includes('domain='))
})

test('a shared normative-query link with a bad date shows what is wrong next to the date', async () => {
  const page = await h.open('/pages/normative/index?from=2026-13-45')
  const {status, body} = await h.api('/api/v1/mp/documents?normative=1&from=2026-13-45')
  assert.equal(status, 422)
  assert.equal(h.text(page, '.error-from'), body.error.fields.from)
  assert.equal(h.state.toasts.at(-1).title, body.error.message)
  assert.equal(h.text(page, '.empty'), '查询失败，请检查条件后重试')
  // Correcting the date clears the message and lists documents again.
  page.instance.onClearDate({currentTarget: {dataset: {field: 'from'}}})
  await h.tap(page.querySelector('.submit'))
  assert.equal(h.text(page, '.error-from'), null)
  assert.ok(page.querySelectorAll('.document').length > 0)
})

test('a document forwarded to a WeChat chat opens the same document', async () => {
  const {body} = await h.api('/api/v1/mp/documents?normative=1&page_size=1')
  const doc = body.items[0]
  const page = await h.open(`/pages/document/index?id=${doc.id}`)
  const share = page.instance.onShareAppMessage()
  assert.deepEqual(share, {title: doc.title, path: `/pages/document/index?id=${doc.id}`})
  const opened = await h.open(share.path)
  assert.equal(h.text(opened, '.doc-title'), doc.title)
})
