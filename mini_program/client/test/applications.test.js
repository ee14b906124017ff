// 依申请公开 on the phone: filing with field errors shown under their fields, the detail
// with the deadline's calculation, the answer letter opened from a signed link, 我的申请.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./harness')

test.beforeEach(async () => {
  h.reset()
  await h.launch()
})

// A valid 18-digit resident ID number (GB 11643 check digit).
function idNumber() {
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  const n = Math.floor(Math.random() * 900) + 100
  const first = '34162219850615' + n
  const sum = first.split('').reduce((acc, ch, i) => acc + Number(ch) * weights[i], 0)
  return first + '10X98765432'[sum % 11]
}

async function staffToken() {
  const res = await fetch(h.SERVER + '/api/v1/admin/session', {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({username: 'admin', password: 'Mengcheng@2026'}),
  })
  const body = await res.json()
  assert.equal(res.status, 201, JSON.stringify(body))
  return body.token
}

async function staff(path, data) {
  const token = await staffToken()
  const res = await fetch(h.SERVER + '/api/v1/admin/applications' + path, {
    method: 'POST',
    headers: {'content-type': 'application/json', authorization: 'Bearer ' + token},
    body: JSON.stringify(data),
  })
  const body = await res.json()
  assert.equal(res.status, 200, JSON.stringify(body))
  return body
}

async function type(page, selector, value) {
  page.querySelector(selector).dispatchEvent('input', {detail: {value}})
  await h.sleep(0)
}

async function fill(page, form) {
  for (const [field, value] of Object.entries(form)) await type(page, '.input-' + field, value)
}

function pageText(page) {
  return page.dom.textContent
}

test('the home page leads to 依申请公开 and 我的申请', async () => {
  const home = await h.open('/pages/index/index')
  await h.tap(home.querySelector('.apply-entry'))
  assert.equal(h.state.navigations.at(-1), '/pages/apply/index')
  await h.tap(home.querySelector('.my-applications-entry'))
  assert.equal(h.state.navigations.at(-1), '/pages/applications/index')
})

test('a resident files, sees the field the server refused, then reads the masked application', async () => {
  const number = idNumber()
  const page = await h.open('/pages/apply/index')
  await fill(page, {
    name: '周建华',
    id_number: number.slice(0, 17) + (number[17] === '0' ? '1' : '0'),
    phone: '13966661234',
    address: '蒙城县漆园街道涡河路8号',
    description: '漆园街道2026年城镇老旧小区改造项目清单',
  })
  await h.tap(page.querySelector('.submit'))
  assert.match(h.text(page, '.error-id_number'), /校验位不正确/)
  assert.match(h.state.toasts.at(-1).title, /校验位不正确/)
  assert.equal(h.state.navigations.length, 0)

  await type(page, '.input-id_number', number)
  assert.equal(h.text(page, '.error-id_number'), null, 'typing clears the field message')
  await h.tap(page.querySelector('.submit'))
  const url = h.state.navigations.at(-1)
  assert.match(url, /^\/pages\/application\/index\?id=\d+&created=1$/)
  // The same tap asked WeChat whether progress messages may be sent.
  assert.equal(h.state.subscribeRequests.length, 2)
  assert.equal(h.state.subscribeRequests[1].tmplIds.length, 1)
  const sent = h.state.requests.find(r => r.method === 'POST' && r.url.endsWith('/api/v1/mp/applications') && r.status === 201)
  assert.deepEqual(Object.keys(JSON.parse(sent.body)).sort(), ['address', 'applicant_type', 'delivery', 'description', 'format', 'id_number', 'id_type', 'name', 'phone', 'purpose'])

  const detail = await h.follow()
  assert.match(h.text(detail, '.created'), /申请已提交，申请编号 \d{9}/)
  assert.equal(h.text(detail, '.state'), '待确认收到')
  assert.equal(h.text(detail, '.deadline'), '等待工作人员确认收到，确认后开始计算答复期限')
  assert.ok(h.texts(detail, '.step').includes('尚未确认收到申请：答复期限自确认收到之日起计算'))
  assert.equal(h.text(detail, '.fact-id .value'), number.slice(0, 4) + '****' + number.slice(-4))
  assert.equal(h.text(detail, '.fact-phone .value'), '139****1234')
  assert.ok(!pageText(detail).includes(number) && !pageText(detail).includes('13966661234'))
})

