// One application: its state, the deadline and how it was computed step by step (received
// on, counted days, holidays and weekends skipped, make-up working days, pauses, extension),
// the answer with its reasons, and the letters, opened on the phone.
const applications = require('../../utils/applications')
const files = require('../../utils/files')
const subscribe = require('../../utils/subscribe')
const pageBehavior = require('../../behaviors/page')

function sizeLabel(bytes) {
  if (!bytes) return ''
  if (bytes < 1024 * 1024) return Math.max(1, Math.round(bytes / 1024)) + ' KB'
  return (bytes / 1024 / 1024).toFixed(1) + ' MB'
}

Component({
  behaviors: [pageBehavior],
  data: {app: null, steps: [], files: [], facts: [], created: false, loading: true, failed: false},
  methods: {
    onLoad(query) {
      subscribe.prepare()
      this.applicationId = query.id
      this.setData({created: query.created === '1'})
      return this.load()
    },
    onPullDownRefresh() {
      return this.load().then(() => wx.stopPullDownRefresh())
    },
    load() {
      this.setData({loading: true, failed: false})
      return applications
        .get(this.applicationId)
        .then(a => {
          this.setData({
            loading: false,
            app: {
              id: a.id,
              receiptNo: a.receipt_no,
              state: a.state,
              stateLabel: a.state_label,
              line: applications.deadlineLine(a),
              overdue: Boolean(a.overdue),
              description: a.description,
              answer: a.answer
                ? {
                    result: a.answer.result_label,
                    on: a.answer.answered_on,
                    reasons: a.answer.reasons.map(r => r.label).join('；'),
                    explanation: a.answer.explanation,
                  }
                : null,
            },
            facts: [
              ['name', '申请人', a.name],
              ['id', a.id_type_label || '证件', a.id_masked],
              ['phone', '联系电话', a.phone_masked],
              ['department', '受理机关', a.department_name],
              ['channel', '提交方式', a.channel_label],
              ['received', '收到日期', a.received_on],
            ]
              .filter(f => f[2])
              .map(([key, label, value]) => ({key, label, value})),
            steps: a.calculation.map((s, i) => ({key: i, kind: s.kind, text: s.text})),
            files: a.files.map(f => ({id: f.id, name: f.name, label: f.kind_label, size: sizeLabel(f.size), url: applications.fileUrl(f.url)})),
          })
          wx.setNavigationBarTitle({title: '申请 ' + a.receipt_no})
        })
        .catch(() => this.setData({loading: false, failed: true}))
    },
    // Letters are PDFs (attachments may be Office files or pictures), fetched by the signed
    // link the detail gave; an expired link asks for a refresh.
    onFileTap(e) {
      files.openFile(this.data.files[e.currentTarget.dataset.index], {
        loading: '正在打开',
        unavailable: '文件暂时无法下载，请下拉刷新后再试',
        unsupported: '此文件无法在手机上打开',
      })
    },
    // Each grant lets WeChat bring one progress message (received, correction, answer...).
    onSubscribeTap() {
      return subscribe.ask(['application_status']).then(result => {
        const ok = result.accepted.includes('application_status')
        wx.showToast({title: ok ? '已订阅下一次办理进度提醒' : '未订阅提醒', icon: ok ? 'success' : 'none'})
      })
    },
    onRetry() {
      return this.load()
    },
  },
})
