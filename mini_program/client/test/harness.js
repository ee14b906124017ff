// The mini-program's world under Node: a DOM for miniprogram-simulate, the App/getApp
// globals, and a `wx` whose network and login are real. wx.request performs real HTTP to the
// govmatrix server (GOVMATRIX_URL) with WeChat's semantics (success for every HTTP status,
// fail only when the network fails); wx.login mints a real one-time code from the WeChat
// sandbox (GOVMATRIX_SANDBOX_URL), exactly as WeChat hands the app a code. Storage, toasts and
// navigation are the phone's own state, kept here so tests can read what the resident sees.
'use strict'

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const crypto = require('node:crypto')
const {JSDOM} = require('jsdom')

const ROOT = path.resolve(__dirname, '..')
const SERVER = (process.env.GOVMATRIX_URL || '').replace(/\/$/, '')
const SANDBOX = (process.env.GOVMATRIX_SANDBOX_URL || '').replace(/\/$/, '')
if (!SERVER || !SANDBOX) {
  throw new Error('set GOVMATRIX_URL and GOVMATRIX_SANDBOX_URL (tests/mini_program/client/test_client.py does)')
}
const APPID = JSON.parse(fs.readFileSync(path.join(ROOT, 'project.config.json'), 'utf8')).appid

// --- a DOM for the simulated render tree ---------------------------------------------------
const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>')
global.window = dom.window
global.document = dom.window.document
for (const name of ['Element', 'HTMLElement', 'Node', 'Event', 'CustomEvent', 'MouseEvent', 'TouchEvent', 'getComputedStyle']) {
  if (dom.window[name] !== undefined) global[name] = dom.window[name]
}

const simulate = require('miniprogram-simulate')

// --- App() / getApp() ----------------------------------------------------------------------
let appInstance = null
global.App = options => {
  appInstance = options
}
global.getApp = () => appInstance
global.getCurrentPages = () => state.stack.map(p => p.instance)

// --- the phone's state ---------------------------------------------------------------------
const state = {
  storage: new Map(),
  toasts: [],
  navigations: [],
  titles: [],
  requests: [],
  inflight: 0,
  openid: '',
  loginCodes: [],
  stack: [],
  downloads: [],
  openedDocuments: [],
  // wx.requestSubscribeMessage: what the resident taps in WeChat's sheet, per template id
  // ('accept' when unset), and every sheet WeChat showed.
  subscribeChoice: {},
  subscribeRequests: [],
  // True only while a tap's handler runs: WeChat opens the subscribe sheet only then.
  gesture: false,
}

function reset() {
  state.storage.clear()
  state.toasts.length = 0
  state.navigations.length = 0
  state.titles.length = 0
  state.requests.length = 0
  state.loginCodes.length = 0
  state.stack.length = 0
  state.downloads.length = 0
  state.openedDocuments.length = 0
  state.subscribeChoice = {}
  state.subscribeRequests.length = 0
  state.gesture = false
  state.openid = 'resident-' + crypto.randomBytes(8).toString('hex')
  appInstance = null
  const config = require(path.join(ROOT, 'config.js'))
  config.baseUrl = SERVER
}

function later(fn) {
  setTimeout(fn, 0)
}

function queryString(data) {
  return Object.keys(data)
    .map(k => encodeURIComponent(k) + '=' + encodeURIComponent(data[k] === null || data[k] === undefined ? '' : String(data[k])))
    .join('&')
}

// wx.request: a real HTTP exchange, shaped as WeChat's success/fail callbacks.
function request(options) {
  const method = String(options.method || 'GET').toUpperCase()
  let url = options.url
  const headers = {}
  Object.keys(options.header || {}).forEach(k => {
    headers[k] = options.header[k]
  })
  let body
  if (options.data !== undefined && options.data !== null) {
    if (method === 'GET') {
      if (typeof options.data === 'object') {
        const qs = queryString(options.data)
        if (qs) url += (url.includes('?') ? '&' : '?') + qs
      }
    } else if (typeof options.data === 'string' || options.data instanceof ArrayBuffer) {
      body = options.data
    } else {
      body = JSON.stringify(options.data)
      if (!Object.keys(headers).some(k => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json'
    }
  }
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), options.timeout || 60000)
  const record = {method, url, headers, body}
  state.requests.push(record)
  state.inflight += 1
  const finish = () => {
    clearTimeout(timer)
    state.inflight -= 1
  }
  fetch(url, {method, headers, body, signal: controller.signal})
    .then(async res => {
      const text = await res.text()
      let data = text
      if ((options.dataType || 'json') === 'json') {
        try {
          data = JSON.parse(text)
        } catch (e) {
          data = text
        }
      }
      const header = {}
      res.headers.forEach((v, k) => {
        header[k] = v
      })
      record.status = res.status
      const result = {data, statusCode: res.status, header, cookies: [], errMsg: 'request:ok'}
      finish()
      if (options.success) options.success(result)
      if (options.complete) options.complete(result)
    })
    .catch(err => {
      record.status = 0
      const result = {errMsg: 'request:fail ' + (err && err.message), errno: 600001}
      finish()
      if (options.fail) options.fail(result)
      if (options.complete) options.complete(result)
    })
  return {abort: () => controller.abort(), onHeadersReceived() {}, offHeadersReceived() {}}
}