test('the detail offers progress messages while the application is open', async () => {
  const page = await h.open('/pages/apply/index')
  await fill(page, {name: '孙丽', id_number: idNumber(), phone: '13811112222', address: '蒙城县楚村镇', description: '楚村镇2026年危房改造补助名单'})
  await h.tap(page.querySelector('.submit'))
  const detail = await h.follow()
  const before = h.state.subscribeRequests.length
  await h.tap(detail.querySelector('.subscribe'))
  assert.equal(h.state.subscribeRequests.length, before + 1)
  assert.equal(h.state.toasts.at(-1).title, '已订阅下一次办理进度提醒')
})

test('once staff receive and answer, the detail explains the deadline and opens the letter', async () => {
  const page = await h.open('/pages/apply/index')
  await fill(page, {
    name: '钱小红',
    id_number: idNumber(),
    phone: '13866665555',
    address: '蒙城县岳坊镇',
    description: '岳坊镇2026年高标准农田建设项目验收报告',
  })
  await h.tap(page.querySelector('.submit'))
  const id = h.state.navigations.at(-1).match(/id=(\d+)/)[1]

  const received = await staff('/' + id + '/receive', {})
  let detail = await h.open('/pages/application/index?id=' + id)
  const steps = h.texts(detail, '.step')
  assert.deepEqual(steps, received.calculation.map(s => s.text))
  assert.ok(steps.some(s => /收到申请，为第 0 日/.test(s)))
  const line = h.text(detail, '.deadline')
  if (received.deadline) assert.ok(line.startsWith('答复期限：' + received.deadline), line)
  else assert.ok(line.includes(received.deadline_error), line)

  await staff('/' + id + '/answer', {result: 'unavailable', reasons: ['not_held'], explanation: '该项目由县农业农村局验收，请向其申请。'})
  detail = await h.open('/pages/application/index?id=' + id)
  assert.match(h.text(detail, '.answer-result'), /^无法提供（\d{4}-\d{2}-\d{2}）$/)
  assert.equal(h.text(detail, '.answer-reasons'), '理由：本机关不掌握相关政府信息')
  assert.equal(h.text(detail, '.answer-explanation'), '该项目由县农业农村局验收，请向其申请。')
  assert.ok(h.text(detail, '.deadline').startsWith('已于 '))
  const files = detail.querySelectorAll('.file')
  assert.equal(h.texts(detail, '.file-label')[0], '政府信息公开申请答复书')
  await h.tap(files[0])
  await h.sleep(5)
  const download = h.state.downloads.at(-1)
  assert.equal(download.statusCode, 200)
  assert.match(download.url, /signature=/)
  assert.deepEqual(h.state.openedDocuments.at(-1).fileType, 'pdf')

  const mine = await h.open('/pages/applications/index')
  const rows = mine.querySelectorAll('.application')
  assert.equal(rows.length, 1)
  assert.deepEqual(h.texts(mine, '.state'), ['已答复'])
  assert.ok(h.texts(mine, '.line')[0].startsWith('已于 '))
  await h.tap(rows[0])
  assert.equal(h.state.navigations.at(-1), '/pages/application/index?id=' + id)
})

test('an organisation is asked for its credit code, and paper is not fetched in the app', async () => {
  const page = await h.open('/pages/apply/index')
  assert.ok(!page.querySelector('.input-credit_code'))
  const types = page.querySelectorAll('.choice-applicant_type')
  await h.tap(types[1])
  assert.ok(page.querySelector('.input-credit_code'))
  const formats = page.querySelectorAll('.choice-format')
  await h.tap(formats[1])
  assert.equal(page.instance.data.form.delivery, 'post')
  await fill(page, {name: '蒙城县某建材有限公司', id_number: idNumber(), phone: '05587211111', address: '蒙城县经济开发区', description: '开发区2026年企业用地出让合同'})
  await h.tap(page.querySelector('.submit'))
  assert.equal(h.text(page, '.error-credit_code'), '法人或其他组织须填写统一社会信用代码')
})

test('我的申请 is empty for a new resident and offers to apply', async () => {
  const mine = await h.open('/pages/applications/index')
  assert.equal(h.text(mine, '.no-applications'), '您还没有提出过申请')
  await h.tap(mine.querySelector('.apply-entry'))
  assert.equal(h.state.navigations.at(-1), '/pages/apply/index')
})
