// Residents' "listen" (收听): a document read aloud. The server makes the audio the first time
// it is asked for (202 with a progress hint), then serves the MP3; WeChat's background audio
// player plays it with the document's title, on a locked screen too, and the page remembers
// where the resident stopped so the next listen resumes there.
const config = require('../config')
const errors = require('./errors')

const API = '/api/v1/mp'
const POSITIONS_KEY = 'listen-positions'
const MAX_POSITIONS = 50
const DEFAULT_RETRY_SECONDS = 3

function audioUrl(documentId) {
  return config.baseUrl + API + '/documents/' + encodeURIComponent(documentId) + '/audio'
}

function parse(data) {
  if (data && typeof data === 'object') return data
  try {
    return JSON.parse(data)
  } catch (e) {
    return {}
  }
}

// Is the audio ready? One byte (Range) answers it without downloading the file.
// Resolves {ready: true} or {ready: false, progress, message, retryAfter}.
function probe(documentId) {
  return new Promise((resolve, reject) => {
    wx.request({
      url: audioUrl(documentId),
      method: 'GET',
      header: {Range: 'bytes=0-0'},
      dataType: 'text',
      timeout: 15000,
      success: res => {
        if (res.statusCode === 200 || res.statusCode === 206) {
          resolve({ready: true})
        } else if (res.statusCode === 202) {
          const body = parse(res.data)
          resolve({
            ready: false,
            progress: Number(body.progress) || 0,
            message: body.message || '正在生成语音',
            retryAfter: Number(body.retry_after) || DEFAULT_RETRY_SECONDS,
          })
        } else {
          reject(errors.fromResponse({...res, data: parse(res.data)}))
        }
      },
      fail: res => reject(errors.networkError(res)),
    })
  })
}

function positions() {
  const kept = wx.getStorageSync(POSITIONS_KEY)
  return kept && typeof kept === 'object' ? kept : {}
}

function savedPosition(documentId) {
  return Number(positions()[documentId]) || 0
}

// Where the resident stopped (0 forgets it); only the most recent documents are kept.
function savePosition(documentId, seconds) {
  const all = positions()
  delete all[documentId]
  if (seconds > 0) all[documentId] = Math.floor(seconds)
  const ids = Object.keys(all)
  ids.slice(0, Math.max(0, ids.length - MAX_POSITIONS)).forEach(id => delete all[id])
  wx.setStorageSync(POSITIONS_KEY, all)
}

function clock(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0))
  const pad = n => (n < 10 ? '0' : '') + n
  return pad(Math.floor(s / 60)) + ':' + pad(s % 60)
}

module.exports = {audioUrl, probe, savedPosition, savePosition, clock}
