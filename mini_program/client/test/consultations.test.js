// A resident asks from the phone (我要咨询 with photos), follows it in 我的咨询, reads the
// answer and rates it; reads 常见问答 and comments on an opinion call.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const h = require('./harness')
const media = require('./media')

test.beforeEach(async () => {
  h.reset()
  await h.launch()
})

async function staff(username = 'admin') {
  const {body} = await h.api('/api/v1/admin/session', {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: JSON.stringify({username, password: 'Mengcheng@2026'}),
  })
  return {Authorization: 'Bearer ' + body.token, 'content-type': 'application/json'}
}

function typeInto(page, selector, value) {
  page.querySelector(selector).dispatchEvent('input', {detail: {value}})
}

async function form() {
  const page = await h.open('/pages/consult/index')
  assert.ok(page.instance.data.domainNames.includes('义务教育'))
  assert.equal(h.text(page, '.domain-value'), '其他 ›')
  return page
}

test('the home page offers 我要咨询, 我的咨询, 常见问答 and 意见征集', async () => {
  const home = await h.open('/pages/index/index')
  assert.deepEqual(h.texts(home, '.service'), ['我要咨询', '我的咨询', '常见问答', '意见征集'])
  await h.tap(home.querySelector('.consult-entry'))
  assert.equal(h.state.navigations.at(-1), '/pages/consult/index')
})

test('a resident asks with a photo, sees the reference and state, then rates the answer', async () => {
  const page = await form()
  const education = page.instance.data.domainNames.indexOf('义务教育')
  page.instance.onDomainChange({detail: {value: education}})
  typeInto(page, '.text-input', '孩子明年上小学，租房住没有房产证，怎么报名？')
  typeInto(page, '.phone-input', '13900001111')
  media.pick(media.photo(64, 48), media.photo(32, 32, [10, 120, 200]))
  await h.tap(page.querySelector('.add-photo'))
  assert.equal(page.querySelectorAll('.photo .thumb').length, 2)
  assert.ok(page.instance.data.photos.every(p => /^[0-9a-f]{32}$/.test(p.id)), JSON.stringify(page.instance.data.photos))
  assert.equal(h.text(page, '.limit-hint'), '咨询类问题将在 3 个工作日内答复')

  // Two taps at once are one question.
  page.querySelector('.submit').dispatchEvent('tap')
  page.querySelector('.submit').dispatchEvent('tap')
  await h.idle()
  const submissions = h.state.requests.filter(r => r.method === 'POST' && r.url.endsWith('/api/v1/mp/consultations'))
  assert.equal(submissions.length, 1)
  assert.match(h.state.navigations.at(-1), /^\/pages\/consultation\/index\?id=\d+$/)
  const detail = await h.follow()
  assert.match(h.text(detail, '.reference'), /^咨询编号 ZX\d{14,}$/)
  assert.equal(h.text(detail, '.state'), '办理中')
  assert.match(h.text(detail, '.deadline'), /剩余 3 个工作日|今天到期/)
  assert.match(detail.instance.data.c.phone, /^139\*{4}1111$/)
  assert.equal(detail.querySelectorAll('.thumb').length, 2)
  const photoUrl = detail.instance.data.c.photos[0]
  const photo = await fetch(photoUrl)
  assert.equal(photo.status, 200)
  assert.equal(photo.headers.get('content-type'), 'image/jpeg')
  assert.ok(detail.querySelector('.waiting'))

  // 我的咨询 lists it.
  const mine = await h.open('/pages/consultations/index')
  assert.equal(h.texts(mine, '.consultation .state')[0], '办理中')
  const id = detail.instance.data.c.id

  // The education bureau answers; the resident sees it and rates it once.
  const headers = await staff()
  const answered = await h.api(`/api/v1/admin/consultations/${id}/answer`, {
    method: 'POST',
    headers,
    body: JSON.stringify({text: '您好，租房家庭凭租赁备案证明和居住证报名，详见招生公告。'}),
  })
  assert.equal(answered.status, 200, JSON.stringify(answered.body))
  const again = await h.open(`/pages/consultation/index?id=${id}`)
  assert.equal(h.text(again, '.state'), '已答复')
  assert.match(h.text(again, '.answer-text'), /租赁备案证明/)
  await h.tap(again.querySelector('.rate-submit'))
  assert.equal(h.state.toasts.at(-1).title, '请选择满意程度')
  await h.tap(again.querySelectorAll('.choice')[0])
  again.querySelector('.comment-input').dispatchEvent('input', {detail: {value: '很清楚'}})
  await h.tap(again.querySelector('.rate-submit'))
  assert.equal(h.text(again, '.rated-label'), '满意')
  assert.equal(again.querySelector('.rate'), undefined)
})