// wx.downloadFile: a real HTTP GET saved to a temporary file. Like WeChat, success for every
// HTTP status (the page must check statusCode), fail only when the network fails.
const DOWNLOAD_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'govmatrix-mp-'))

function downloadFile(options) {
  const record = {url: options.url}
  state.downloads.push(record)
  state.inflight += 1
  fetch(options.url)
    .then(async res => {
      const bytes = Buffer.from(await res.arrayBuffer())
      const tempFilePath = path.join(DOWNLOAD_DIR, 'tmp_' + crypto.randomBytes(6).toString('hex') + path.extname(new URL(options.url).pathname))
      fs.writeFileSync(tempFilePath, bytes)
      Object.assign(record, {statusCode: res.status, tempFilePath, size: bytes.length})
      state.inflight -= 1
      const result = {tempFilePath, statusCode: res.status, errMsg: 'downloadFile:ok'}
      if (options.success) options.success(result)
      if (options.complete) options.complete(result)
    })
    .catch(err => {
      record.statusCode = 0
      state.inflight -= 1
      const result = {errMsg: 'downloadFile:fail ' + (err && err.message)}
      if (options.fail) options.fail(result)
      if (options.complete) options.complete(result)
    })
  return {abort() {}, onProgressUpdate() {}, offProgressUpdate() {}}
}

// wx.openDocument: the phone opens what it can read (doc/docx/xls/xlsx/ppt/pptx/pdf).
const DOCUMENT_TYPES = ['doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'pdf']

function openDocument(options) {
  const type = options.fileType || path.extname(options.filePath).slice(1).toLowerCase()
  const ok = fs.existsSync(options.filePath) && DOCUMENT_TYPES.includes(type)
  if (ok) state.openedDocuments.push({filePath: options.filePath, fileType: type})
  callback(ok ? options : {success: options.fail, complete: options.complete}, {errMsg: ok ? 'openDocument:ok' : 'openDocument:fail filetype not supported'})
}

// wx.previewImage: pictures open in WeChat's image viewer, not openDocument.
function previewImage(options) {
  state.openedDocuments.push({filePath: options.current || options.urls[0], fileType: 'image'})
  callback(options, {errMsg: 'previewImage:ok'})
}

// wx.login: WeChat gives the app a fresh one-time code for the signed-in WeChat user. Codes a
// test queued (real codes, e.g. one already spent) are handed out first.
function login(options = {}) {
  state.inflight += 1
  const queued = state.loginCodes.shift()
  const minted = queued
    ? Promise.resolve(queued)
    : fetch(SANDBOX + '/sandbox/wx-login', {
        method: 'POST',
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({openid: state.openid, appid: APPID}),
      }).then(async res => {
        const body = await res.json()
        if (!res.ok || !body.code) throw new Error('sandbox wx-login answered ' + res.status + ' ' + JSON.stringify(body))
        return body.code
      })
  minted
    .then(code => {
      state.inflight -= 1
      const res = {code, errMsg: 'login:ok'}
      if (options.success) options.success(res)
      if (options.complete) options.complete(res)
    })
    .catch(err => {
      state.inflight -= 1
      const res = {errMsg: 'login:fail ' + err.message}
      if (options.fail) options.fail(res)
      if (options.complete) options.complete(res)
    })
}

// Mint a code for this resident without handing it to the app (to spend it elsewhere first).
async function mintCode() {
  const res = await fetch(SANDBOX + '/sandbox/wx-login', {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({openid: state.openid, appid: APPID}),
  })
  const body = await res.json()
  return body.code
}

// wx.requestSubscribeMessage as WeChat runs it: only from a tap (not after an await in the
// handler), at most three templates; the resident answers each template in the sheet, and an
// "accept" is recorded by WeChat itself (here: the sandbox grants one message).
function requestSubscribeMessage(options = {}) {
  const tmplIds = options.tmplIds || []
  const fail = (errMsg, errCode) => later(() => {
    const res = {errMsg: 'requestSubscribeMessage:fail ' + errMsg, errCode}
    if (options.fail) options.fail(res)
    if (options.complete) options.complete(res)
  })
  if (!state.gesture) return fail('can only be invoked by user TAP gesture.', 10005)
  if (!tmplIds.length) return fail("TmplIds can't be empty", 10001)
  if (tmplIds.length > 3) return fail('Templates count out of max bounds', 20003)
  state.subscribeRequests.push({tmplIds: [...tmplIds]})
  const result = {errMsg: 'requestSubscribeMessage:ok'}
  tmplIds.forEach(id => {
    result[id] = state.subscribeChoice[id] || 'accept'
  })
  state.inflight += 1
  const accepted = tmplIds.filter(id => result[id] === 'accept')
  Promise.all(
    accepted.map(id =>
      fetch(SANDBOX + '/sandbox/subscribe-grant', {
        method: 'POST',
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({appid: APPID, openid: state.openid, template_id: id}),
      }),
    ),
  ).then(() => {
    state.inflight -= 1
    if (options.success) options.success(result)
    if (options.complete) options.complete(result)
  })
}

function callback(options, res) {
  later(() => {
    if (options && options.success) options.success(res)
    if (options && options.complete) options.complete(res)
  })
}

Object.assign(global.wx, {
  request,
  login,
  requestSubscribeMessage,
  downloadFile,
  openDocument,
  previewImage,
  setStorageSync(key, value) {
    state.storage.set(key, JSON.parse(JSON.stringify(value === undefined ? '' : value)))
  },
  getStorageSync(key) {
    return state.storage.has(key) ? state.storage.get(key) : ''
  },
  removeStorageSync(key) {
    state.storage.delete(key)
  },
  clearStorageSync() {
    state.storage.clear()
  },
  showToast(options) {
    state.toasts.push({title: options.title, icon: options.icon || 'success'})
    callback(options, {errMsg: 'showToast:ok'})
  },
  showLoading(options) {
    callback(options, {errMsg: 'showLoading:ok'})
  },
  hideLoading(options) {
    callback(options, {errMsg: 'hideLoading:ok'})
  },
  setNavigationBarTitle(options) {
    state.titles.push(options.title)
    callback(options, {errMsg: 'setNavigationBarTitle:ok'})
  },
  stopPullDownRefresh(options) {
    callback(options, {errMsg: 'stopPullDownRefresh:ok'})
  },
  navigateTo(options) {
    state.navigations.push(options.url)
    callback(options, {errMsg: 'navigateTo:ok'})
  },
})

// --- pages ---------------------------------------------------------------------------------
function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms))
}

