// The door: tickets from the device camera (ZXing compiled to WebAssembly, vendored by
// ops/setup.sh from npm's zxing-wasm) or typed by hand, checked by the server, the answer in
// large type. No inline script: the console's CSP forbids it.
;(function () {
  'use strict'
  var root = document.getElementById('checkin')
  if (!root) return
  var eventId = root.getAttribute('data-event')
  var csrf = root.getAttribute('data-csrf')
  var wasmBase = root.getAttribute('data-wasm')
  var result = document.getElementById('result')
  var present = document.getElementById('present')
  var video = document.getElementById('camera')
  var note = document.getElementById('camera-note')
  var startButton = document.getElementById('camera-start')
  var typed = document.getElementById('typed')
  var input = document.getElementById('f-ticket')
  var busy = false
  var lastText = ''
  var lastAt = 0

  // Which colour each answer gets: green for in, amber for a second scan, red for refusals.
  var WARN = {already_checked_in: true}

  function show(kind, title, detail) {
    result.className = 'result result-' + kind
    result.textContent = title
    if (detail) {
      var small = document.createElement('small')
      small.textContent = detail
      result.appendChild(small)
    }
  }

  function check(ticket) {
    if (busy || !ticket) return Promise.resolve()
    busy = true
    show('idle', '正在核验…')
    return fetch('/api/v1/admin/open-days/' + eventId + '/check-in', {
      method: 'POST',
      credentials: 'same-origin',
      headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
      body: JSON.stringify({ticket: ticket}),
    })
      .then(function (res) {
        return res.json().then(function (body) {
          return {ok: res.ok, body: body}
        })
      })
      .then(function (answer) {
        if (answer.ok) {
          var party = answer.body.companions ? '随行 ' + answer.body.companions + ' 人' : '无随行人员'
          show('ok', '签到成功：' + answer.body.name, party + ' · ' + answer.body.checked_in_at)
          if (present) present.textContent = String(parseInt(present.textContent, 10) + 1)
          return
        }
        var error = answer.body.error || {}
        show(WARN[error.code] ? 'warn' : 'bad', error.message || '签到失败', '')
      })
      .catch(function () {
        show('bad', '网络异常，请重试')
      })
      .then(function () {
        busy = false
      })
  }

  typed.addEventListener('submit', function (e) {
    e.preventDefault()
    var ticket = input.value.trim()
    check(ticket).then(function () {
      input.value = ''
      input.focus()
    })
  })

  // --- the camera ---------------------------------------------------------------------------
  var canvas = document.createElement('canvas')
  var context = canvas.getContext('2d', {willReadFrequently: true})
  var ready = null

  function zxing() {
    if (!window.ZXingWASM) return Promise.reject(new Error('decoder missing'))
    if (!ready) {
      // The WebAssembly file comes from our own server (never the package's CDN default).
      ready = window.ZXingWASM.prepareZXingModule({
        overrides: {
          locateFile: function (path, prefix) {
            return /\.wasm$/.test(path) ? wasmBase + path : prefix + path
          },
        },
        fireImmediately: true,
      })
    }
    return ready
  }

  function decodeFrame() {
    if (!video.videoWidth) return Promise.resolve(null)
    canvas.width = video.videoWidth
    canvas.height = video.videoHeight
    context.drawImage(video, 0, 0, canvas.width, canvas.height)
    var frame = context.getImageData(0, 0, canvas.width, canvas.height)
    return window.ZXingWASM.readBarcodes(frame, {formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 1}).then(
      function (found) {
        return found.length && found[0].isValid ? found[0].text : null
      }
    )
  }

  function loop() {
    decodeFrame()
      .then(function (text) {
        var now = Date.now()
        // The same ticket held in front of the camera is sent once, not every frame.
        if (text && (text !== lastText || now - lastAt > 4000)) {
          lastText = text
          lastAt = now
          return check(text)
        }
      })
      .catch(function () {})
      .then(function () {
        window.setTimeout(loop, 200)
      })
  }

  startButton.addEventListener('click', function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      note.textContent = '此设备不支持摄像头扫码，请输入编码。'
      return
    }
    startButton.disabled = true
    zxing()
      .then(function () {
        return navigator.mediaDevices.getUserMedia({video: {facingMode: 'environment'}, audio: false})
      })
      .then(function (stream) {
        video.srcObject = stream
        video.classList.add('on')
        return video.play()
      })
      .then(function () {
        note.textContent = '把入场券二维码对准摄像头'
        startButton.hidden = true
        loop()
      })
      .catch(function (err) {
        startButton.disabled = false
        note.textContent = '无法打开摄像头（' + (err && err.name ? err.name : '未知原因') + '），请输入编码。'
      })
  })
})()
