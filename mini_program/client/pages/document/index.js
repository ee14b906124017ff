// One policy document as published: its heading facts, body, attachments and the
// interpretations that explain it.
const catalogue = require('../../utils/catalogue')
const display = require('../../utils/display')
const files = require('../../utils/files')
const listen = require('../../utils/listen')
const errors = require('../../utils/errors')
const pageBehavior = require('../../behaviors/page')

function paragraphs(text) {
  return String(text || '')
    .split(/\n+/)
    .map(p => p.trim())
    .filter(Boolean)
}

Component({
  behaviors: [pageBehavior],
  data: {
    doc: null, facts: [], body: [], attachments: [], interpretations: [], items: [], loading: true, failed: false,
    // 收听: idle, preparing (the server is making the audio), playing, paused, ended
    listen: {state: 'idle', progress: 0, message: '', position: '', resume: ''},
  },
  methods: {
    onLoad(query) {
      this.documentId = query.id
      return this.load()
    },
    onUnload() {
      clearTimeout(this.listenTimer)
      this.listenTimer = null
      this.unloaded = true
    },
    load() {
      this.setData({loading: true, failed: false})
      return catalogue
        .getDocument(this.documentId)
        .then(doc => {
          const facts = [
            ['doc_no', '文号', doc.doc_no],
            ['issuer', '发文单位', doc.issuer],
            ['written_on', '成文日期', display.formatDate(doc.written_on)],
            ['published_on', '发布日期', display.formatDate(doc.published_on)],
            ['effective_on', '施行日期', display.formatDate(doc.effective_on)],
            ['validity', '有效性', doc.validity],
            ['kind', '文件类型', doc.is_normative ? '规范性文件' : '其他文件'],
          ]
            .filter(f => f[2])
            .map(([key, label, value]) => ({key, label, value}))
          this.setData({
            loading: false,
            doc: {id: doc.id, title: doc.title, issuer: doc.issuer || '', validity: doc.validity || '', normative: Boolean(doc.is_normative)},
            facts,
            body: paragraphs(doc.body),
            attachments: (doc.attachments || []).map((a, i) => ({
              key: i,
              name: a.name,
              url: catalogue.absoluteUrl(a.url),
              size: files.sizeLabel(a.size),
            })),
            interpretations: (doc.interpretations || []).map(it => ({
              id: it.id,
              title: it.title,
              published: display.formatDate(it.published_on),
              body: paragraphs(it.body),
              open: false,
            })),
            items: (doc.items || []).map(it => ({id: it.id, title: it.level2 || it.level1})),
          })
        })
        .then(() => this.showListening())
        .catch(() => this.setData({loading: false, failed: true}))
    },
    // --- 收听 ---------------------------------------------------------------------------
    // The player is WeChat's one background audio manager: it may already be playing this
    // document (the resident came back to the page) or another one.
    showListening() {
      const player = wx.getBackgroundAudioManager()
      const mine = player.src === listen.audioUrl(this.documentId)
      const saved = listen.savedPosition(this.documentId)
      if (mine) {
        this.bindPlayer(player)
        this.setListen({state: player.paused ? 'paused' : 'playing', position: this.positionLabel(player)})
      } else {
        this.setListen({state: 'idle', resume: saved ? '上次听到 ' + listen.clock(saved) : ''})
      }
    },
    setListen(values) {
      if (this.unloaded) return
      this.setData({listen: {...this.data.listen, ...values}})
    },
    positionLabel(player) {
      const total = Number(player.duration) || 0
      return listen.clock(player.currentTime) + (total ? ' / ' + listen.clock(total) : '')
    },
    onListenTap() {
      const state = this.data.listen.state
      const player = wx.getBackgroundAudioManager()
      if (state === 'playing') return player.pause()
      if (state === 'paused' && player.src === listen.audioUrl(this.documentId)) return player.play()
      if (state === 'preparing') return undefined
      this.setListen({state: 'preparing', progress: 0, message: '正在准备语音'})
      return this.prepare()
    },
    // Ask until the audio is made (the server says how long to wait), then play it.
    prepare() {
      return listen
        .probe(this.documentId)
        .then(answer => {
          if (this.unloaded) return
          if (answer.ready) return this.play()
          this.setListen({state: 'preparing', progress: answer.progress, message: answer.message})
          this.listenTimer = setTimeout(() => this.prepare(), answer.retryAfter * 1000)
        })
        .catch(err => {
          this.setListen({state: 'idle', message: ''})
          errors.showError(err)
        })
    },
    play() {
      const doc = this.data.doc
      const player = wx.getBackgroundAudioManager()
      this.bindPlayer(player)
      player.title = doc.title
      player.epname = '蒙城政务公开'
      player.singer = doc.issuer || '蒙城县人民政府'
      player.startTime = listen.savedPosition(this.documentId)
      // Setting src starts playback (WeChat's rule for the background audio manager).
      player.src = listen.audioUrl(this.documentId)
      this.setListen({state: 'playing', resume: '', message: ''})
    },
    bindPlayer(player) {
      const id = this.documentId
      const url = listen.audioUrl(id)
      const mine = () => player.src === url
      let lastSaved = 0
      player.onPlay(() => mine() && this.setListen({state: 'playing'}))
      player.onPause(() => {
        if (!mine()) return
        listen.savePosition(id, player.currentTime)
        this.setListen({state: 'paused'})
      })
      player.onStop(() => {
        if (!mine()) return
        listen.savePosition(id, player.currentTime)
        this.setListen({state: 'idle', resume: '上次听到 ' + listen.clock(player.currentTime)})
      })
      player.onTimeUpdate(() => {
        if (!mine()) return
        if (Math.abs(player.currentTime - lastSaved) >= 5) {
          lastSaved = player.currentTime
          listen.savePosition(id, player.currentTime)
        }
        this.setListen({position: this.positionLabel(player)})
      })
      player.onEnded(() => {
        if (!mine()) return
        listen.savePosition(id, 0)
        this.setListen({state: 'ended', position: '', resume: ''})
      })
      player.onError(() => {
        if (!mine()) return
        this.setListen({state: 'idle'})
        wx.showToast({title: '语音暂时无法播放，请稍后再试', icon: 'none'})
      })
    },
    onInterpretationTap(e) {
      const index = e.currentTarget.dataset.index
      this.setData({['interpretations[' + index + '].open']: !this.data.interpretations[index].open})
    },
    onAttachmentTap(e) {
      files.openFile(this.data.attachments[e.currentTarget.dataset.index])
    },
    onItemTap(e) {
      wx.navigateTo({url: '/pages/item/index?id=' + e.currentTarget.dataset.id})
    },
    // Residents forward policies to family in WeChat chats; the card opens this document.
    onShareAppMessage() {
      const doc = this.data.doc
      return {
        title: doc ? doc.title : '蒙城政务公开',
        path: '/pages/document/index?id=' + this.documentId,
      }
    },
    onRetry() {
      return this.load()
    },
  },
})