// Wait until no request or login is on its way and the callbacks after it have run.
async function idle() {
  let quiet = 0
  const deadline = Date.now() + 20000
  while (quiet < 3) {
    if (Date.now() > deadline) throw new Error('the page kept waiting for the network for 20 s')
    await sleep(state.inflight > 0 ? 5 : 0)
    quiet = state.inflight === 0 ? quiet + 1 : 0
  }
}

function parseUrl(url) {
  const [pagePath, qs] = url.split('?')
  const query = {}
  if (qs) {
    qs.split('&').forEach(pair => {
      const [k, v = ''] = pair.split('=')
      // WeChat hands the page its query values still URL-encoded, as written in the url.
      query[k] = v
    })
  }
  return {pagePath: pagePath.replace(/^\//, ''), query}
}

// Launch the app as WeChat does: run app.js, then onLaunch.
async function launch() {
  const file = path.join(ROOT, 'app.js')
  delete require.cache[require.resolve(file)]
  require(file)
  if (!appInstance) throw new Error('app.js did not call App()')
  appInstance.onLaunch.call(appInstance, {path: 'pages/index/index', query: {}, scene: 1001})
  await idle()
  return appInstance
}

const loaded = {}

// Open a page by its url ("/pages/domain/index?id=3"): load, attach, onLoad(query), show.
async function open(url) {
  const {pagePath, query} = parseUrl(url)
  const file = path.join(ROOT, pagePath)
  if (!loaded[file]) loaded[file] = simulate.load(file, {rootPath: ROOT})
  const page = simulate.render(loaded[file])
  page.attach(document.createElement('parent-wrapper'))
  state.stack.push(page)
  const json = JSON.parse(fs.readFileSync(file + '.json', 'utf8'))
  if (json.navigationBarTitleText) state.titles.push(json.navigationBarTitleText)
  page.instance.onLoad(query)
  page.triggerPageLifeTime('show')
  await idle()
  return page
}

// Follow the last wx.navigateTo, as the resident's tap would.
async function follow() {
  const url = state.navigations[state.navigations.length - 1]
  if (!url) throw new Error('nothing was navigated to')
  return open(url)
}

async function tap(element) {
  if (!element) throw new Error('nothing to tap')
  // j-component runs the handler in the next microtask; WeChat's "user gesture" lasts for the
  // handler's synchronous part only (not past an await in it), and so does this flag.
  state.gesture = true
  try {
    element.dispatchEvent('tap')
    await Promise.resolve()
  } finally {
    state.gesture = false
  }
  await sleep(0)
  await idle()
}

function texts(page, selector) {
  return page.querySelectorAll(selector).map(el => el.dom.textContent.trim())
}

function text(page, selector) {
  const el = page.querySelector(selector)
  return el ? el.dom.textContent.trim() : null
}

// Direct API reads, to compare what the page shows with what the server says.
async function api(pathAndQuery, init) {
  const res = await fetch(SERVER + pathAndQuery, init)
  return {status: res.status, body: await res.json()}
}

module.exports = {ROOT, SERVER, SANDBOX, APPID, simulate, state, reset, launch, open, follow, tap, idle, texts, text, api, mintCode, sleep}
