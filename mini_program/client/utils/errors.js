// Turning server answers into what a resident reads. The server always answers errors as
// {"error": {"code", "message", "fields"}}; its message is already Chinese and written for
// people, so it is shown as is. The fallbacks cover answers that never reached our server
// (a proxy's HTML page, a dropped connection).

const FALLBACK_BY_STATUS = {
  400: '请求有误，请检查后重试',
  401: '登录已失效，请重新打开小程序',
  403: '没有权限查看此内容',
  404: '内容不存在或已撤下',
  409: '内容已变化，请刷新后重试',
  413: '提交的内容太大',
  422: '填写的内容有误，请检查后重试',
  429: '操作太频繁，请稍后再试',
}
const NETWORK_MESSAGE = '网络连接失败，请检查网络后重试'
const SERVER_MESSAGE = '服务暂时不可用，请稍后再试'
const LOGIN_MESSAGE = '登录失败，请稍后重试'

class ApiError extends Error {
  constructor({status = 0, code = 'network_error', message = NETWORK_MESSAGE, fields = {}, errcode} = {}) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.fields = fields || {}
    if (errcode !== undefined) this.errcode = errcode
  }
}

// Build an ApiError from a wx.request success callback whose status is not 2xx.
function fromResponse(res) {
  const status = res.statusCode
  const body = res.data && typeof res.data === 'object' ? res.data : null
  const err = body && body.error && typeof body.error === 'object' ? body.error : null
  const fallback = FALLBACK_BY_STATUS[status] || (status >= 500 ? SERVER_MESSAGE : '请求失败，请稍后再试')
  return new ApiError({
    status,
    code: (err && typeof err.code === 'string' && err.code) || 'http_' + status,
    message: (err && typeof err.message === 'string' && err.message) || fallback,
    fields: (err && err.fields) || {},
    errcode: err ? err.errcode : undefined,
  })
}

function networkError(res) {
  const e = new ApiError({status: 0, code: 'network_error', message: NETWORK_MESSAGE})
  e.detail = res && res.errMsg
  return e
}

// Toasts hold two lines in icon "none" mode; keep them short enough to read at a glance.
function showError(err) {
  const message = (err && err.message) || SERVER_MESSAGE
  wx.showToast({title: message.length > 40 ? message.slice(0, 39) + '…' : message, icon: 'none', duration: 2500})
}

module.exports = {ApiError, fromResponse, networkError, showError, NETWORK_MESSAGE, LOGIN_MESSAGE}
