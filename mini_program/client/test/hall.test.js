// Scanning the hall's codes and joining an open day, as a resident does on the phone.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./harness')

// What WeChat does for these calls, kept on the phone's state so tests can read it.
Object.assign(global.wx, {
  redirectTo(options) {
    h.state.navigations.push(options.url)
    if (options.success) setTimeout(() => options.success({errMsg: 'redirectTo:ok'}), 0)
  },
  reLaunch(options) {
    h.state.navigations.push(options.url)
  },
  makePhoneCall(options) {
    h.state.navigations.push('tel:' + options.phoneNumber)
  },
  showModal(options) {
    setTimeout(() => options.success && options.success({confirm: true, cancel: false}), 0)
  },
})

let adminToken = null

async function admin(path, init = {}) {
  if (!adminToken) {
    const res = await fetch(h.SERVER + '/api/v1/admin/session', {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({username: 'admin', password: 'Mengcheng@2026'}),
    })
    adminToken = (await res.json()).token
  }
  const res = await fetch(h.SERVER + path, {
    ...init,
    headers: {'content-type': 'application/json', Authorization: 'Bearer ' + adminToken, ...(init.headers || {})},
  })
  return {status: res.status, body: await res.json()}
}

async function spot(target) {
  const {status, body} = await admin('/api/v1/admin/qr/spots', {
    method: 'POST',
    body: JSON.stringify({name: '客户端测试点', place: '一楼', target}),
  })
  assert.equal(status, 201)
  return body.spot
}

async function scansOf(code) {
  for (let i = 0; i < 50; i++) {
    const {body} = await admin('/api/v1/admin/qr/spots/' + code + '/scans')
    if (body.total > 0) return body
    await h.sleep(100)
  }
  throw new Error('the scan was never counted')
}

test.beforeEach(async () => {
  h.reset()
  await h.launch()
})

test('an ordinary-link QR opens the scan page with q, which counts it and opens the item', async () => {
  const s = await spot({page: 'pages/item/index', params: {id: 3}})
  await h.open('/pages/scan/index?q=' + encodeURIComponent(s.url) + '&scancode_time=1767225600')
  assert.equal(h.state.navigations.at(-1), '/pages/item/index?id=3')
  const figures = await scansOf(s.code)
  assert.deepEqual(figures.channels, {mp_q: 1})
  const item = await h.follow()
  assert.ok(h.text(item, '.item-title'))
})

test('a mini-program code opens the scan page with scene = the spot code', async () => {
  const s = await spot({page: 'pages/search/index', params: {q: '低保'}})
  await h.open('/pages/scan/index?scene=' + s.code)
  assert.equal(h.state.navigations.at(-1), '/pages/search/index?q=%E4%BD%8E%E4%BF%9D')
  assert.deepEqual((await scansOf(s.code)).channels, {mp_scene: 1})
})

test('an unknown or disabled code says so and offers the help desk', async () => {
  const page = await h.open('/pages/scan/index?scene=NOSUCH')
  assert.match(h.text(page, '.scan-message'), /停用或不存在/)
  assert.equal(h.text(page, '.phone'), '0558-7651234')
  await h.tap(page.querySelector('.help-desk'))
  assert.equal(h.state.navigations.at(-1), 'tel:0558-7651234')
})

test('the ask page offers asking online, the Q&A, the help desk and the hotline', async () => {
  const page = await h.open('/pages/ask/index')
  assert.match(h.text(page, '.ask-text'), /12345/)
  assert.equal(h.text(page, '.desk-phone'), '0558-7651234')
  await h.tap(page.querySelector('.consult-entry'))
  assert.equal(h.state.navigations.at(-1), '/pages/consult/index')
  await h.tap(page.querySelector('.qa-entry'))
  assert.equal(h.state.navigations.at(-1), '/pages/qa/index')
})

function inDays(days, hour) {
  const d = new Date(Date.now() + days * 86400000)
  const day = d.toISOString().slice(0, 10)
  return day + 'T' + String(hour).padStart(2, '0') + ':00:00+08:00'
}

test('a resident finds an open day, registers, sees the ticket in 我的报名 and cancels', async () => {
  const title = '客户端测试开放日 ' + Date.now()
  const created = await admin('/api/v1/admin/open-days', {
    method: 'POST',
    body: JSON.stringify({
      title, department: 'wlj', starts_at: inDays(5, 9), place: '县文化馆', capacity: 30,
      registration_opens: inDays(-1, 9), registration_closes: inDays(4, 18), description: '参观文化馆。',
    }),
  })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  const home = await h.open('/pages/index/index')
  await h.tap(home.querySelector('.open-days-entry'))
  const list = await h.follow()
  const titles = h.texts(list, '.event-title')
  assert.ok(titles.includes('走进县教育局：义务教育招生政策开放日'), titles.join('、'))
  const index = titles.indexOf(title)
  assert.ok(index >= 0, titles.join('、'))
  await h.tap(list.querySelectorAll('.event')[index])
  const detail = await h.follow()
  assert.equal(h.text(detail, '.event-title'), title)
  assert.equal(h.text(detail, '.event-places'), '30 人，剩余 30 人')

  // A wrong phone number is named next to its field.
  detail.instance.onNameInput({detail: {value: '王芳'}})
  detail.instance.onPhoneInput({detail: {value: '12345'}})
  await h.tap(detail.querySelector('.submit'))
  assert.equal(h.text(detail, '.error-phone'), '请填写 11 位手机号')

  detail.instance.onPhoneInput({detail: {value: '13905581234'}})
  detail.instance.onCompanionsChange({detail: {value: '1'}})
  await h.tap(detail.querySelector('.submit'))
  assert.equal(h.text(detail, '.mine-status'), '已报名')
  // In the same tap WeChat asked for the two notices: promoted from the waitlist, the day before.
  const {body: templates} = await h.api('/api/v1/mp/subscribe-templates')
  assert.deepEqual(h.state.subscribeRequests.at(-1).tmplIds, [
    templates.by_purpose.open_day_result,
    templates.by_purpose.open_day_reminder,
  ])
  assert.match(h.text(detail, '.result'), /报名成功/)

  await h.tap(detail.querySelector('.mine-link'))
  const mine = await h.follow()
  const card = mine.querySelector('.registration')
  assert.ok(card)
  assert.match(h.text(mine, '.reg-status'), /已报名（随行 1 人）/)
  assert.match(h.text(mine, '.ticket-code'), /^OD-\d+-[0-9A-Z]{8}-[0-9A-Z]{8}$/)
  assert.match(mine.querySelector('.ticket-qr').dom.getAttribute('src') || mine.instance.data.items[0].ticketQr, /^data:image\/png;base64,/)

  await h.tap(mine.querySelector('.cancel'))
  assert.equal(mine.instance.data.items[0].status, 'cancelled')
  assert.equal(h.text(mine, '.reg-status'), '已取消')
  assert.ok(!mine.querySelector('.ticket'))
})

test('an open day whose registration has not opened shows when it opens, with no form', async () => {
  const list = await h.open('/pages/open-days/index')
  const titles = h.texts(list, '.event-title')
  const index = titles.indexOf('城市供水厂开放日：一滴水的旅程')
  assert.ok(index >= 0)
  await h.tap(list.querySelectorAll('.event')[index])
  const detail = await h.follow()
  assert.equal(h.text(detail, '.event-state'), '报名未开始')
  assert.ok(!detail.querySelector('.submit'))
  assert.equal(h.text(detail, '.closed-note'), '报名未开始')
})
