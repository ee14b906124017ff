// The hall's API for the mini-program: what a scanned code means, the help desk, open days.
const http = require('./request')

const API = '/api/v1/mp'

// The page was opened by a spot's code: `q` (ordinary-link QR) or `scene` (mini-program code).
// The server counts the scan and answers where to go ({code, name, page, params, url}).
function reportScan(query) {
  const data = query.scene ? {scene: decodeURIComponent(query.scene)} : {q: decodeURIComponent(query.q || '')}
  return http.post(API + '/scans', data, {silent: true})
}

function hallInfo() {
  return http.get(API + '/hall')
}

function listOpenDays() {
  return http.get(API + '/open-days', {per_page: 50}).then(body => body.items || [])
}

function getOpenDay(id) {
  return http.get(API + '/open-days/' + encodeURIComponent(id)).then(body => body.open_day)
}

function register(id, form) {
  return http
    .request({path: API + '/open-days/' + encodeURIComponent(id) + '/registrations', method: 'POST', data: form, silent: true})
    .then(body => body.registration)
}

// The resident's registration for one event, or null when there is none.
function myRegistration(id) {
  return http
    .request({path: API + '/open-days/' + encodeURIComponent(id) + '/registrations/mine', method: 'GET', silent: true})
    .then(body => body.registration)
    .catch(err => {
      if (err.status === 404) return null
      throw err
    })
}

function cancelRegistration(id) {
  return http
    .request({path: API + '/open-days/' + encodeURIComponent(id) + '/registrations/mine', method: 'DELETE'})
    .then(body => body.registration)
}

function myRegistrations() {
  return http.get(API + '/open-days/mine').then(body => body.items || [])
}

// "2026-05-20T09:00:00+08:00" → "5月20日 09:00" (the county's time, whatever the phone's zone).
function formatTime(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(iso || '')
  return m ? Number(m[2]) + '月' + Number(m[3]) + '日 ' + m[4] + ':' + m[5] : ''
}

const STATE_LABELS = {
  not_open: '报名未开始',
  open: '报名中',
  waitlist: '名额已满，可报名候补',
  closed: '报名已截止',
  cancelled: '活动已取消',
}

module.exports = {reportScan, hallInfo, listOpenDays, getOpenDay, register, myRegistration, cancelRegistration, myRegistrations, formatTime, STATE_LABELS}