test('submitting asks WeChat for one answer reminder in the same tap; a waiting question offers another', async () => {
  const page = await form()
  typeInto(page, '.text-input', '请问城区公租房什么时候开始受理申请？')
  await h.tap(page.querySelector('.submit'))
  const {body: templates} = await h.api('/api/v1/mp/subscribe-templates')
  const template = templates.by_purpose.consultation_answered
  assert.deepEqual(h.state.subscribeRequests.map(r => r.tmplIds), [[template]])
  assert.equal(h.state.toasts.at(-1).title, '已提交，答复后微信提醒您')
  const detail = await h.follow()
  assert.equal(h.text(detail, '.reminder-on'), '已开启微信提醒，答复后会通知您')

  // Someone who said no at first can allow it later from the question itself.
  h.reset()
  await h.launch()
  h.state.subscribeChoice[template] = 'reject'
  const again = await form()
  typeInto(again, '.text-input', '请问老年人优待证在哪里办理？需要什么材料？')
  await h.tap(again.querySelector('.submit'))
  assert.equal(h.state.toasts.at(-1).title, '已提交')
  const waiting = await h.follow()
  assert.ok(waiting.querySelector('.remind'))
  h.state.subscribeChoice[template] = 'accept'
  await h.tap(waiting.querySelector('.remind'))
  assert.equal(h.text(waiting, '.reminder-on'), '已开启微信提醒，答复后会通知您')
})

test('the form checks the question, refuses oversize photos and shows the server’s field message', async () => {
  const page = await form()
  typeInto(page, '.text-input', '低保')
  await h.tap(page.querySelector('.submit'))
  assert.equal(h.text(page, '.error-text'), '请把问题写清楚一些，至少 10 个字')
  assert.equal(h.state.requests.filter(r => r.url.endsWith('/consultations')).length, 0)

  const huge = media.photo(8, 8)
  huge.size = 6 * 1024 * 1024
  media.pick(huge)
  await h.tap(page.querySelector('.add-photo'))
  assert.equal(page.querySelectorAll('.photo .thumb').length, 0)
  assert.equal(h.state.toasts.at(-1).title, '照片不能超过 5 MB')

  typeInto(page, '.text-input', '😀😀😀😀😀😀😀😀😀😀😀')
  await h.tap(page.querySelector('.submit'))
  assert.equal(h.text(page, '.error-text'), '请用文字描述您的问题，不能只有表情或符号')
  typeInto(page, '.text-input', '请问老年人乘坐公交车有什么优惠政策？')
  typeInto(page, '.phone-input', '123')
  await h.tap(page.querySelector('.submit'))
  assert.equal(h.text(page, '.error-phone'), '请填写正确的手机号或固定电话')
  typeInto(page, '.phone-input', '')
  await h.tap(page.querySelector('.submit'))
  assert.match(h.state.navigations.at(-1), /^\/pages\/consultation\/index\?id=\d+$/)
})

