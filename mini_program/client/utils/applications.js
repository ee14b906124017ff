// Disclosure applications (依申请公开) as the mini-program uses them: filing, the resident's
// own list, one application with its deadline calculation and letters.
const request = require('./request')
const config = require('../config')

const APPLICANT_TYPES = [
  {value: 'citizen', label: '个人'},
  {value: 'organisation', label: '法人或其他组织'},
]
const ID_TYPES = [
  {value: 'resident_id', label: '居民身份证'},
  {value: 'residence_permit', label: '港澳台居民居住证'},
  {value: 'hk_macao_pass', label: '港澳居民来往内地通行证'},
  {value: 'taiwan_pass', label: '台湾居民来往大陆通行证'},
  {value: 'passport', label: '护照'},
  {value: 'foreign_permanent', label: '外国人永久居留身份证'},
]
const FORMATS = [
  {value: 'electronic', label: '电子文本'},
  {value: 'paper', label: '纸质文本'},
]
const DELIVERIES = [
  {value: 'electronic', label: '小程序内获取'},
  {value: 'post', label: '邮寄'},
  {value: 'collect', label: '当面领取'},
]

// The contract's fields, exactly: an organisation adds its credit code.
function bodyOf(form) {
  const body = {
    applicant_type: form.applicant_type,
    name: form.name.trim(),
    id_type: form.id_type,
    id_number: form.id_number.trim(),
    phone: form.phone.trim(),
    address: form.address.trim(),
    description: form.description.trim(),
    purpose: form.purpose.trim(),
    format: form.format,
    delivery: form.delivery,
  }
  if (form.applicant_type === 'organisation') body.credit_code = form.credit_code.trim()
  return body
}

function file(form) {
  return request.post('/api/v1/mp/applications', bodyOf(form), {silent: true})
}

function mine(page) {
  return request.get('/api/v1/mp/applications', {page, per_page: config.pageSize})
}

function get(id) {
  return request.get('/api/v1/mp/applications/' + id)
}

// Signed links from the server are relative; downloads need the full address.
function fileUrl(url) {
  return /^https?:\/\//.test(url) ? url : config.baseUrl + url
}

// What the resident reads about the deadline in one line.
function deadlineLine(a) {
  if (a.answer) return '已于 ' + a.answer.answered_on + ' 答复：' + a.answer.result_label
  if (a.state === 'closed') return '逾期未补正，已终止处理'
  if (a.state === 'submitted') return '等待工作人员确认收到，确认后开始计算答复期限'
  if (a.state === 'awaiting_correction') return '请在 ' + a.correction_due + ' 前补正申请'
  if (a.deadline_error) return '答复期限暂无法计算：' + a.deadline_error
  if (!a.deadline) return ''
  let line = '答复期限：' + a.deadline
  if (a.days_left !== null && a.days_left !== undefined) {
    line += a.days_left >= 0 ? '（还有 ' + a.days_left + ' 个工作日）' : '（已超期）'
  }
  return line
}

module.exports = {APPLICANT_TYPES, ID_TYPES, FORMATS, DELIVERIES, bodyOf, file, mine, get, fileUrl, deadlineLine}
