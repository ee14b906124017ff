// 收听: a resident listens to a policy document. The server makes its audio the first time
// (202 with progress), then WeChat's background player plays it with the title, and the page
// remembers where the resident stopped.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const {spawn} = require('node:child_process')
const h = require('./harness')

const GOVMATRIX = path.resolve(h.ROOT, '..', '..', '.venv', 'bin', 'govmatrix')

test.beforeEach(async () => {
  h.reset()
  await h.launch()
})

// The shortest documents make the quickest audio; any document can be heard.
async function shortDocument(skip = 0) {
  const {body} = await h.api('/api/v1/mp/documents?page_size=50')
  const full = []
  for (const doc of body.items) full.push((await h.api(`/api/v1/mp/documents/${doc.id}`)).body)
  full.sort((a, b) => (a.title + a.body).length - (b.title + b.body).length)
  return full[skip]
}

// A background-job worker, as production runs one: it makes the audio the page asked for.
function startWorker() {
  const worker = spawn(GOVMATRIX, ['worker', '--concurrency', '1', '--poll-interval', '0.2'], {
    cwd: path.resolve(h.ROOT, '..', '..'),
    env: process.env,
    stdio: 'ignore',
  })
  return worker
}

async function until(check, what, seconds = 120) {
  const deadline = Date.now() + seconds * 1000
  while (Date.now() < deadline) {
    if (check()) return
    await h.sleep(200)
  }
  throw new Error('waited ' + seconds + ' s for ' + what)
}

test('收听 waits for the audio to be made, then plays the document in the background with its title', async () => {
  const doc = await shortDocument(0)
  const page = await h.open(`/pages/document/index?id=${doc.id}`)
  const button = page.querySelector('.listen-button')
  assert.equal(button.dom.textContent.trim(), '收听')
  // Made already (an earlier run) or not yet: the page must handle both.
  const answer = await fetch(`${h.SERVER}/api/v1/mp/documents/${doc.id}/audio`)
  const first = {status: answer.status, body: answer.status === 202 ? await answer.json() : null}
  const worker = startWorker()
  try {
    await h.tap(button)
    if (first.status === 202) {
      assert.equal(page.instance.data.listen.state, 'preparing')
      assert.match(h.text(page, '.listen-status'), /%$/)
      assert.equal(first.body.title, doc.title)
    }
    const player = h.state.backgroundAudio
    await until(() => page.instance.data.listen.state === 'playing' && !player.paused, 'the audio to play')
  } finally {
    worker.kill('SIGTERM')
  }
  const player = h.state.backgroundAudio
  assert.equal(player.title, doc.title)
  assert.equal(player.singer, doc.issuer)
  assert.equal(player.src, `${h.SERVER}/api/v1/mp/documents/${doc.id}/audio`)
  const fetched = player.fetched.at(-1)
  assert.equal(fetched.status, 206)
  assert.equal(fetched.type, 'audio/mpeg')
  assert.equal(h.text(page, '.listen-button'), '暂停')

  player.advance(12, 95)
  await h.sleep(0)
  assert.equal(h.text(page, '.listen-status'), '00:12 / 01:35')
  await h.tap(page.querySelector('.listen-button'))
  assert.equal(player.paused, true)
  assert.equal(h.text(page, '.listen-button'), '继续收听')

  // Back later: the page offers to go on from where the resident stopped.
  player.stop()
  const again = await h.open(`/pages/document/index?id=${doc.id}`)
  assert.equal(h.text(again, '.listen-status'), '上次听到 00:12')
  await h.tap(again.querySelector('.listen-button'))
  await until(() => !player.paused, 'playing again')
  assert.equal(player.currentTime, 12)
  player.finish()
  await h.sleep(0)
  assert.equal(h.text(again, '.listen-status'), '已听完')
})

test('a document that does not exist cannot be heard: the resident is told so', async () => {
  const {status, body} = await h.api('/api/v1/mp/documents/999999/audio')
  assert.equal(status, 404)
  assert.equal(body.error.code, 'document_not_found')
})
