// The one way pages talk to the server: wx.request with the resident's token, one re-login
// on 401 (the session expired or was revoked), and errors shown as a Chinese toast taken from
// the server's {"error": {"code", "message", "fields"}}.
const config = require('../config')
const auth = require('./auth')
const errors = require('./errors')

// Query strings are built here rather than by wx.request so that empty filters are left out
// and every value is encoded the same way on every client version.
function buildQuery(params) {
  if (!params) return ''
  const parts = []
  Object.keys(params).forEach(key => {
    const value = params[key]
    if (value === undefined || value === null || value === '') return
    parts.push(encodeURIComponent(key) + '=' + encodeURIComponent(String(value)))
  })
  return parts.length ? '?' + parts.join('&') : ''
}

function send({path, method, query, data, token}) {
  const header = {'content-type': 'application/json'}
  if (token) header.Authorization = 'Bearer ' + token
  return new Promise((resolve, reject) => {
    const options = {
      url: config.baseUrl + path + buildQuery(query),
      method,
      header,
      dataType: 'json',
      timeout: 15000,
      success: res => resolve(res),
      fail: res => reject(errors.networkError(res)),
    }
    if (data !== undefined) options.data = data
    wx.request(options)
  })
}

/**
 * request({path, method = 'GET', query, data, silent = false}) → Promise of the response body.
 * Rejects with an ApiError (status, code, message, fields, errcode); unless `silent`, the
 * error has already been shown to the resident.
 */
function request({path, method = 'GET', query, data, silent = false}) {
  const attempt = (token, retried) =>
    send({path, method, query, data, token}).then(res => {
      if (res.statusCode >= 200 && res.statusCode < 300) return res.data
      if (res.statusCode === 401 && !retried) {
        auth.clearSession()
        return auth.login({silent: true}).then(session => attempt(session.token, true))
      }
      throw errors.fromResponse(res)
    })

  return Promise.resolve(auth.getToken())
    .then(token => attempt(token, false))
    .catch(err => {
      if (!silent) errors.showError(err)
      throw err
    })
}

const get = (path, query, options = {}) => request({...options, path, query, method: 'GET'})
const post = (path, data, options = {}) => request({...options, path, data, method: 'POST'})

module.exports = {request, get, post, buildQuery}
