// The consultation and opinion-call APIs (我要咨询, 我的咨询, 常见问答, 意见征集), one function
// per endpoint. Photos go up one at a time with wx.uploadFile (multipart field "file"), which
// answers an id the question then lists.
const config = require('../config')
const auth = require('./auth')
const errors = require('./errors')
const http = require('./request')

const API = '/api/v1/mp'
const MAX_PHOTO_BYTES = 5 * 1024 * 1024

function options() {
  return http.get(API + '/consultation-options')
}

function submit(body) {
  return http.post(API + '/consultations', body)
}

function mine(page) {
  return http.get(API + '/consultations', {page, per_page: config.pageSize})
}

function get(id) {
  return http.get(API + '/consultations/' + encodeURIComponent(id)).then(body => body.consultation)
}

function rate(id, rating, comment) {
  return http
    .post(API + '/consultations/' + encodeURIComponent(id) + '/rating', {rating, comment})
    .then(body => body.consultation)
}

function qa(domain, q, page) {
  return http.get(API + '/qa', {domain, q, page, per_page: config.pageSize})
}

function qaDetail(id) {
  return http.get(API + '/qa/' + encodeURIComponent(id)).then(body => body.qa)
}

function calls(state, page) {
  return http.get(API + '/opinion-calls', {state, page, per_page: config.pageSize})
}

function call(id) {
  return http.get(API + '/opinion-calls/' + encodeURIComponent(id)).then(body => body.call)
}

function callComments(id, page) {
  return http.get(API + '/opinion-calls/' + encodeURIComponent(id) + '/comments', {page, per_page: config.pageSize})
}

function myComments(id) {
  return http.get(API + '/opinion-calls/' + encodeURIComponent(id) + '/my-comments', undefined, {silent: true})
}

function comment(id, text, clientKey) {
  return http.post(API + '/opinion-calls/' + encodeURIComponent(id) + '/comments', {text, client_key: clientKey})
}

// A key the server uses to make a double tap or a retry one submission.
function clientKey() {
  return 'mp-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 10)
}

function uploadOnce(filePath, token) {
  return new Promise((resolve, reject) => {
    wx.uploadFile({
      url: config.baseUrl + API + '/consultations/photos',
      filePath,
      name: 'file',
      header: token ? {Authorization: 'Bearer ' + token} : {},
      timeout: 60000,
      success: res => {
        let data = res.data
        try {
          data = typeof data === 'string' ? JSON.parse(data) : data
        } catch (e) {
          data = null
        }
        resolve({statusCode: res.statusCode, data})
      },
      fail: res => reject(errors.networkError(res)),
    })
  })
}

// Upload one chosen photo; resolves to its id. Photos over 5 MB are refused before sending.
function uploadPhoto(file) {
  if (file.size && file.size > MAX_PHOTO_BYTES) {
    return Promise.reject(new errors.ApiError({status: 413, code: 'photo_too_large', message: '照片不能超过 5 MB'}))
  }
  const attempt = (token, retried) =>
    uploadOnce(file.tempFilePath, token).then(res => {
      if (res.statusCode === 201 && res.data && res.data.id) return res.data.id
      if (res.statusCode === 401 && !retried) {
        auth.clearSession()
        return auth.login({silent: true}).then(session => attempt(session.token, true))
      }
      throw errors.fromResponse(res)
    })
  return auth.ensureToken({silent: true}).then(token => attempt(token, false))
}

module.exports = {
  options,
  submit,
  mine,
  get,
  rate,
  qa,
  qaDetail,
  calls,
  call,
  callComments,
  myComments,
  comment,
  clientKey,
  uploadPhoto,
  MAX_PHOTO_BYTES,
}