test('another resident’s question is not found', async () => {
  const headers = await staff()
  const {body} = await h.api('/api/v1/admin/consultations?per_page=1&channel=mini_program', {headers})
  const page = await h.open(`/pages/consultation/index?id=${body.items[0].id}`)
  assert.ok(page.querySelector('.retry'))
  assert.equal(h.state.toasts.at(-1).title, '没有这个咨询')
})

test('常见问答 lists a domain’s published answers, searches them and opens one', async () => {
  const {body} = await h.api('/api/v1/mp/domains')
  const education = body.items.find(d => d.name === '义务教育')
  const domain = await h.open(`/pages/domain/index?id=${education.id}&name=${encodeURIComponent('义务教育')}`)
  await h.tap(domain.querySelector('.domain-qa'))
  const list = await h.follow()
  assert.ok(h.state.titles.includes('义务教育常见问答'))
  const questions = h.texts(list, '.qa-question')
  assert.ok(questions.length >= 2)
  assert.ok(questions.every(q => !/\d{7,}/.test(q)))
  list.querySelector('.search-input').dispatchEvent('input', {detail: {value: '学区'}})
  await h.tap(list.querySelector('.search-btn'))
  assert.match(h.texts(list, '.qa-question')[0], /学区/)
  await h.tap(list.querySelector('.qa-item'))
  const answer = await h.follow()
  assert.match(h.text(answer, '.question-text'), /学区/)
  assert.match(h.text(answer, '.answer-text'), /【电话已隐去】|学区/)
})

test('the catalogue search finds published Q&A and opens it', async () => {
  const page = await h.open('/pages/search/index?q=' + encodeURIComponent('高龄津贴'))
  const qa = page.querySelectorAll('.result').find(r => r.dom.getAttribute('data-type') === 'qa')
  assert.ok(qa, 'a 常见问答 result')
  await h.tap(qa)
  assert.match(h.state.navigations.at(-1), /^\/pages\/answer\/index\?id=\d+$/)
  const answer = await h.follow()
  assert.match(h.text(answer, '.question-text'), /高龄津贴/)
})

test('a resident reads the open call, opens its attachment and comments; the closed one shows its adoption', async () => {
  const list = await h.open('/pages/opinions/index')
  const titles = h.texts(list, '.call-title')
  assert.ok(titles.includes('蒙城县城区停车收费管理办法（征求意见稿）'))
  const open = list.querySelectorAll('.call').find(c => c.dom.textContent.includes('停车收费'))
  await h.tap(open)
  const call = await h.follow()
  assert.equal(h.text(call, '.state'), '征集中')
  assert.ok(h.texts(call, '.para')[0].startsWith('第一条'))
  assert.ok(h.texts(call, '.public-comment').length >= 3)
  await h.tap(call.querySelector('.attachment'))
  await h.sleep(5)
  assert.equal(h.state.openedDocuments.at(-1).fileType, 'docx')
  call.querySelector('.comment-input').dispatchEvent('input', {detail: {value: '建议在学校门口设置临时停车位。'}})
  await h.tap(call.querySelector('.send'))
  assert.equal(h.state.toasts.at(-1).title, '已提交，审核后公开')
  assert.deepEqual(h.texts(call, '.my-comment .state-pending'), ['审核中'])

  await h.open('/pages/opinions/index')
  const closedList = await h.open('/pages/opinions/index')
  closedList.instance.onTab({currentTarget: {dataset: {value: 'closed'}}})
  await h.idle()
  const closed = closedList.querySelectorAll('.call').find(c => c.dom.textContent.includes('全民健身'))
  await h.tap(closed)
  const done = await h.follow()
  assert.equal(h.text(done, '.state'), '已公布采纳情况')
  assert.deepEqual([h.text(done, '.adopted'), h.text(done, '.partly'), h.text(done, '.not-adopted')], ['2', '1', '1'])
  assert.equal(done.querySelector('.comment-form'), undefined)
  assert.ok(h.text(done, '.closed-note'))
})
