// Resident login: wx.login() gives a one-time code, the server trades it with WeChat
// (jscode2session) for the resident's session token, which lives in local storage.
// One login at a time: pages that start loading while the app is still logging in wait for
// the same attempt instead of each burning a code of their own.
const config = require('../config')
const errors = require('./errors')

const TOKEN_KEY = 'govmatrix_token'
const EXPIRES_KEY = 'govmatrix_token_expires_at'
const RESIDENT_KEY = 'govmatrix_resident'
// Renew a little early so a token never expires between check and use.
const EXPIRY_MARGIN_MS = 60 * 1000

let pending = null

function getToken() {
  const token = wx.getStorageSync(TOKEN_KEY)
  const expiresAt = Number(wx.getStorageSync(EXPIRES_KEY) || 0)
  if (!token) return ''
  if (expiresAt && Date.now() > expiresAt - EXPIRY_MARGIN_MS) return ''
  return token
}

function getResident() {
  return wx.getStorageSync(RESIDENT_KEY) || null
}

function clearSession() {
  wx.removeStorageSync(TOKEN_KEY)
  wx.removeStorageSync(EXPIRES_KEY)
  wx.removeStorageSync(RESIDENT_KEY)
}

function wxLogin() {
  return new Promise((resolve, reject) => {
    wx.login({
      timeout: 10000,
      success: res => (res && res.code ? resolve(res.code) : reject(new errors.ApiError({code: 'wx_login_failed', message: errors.LOGIN_MESSAGE}))),
      fail: () => reject(new errors.ApiError({code: 'wx_login_failed', message: errors.LOGIN_MESSAGE})),
    })
  })
}

function exchange(code) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: config.baseUrl + '/api/v1/mp/login',
      method: 'POST',
      data: {code},
      header: {'content-type': 'application/json'},
      success: res => {
        if (res.statusCode >= 200 && res.statusCode < 300 && res.data && res.data.token) resolve(res.data)
        else reject(errors.fromResponse(res))
      },
      fail: res => reject(errors.networkError(res)),
    })
  })
}

function store(session) {
  wx.setStorageSync(TOKEN_KEY, session.token)
  wx.setStorageSync(EXPIRES_KEY, Date.now() + Number(session.expires_in || 0) * 1000)
  wx.setStorageSync(RESIDENT_KEY, session.resident || null)
}

// Log in now (even if a token is stored). Shows the failure to the resident unless silent.
function login({silent = false} = {}) {
  if (!pending) {
    pending = wxLogin()
      .then(exchange)
      .then(session => {
        store(session)
        return session
      })
      .finally(() => {
        pending = null
      })
  }
  return pending.catch(err => {
    if (!silent) errors.showError(err)
    throw err
  })
}

// A valid token, logging in first when there is none.
function ensureToken(options) {
  const token = getToken()
  if (token) return Promise.resolve(token)
  return login(options).then(session => session.token)
}

module.exports = {login, ensureToken, getToken, getResident, clearSession, TOKEN_KEY}
