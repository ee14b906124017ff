// A resident taps a policy document's attachments: files download from the server and open.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const h = require('./harness')

test.beforeEach(async () => {
  h.reset()
  await h.launch()
})

async function documentsWithAttachments() {
  const found = []
  for (let page = 1; ; page += 1) {
    const {body} = await h.api(`/api/v1/mp/documents?page=${page}&page_size=50`)
    for (const doc of body.items) {
      const {body: full} = await h.api(`/api/v1/mp/documents/${doc.id}`)
      if (full.attachments && full.attachments.length) found.push(full)
    }
    if (page * 50 >= body.total || !body.items.length) break
  }
  return found
}

function extension(name) {
  return name.split('.').pop().toLowerCase()
}

test('every attachment downloads in full and opens: documents with openDocument, pictures in the viewer', async () => {
  const docs = await documentsWithAttachments()
  const types = new Set(docs.flatMap(d => d.attachments.map(a => extension(a.name))))
  assert.deepEqual([...types].sort(), ['docx', 'jpg', 'pdf', 'xlsx'])
  for (const doc of docs) {
    const page = await h.open(`/pages/document/index?id=${doc.id}`)
    const rows = page.querySelectorAll('.attachment')
    assert.equal(rows.length, doc.attachments.length)
    for (const [i, attachment] of doc.attachments.entries()) {
      const opened = h.state.openedDocuments.length
      await h.tap(rows[i])
      await h.sleep(5)
      const shown = h.state.openedDocuments[opened]
      assert.ok(shown, `tapping ${attachment.name} opened nothing (toasts: ${JSON.stringify(h.state.toasts)})`)
      if (extension(attachment.name) === 'jpg') {
        assert.equal(shown.fileType, 'image')
        const res = await fetch(shown.filePath)
        assert.equal(res.status, 200)
        assert.equal(res.headers.get('content-type'), 'image/jpeg')
        assert.equal((await res.arrayBuffer()).byteLength, attachment.size)
      } else {
        const download = h.state.downloads.at(-1)
        assert.equal(download.statusCode, 200, `${attachment.name} answered ${download.statusCode}`)
        assert.equal(download.size, attachment.size)
        assert.equal(shown.filePath, download.tempFilePath)
        assert.equal(shown.fileType, extension(attachment.name))
        assert.equal(fs.statSync(shown.filePath).size, attachment.size)
      }
    }
    assert.deepEqual(h.state.toasts, [])
  }
})

test('an attachment the server no longer has shows that it cannot be downloaded', async () => {
  const [doc] = (await documentsWithAttachments()).filter(d => d.attachments.some(a => extension(a.name) === 'pdf'))
  const page = await h.open(`/pages/document/index?id=${doc.id}`)
  const index = doc.attachments.findIndex(a => extension(a.name) === 'pdf')
  page.instance.setData({[`attachments[${index}].url`]: h.SERVER + '/media/catalogue/gone/已撤下的附件.pdf'})
  await h.tap(page.querySelectorAll('.attachment')[index])
  await h.sleep(5)
  assert.equal(h.state.downloads.at(-1).statusCode, 404)
  assert.deepEqual(h.state.toasts.map(t => t.title), ['附件暂时无法下载'])
  assert.equal(h.state.openedDocuments.length, 0)
})
