// 关注领域 and the subscribe-message helper: following domains, and WeChat's permission to
// notify the resident, asked at the moment they save what they follow.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./harness')

test.beforeEach(async () => {
  h.reset()
  await h.launch()
})

function bearer() {
  return {Authorization: 'Bearer ' + h.state.storage.get('govmatrix_token')}
}

async function articleTemplate() {
  const {body} = await h.api('/api/v1/mp/subscribe-templates')
  return body.by_purpose.article_published
}

async function wechatGrants(templateId) {
  const q = new URLSearchParams({appid: h.APPID, openid: h.state.openid, template_id: templateId})
  const res = await fetch(h.SANDBOX + '/sandbox/subscribe-grants?' + q)
  return (await res.json()).grants
}

async function toggle(page, index) {
  const sw = page.querySelectorAll('.follow-switch')[index]
  const on = !page.instance.data.domains[index].on
  sw.dispatchEvent('change', {detail: {value: on}})
  await h.idle()
}

test('the home page leads to 关注领域, which lists the 28 domains with a switch each', async () => {
  const home = await h.open('/pages/index/index')
  await h.tap(home.querySelector('.follows-entry'))
  assert.equal(h.state.navigations.at(-1), '/pages/follows/index')
  const page = await h.follow()
  assert.equal(h.state.titles.at(-1), '关注领域')
  assert.equal(page.querySelectorAll('.follow-switch').length, 28)
  assert.equal(h.text(page, '.followed-count'), '0')
  assert.equal(h.text(page, '.left'), '还可接收 0 条通知')
})

test('saving follows asks WeChat for one notification in the same tap and records the grant', async () => {
  const template = await articleTemplate()
  const page = await h.open('/pages/follows/index')
  await toggle(page, 0)
  await toggle(page, 3)
  const chosen = [0, 3].map(i => page.instance.data.domains[i].id).sort((a, b) => a - b)
  assert.equal(h.text(page, '.followed-count'), '2')

  await h.tap(page.querySelector('.save'))
  assert.deepEqual(h.state.subscribeRequests, [{tmplIds: [template]}])
  const put = h.state.requests.find(r => r.method === 'PUT' && r.url.endsWith('/api/v1/mp/follows'))
  assert.deepEqual(JSON.parse(put.body), {domain_ids: chosen})
  const post = h.state.requests.find(r => r.method === 'POST' && r.url.endsWith('/api/v1/mp/subscribe-grants'))
  assert.equal(post.status, 201)
  assert.equal(JSON.parse(post.body)[template], 'accept')

  const {body: follows} = await h.api('/api/v1/mp/follows', {headers: bearer()})
  assert.deepEqual(follows.domain_ids, chosen)
  const {body: mine} = await h.api('/api/v1/mp/subscribe-grants', {headers: bearer()})
  assert.equal(mine.grants.article_published, 1)
  assert.equal(await wechatGrants(template), 1, 'WeChat holds the same one grant')
  assert.match(h.text(page, '.notice'), /有新政策发布时将通过微信通知您/)
  assert.equal(h.text(page, '.left'), '还可接收 1 条通知')

  // Opening the page again shows what was saved.
  const again = await h.open('/pages/follows/index')
  assert.deepEqual(again.instance.data.domains.filter(d => d.on).map(d => d.id).sort((a, b) => a - b), chosen)
})

test('a resident who declines in WeChat\'s sheet is told how to allow later, and nothing is granted', async () => {
  const template = await articleTemplate()
  h.state.subscribeChoice[template] = 'reject'
  const page = await h.open('/pages/follows/index')
  await toggle(page, 1)
  await h.tap(page.querySelector('.save'))
  const {body: mine} = await h.api('/api/v1/mp/subscribe-grants', {headers: bearer()})
  assert.equal(mine.grants.article_published, 0)
  assert.match(h.text(page, '.notice'), /未允许微信通知/)
  // "接收提醒" asks again; this time the resident allows it.
  h.state.subscribeChoice[template] = 'accept'
  await h.tap(page.querySelector('.more'))
  assert.equal(h.state.subscribeRequests.length, 2)
  assert.equal(h.text(page, '.left'), '还可接收 1 条通知')
})

test('unfollowing everything saves without asking for a notification', async () => {
  const page = await h.open('/pages/follows/index')
  await h.tap(page.querySelector('.save'))
  assert.equal(h.state.subscribeRequests.length, 0)
  const {body: follows} = await h.api('/api/v1/mp/follows', {headers: bearer()})
  assert.deepEqual(follows.domain_ids, [])
  assert.equal(h.text(page, '.notice'), '已取消全部关注')
})

test('the helper other pages use asks only from a tap, as WeChat allows', async () => {
  const subscribe = require('../utils/subscribe')
  const templates = await subscribe.prepare()
  assert.ok(templates.consultation_answered && templates.open_day_result)
  // Called outside a tap (e.g. after an await), WeChat refuses to show the sheet.
  const late = await subscribe.ask(['consultation_answered'])
  assert.equal(late.asked, false)
  assert.match(late.error.errMsg, /TAP gesture/)
  // Inside a tap it asks for up to three purposes at once and reports the answers.
  let answer = null
  h.state.gesture = true
  const asking = subscribe.ask(['consultation_answered', 'open_day_result', 'open_day_reminder', 'application_status'])
  h.state.gesture = false
  answer = await asking
  await h.idle()
  assert.equal(h.state.subscribeRequests[0].tmplIds.length, 3)
  assert.deepEqual(answer.accepted.sort(), ['consultation_answered', 'open_day_reminder', 'open_day_result'])
  assert.equal(answer.grants.consultation_answered, 1)
})
