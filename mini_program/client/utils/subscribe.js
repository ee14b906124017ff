// Residents' one-time subscribe grants (订阅消息): ask WeChat from a tap, tell the server.
//
// WeChat shows its sheet only from a tap handler, and not after an await in it, so the template
// ids are fetched beforehand (prepare(), when the page loads) and ask() calls
// wx.requestSubscribeMessage straight away. Each "允许" lets the county send one message.
//
//   onLoad() { subscribe.prepare() }
//   onAskTap() { subscribe.ask(['consultation_answered']).then(r => ...) }   // r.accepted
//
// Purposes: article_published, consultation_answered, open_day_result, open_day_reminder,
// application_status (GET /api/v1/mp/subscribe-templates).
const http = require('./request')

const API = '/api/v1/mp'
// WeChat takes at most three templates per request.
const MAX_TEMPLATES = 3

let templates = null
let loading = null

// Fetch purpose → template id once per app run; resolves to that map ({} when unreachable).
function prepare() {
  if (templates) return Promise.resolve(templates)
  if (!loading) {
    loading = http
      .get(API + '/subscribe-templates', undefined, {silent: true})
      .then(body => {
        templates = body.by_purpose || {}
        return templates
      })
      .catch(() => ({}))
      .finally(() => {
        loading = null
      })
  }
  return loading
}

function templateIds(purposes) {
  const ids = (purposes || []).map(p => templates && templates[p]).filter(Boolean)
  return ids.slice(0, MAX_TEMPLATES)
}

// Report WeChat's answer ({"<template id>": "accept"|..., errMsg}); resolves with the purposes
// granted and the resident's unused grants per purpose.
function report(result) {
  return http
    .post(API + '/subscribe-grants', result, {silent: true})
    .then(body => ({
      asked: true,
      accepted: (body.recorded || []).filter(r => r.granted).map(r => r.purpose),
      grants: body.grants || {},
    }))
    .catch(() => ({asked: true, accepted: [], grants: null}))
}

// Call from a tap handler, before any await. Never rejects: {asked, accepted, grants, error}.
function ask(purposes) {
  const ids = templateIds(purposes)
  if (!ids.length) return Promise.resolve({asked: false, accepted: [], grants: null})
  return new Promise(resolve => {
    wx.requestSubscribeMessage({
      tmplIds: ids,
      success: result => resolve(report(result)),
      fail: error => resolve({asked: false, accepted: [], grants: null, error}),
    })
  })
}

// The resident's unused grants per purpose ({purpose: count}).
function grants() {
  return http.get(API + '/subscribe-grants', undefined, {silent: true}).then(body => body.grants || {})
}

module.exports = {prepare, ask, grants, templateIds}
