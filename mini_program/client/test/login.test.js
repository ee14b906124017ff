// Logging in from the phone, and how the app talks to the server when things go wrong.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./harness')

const CJK = /[\u4e00-\u9fff]/

test.beforeEach(() => h.reset())

test('launching the app logs the resident in with a fresh wx.login code and keeps the token', async () => {
  await h.launch()
  const login = h.state.requests.find(r => r.url.endsWith('/api/v1/mp/login'))
  assert.ok(login, 'the app called POST /api/v1/mp/login')
  assert.equal(login.method, 'POST')
  assert.equal(login.status, 200)
  assert.ok(JSON.parse(login.body).code)
  const token = h.state.storage.get('govmatrix_token')
  assert.ok(token && token.length >= 16, 'the token is kept on the phone')
  assert.ok(h.state.storage.get('govmatrix_token_expires_at') > Date.now())
  assert.ok(h.state.storage.get('govmatrix_resident'), 'the resident profile is kept')
  assert.deepEqual(h.state.toasts, [], 'a successful login shows no message')
})

test('after login every request carries the bearer token', async () => {
  await h.launch()
  const token = h.state.storage.get('govmatrix_token')
  await h.open('/pages/index/index')
  const domains = h.state.requests.find(r => r.url.endsWith('/api/v1/mp/domains'))
  assert.equal(domains.headers.Authorization, 'Bearer ' + token)
})

test('a login code that was already used shows the Chinese login error and stores no token', async () => {
  const code = await h.mintCode()
  // The code is spent once (as a replayed request would), then WeChat's app hands it over again.
  const first = await h.api('/api/v1/mp/login', {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({code})})
  assert.equal(first.status, 200)
  h.state.loginCodes.push(code)
  await h.launch()
  const login = h.state.requests.find(r => r.url.endsWith('/api/v1/mp/login'))
  assert.equal(login.status, 401)
  assert.equal(h.state.storage.get('govmatrix_token'), undefined)
  assert.equal(h.state.toasts.length, 1, JSON.stringify(h.state.toasts))
  assert.match(h.state.toasts[0].title, CJK)
  assert.equal(h.state.toasts[0].icon, 'none')
})

test('a code WeChat never issued is refused with 40029 and a Chinese message', async () => {
  h.state.loginCodes.push('code-that-wechat-never-issued-0001')
  const {status, body} = await h.api('/api/v1/mp/login', {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({code: 'code-that-wechat-never-issued-0002'})})
  assert.equal(status, 401)
  assert.equal(body.error.code, 'wechat_code_invalid')
  assert.equal(body.error.errcode, 40029)
  await h.launch()
  assert.equal(h.state.toasts.length, 1)
  assert.equal(h.state.toasts[0].title, body.error.message.length > 40 ? body.error.message.slice(0, 39) + '…' : body.error.message)
  assert.match(h.state.toasts[0].title, CJK)
})

test('a stale token is replaced by logging in again once, and the page still loads', async () => {
  h.state.storage.set('govmatrix_token', 'stale-token-from-an-old-session-000000')
  h.state.storage.set('govmatrix_token_expires_at', Date.now() + 3600 * 1000)
  const request = require('../utils/request')
  const body = await request.get('/api/v1/mp/me')
  const logins = h.state.requests.filter(r => r.url.endsWith('/api/v1/mp/login'))
  assert.equal(logins.length, 1, 'exactly one new login')
  const fresh = h.state.storage.get('govmatrix_token')
  assert.notEqual(fresh, 'stale-token-from-an-old-session-000000')
  const me = h.state.requests.filter(r => r.url.endsWith('/api/v1/mp/me'))
  assert.deepEqual(me.map(r => r.status), [401, 200])
  assert.equal(me[1].headers.Authorization, 'Bearer ' + fresh)
  assert.ok(body)
  assert.deepEqual(h.state.toasts, [])
})

test('a missing page shows the server\'s Chinese message and a retry button', async () => {
  await h.launch()
  const page = await h.open('/pages/item/index?id=999999999')
  const {status, body} = await h.api('/api/v1/mp/items/999999999')
  assert.equal(status, 404)
  assert.equal(h.state.toasts.at(-1).title, body.error.message)
  assert.match(h.state.toasts.at(-1).title, CJK)
  assert.equal(h.text(page, '.retry'), '加载失败，点击重试')
})

test('when the server cannot be reached the resident is told to check the network', async () => {
  const config = require('../config')
  const net = require('node:net')
  // A port that was free a moment ago: connection refused, as with no network at all.
  const port = await new Promise(resolve => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const p = srv.address().port
      srv.close(() => resolve(p))
    })
  })
  config.baseUrl = 'http://127.0.0.1:' + port
  const page = await h.open('/pages/index/index')
  assert.equal(h.state.toasts.at(-1).title, '网络连接失败，请检查网络后重试')
  assert.equal(h.text(page, '.retry'), '点击重试')
})
