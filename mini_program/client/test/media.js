// More of the phone for the consultation pages: choosing photos (the test says which files
// the resident picks), uploading them with wx.uploadFile as real multipart HTTP to the server,
// redirectTo. Loaded after harness.js; pictures are made here as real PNG files.
'use strict'

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const zlib = require('node:zlib')
const h = require('./harness')

const PHOTO_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'govmatrix-photos-'))
const picks = []

const CRC_TABLE = Array.from({length: 256}, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buffer) {
  let c = 0xffffffff
  for (const byte of buffer) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

// A real width × height RGB PNG of one colour, written to a temp file like a camera's.
function photo(width = 64, height = 48, rgb = [200, 40, 40]) {
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(height, 4)
  header.set([8, 2, 0, 0, 0], 8)
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({length: width}, () => rgb).flat())])
  const pixels = zlib.deflateSync(Buffer.concat(Array.from({length: height}, () => row)))
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ])
  const file = path.join(PHOTO_DIR, 'tmp_' + Math.random().toString(36).slice(2) + '.png')
  fs.writeFileSync(file, png)
  return {tempFilePath: file, size: png.length, fileType: 'image'}
}

// What wx.chooseMedia hands the page next (the resident's pick in the album).
function pick(...files) {
  picks.push(files)
}

function later(fn) {
  setTimeout(fn, 0)
}

function chooseMedia(options) {
  const files = (picks.shift() || []).slice(0, options.count || 9)
  later(() => {
    if (!files.length) {
      if (options.fail) options.fail({errMsg: 'chooseMedia:fail cancel'})
      return
    }
    if (options.success) options.success({tempFiles: files, type: 'image', errMsg: 'chooseMedia:ok'})
  })
}

// wx.uploadFile: multipart/form-data with the file under `name`, WeChat's callbacks (success
// for every HTTP status, `data` as the body's text).
function uploadFile(options) {
  const record = {url: options.url, name: options.name, filePath: options.filePath}
  h.state.requests.push(record)
  h.state.inflight += 1
  const form = new FormData()
  Object.entries(options.formData || {}).forEach(([k, v]) => form.append(k, String(v)))
  form.append(options.name, new Blob([fs.readFileSync(options.filePath)]), path.basename(options.filePath))
  fetch(options.url, {method: 'POST', headers: options.header || {}, body: form})
    .then(async res => {
      const data = await res.text()
      record.status = res.status
      h.state.inflight -= 1
      const result = {statusCode: res.status, data, errMsg: 'uploadFile:ok'}
      if (options.success) options.success(result)
      if (options.complete) options.complete(result)
    })
    .catch(err => {
      h.state.inflight -= 1
      const result = {errMsg: 'uploadFile:fail ' + (err && err.message)}
      if (options.fail) options.fail(result)
      if (options.complete) options.complete(result)
    })
  return {abort() {}, onProgressUpdate() {}, offProgressUpdate() {}}
}

function redirectTo(options) {
  h.state.navigations.push(options.url)
  later(() => options.success && options.success({errMsg: 'redirectTo:ok'}))
}

Object.assign(global.wx, {chooseMedia, uploadFile, redirectTo})

module.exports = {photo, pick}
