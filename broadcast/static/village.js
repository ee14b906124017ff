// The village page: today's scripts, resumable audio downloads kept on the phone, playing
// them without signal, and play confirmations that wait for signal when there is none.
'use strict'
;(function () {
  const main = document.getElementById('main')
  const village = main ? main.dataset.village : ''
  if (!village) return
  const bound = main.dataset.bound === 'true'
  const csrf = document.querySelector('meta[name="csrf-token"]').content
  const query = bound ? '' : '?village=' + encodeURIComponent(village)
  const LIST_URL = '/api/v1/village/broadcasts' + query
  const AUDIO_CACHE = 'village-audio-v1'
  const PARTS_CACHE = 'village-audio-parts-v1'
  const LIST_KEY = 'village-list:' + village
  const QUEUE_KEY = 'village-pending-plays:' + village
  const CHUNK = 256 * 1024

  const $ = id => document.getElementById(id)
  const net = $('net')
  const list = $('scripts')
  const template = $('script-template')
  let current = null

  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/village/sw.js', {scope: '/village'}).catch(() => {})
  }

  function showNet() {
    net.textContent = navigator.onLine ? '在线' : '离线'
    net.classList.toggle('offline', !navigator.onLine)
  }
  window.addEventListener('online', () => {
    showNet()
    flushQueue().then(load)
  })
  window.addEventListener('offline', showNet)

  // --- the list ---------------------------------------------------------------------------
  async function load() {
    let data = null
    let fresh = false
    try {
      const response = await fetch(LIST_URL, {credentials: 'same-origin', headers: {Accept: 'application/json'}})
      if (response.status === 401) {
        window.location.href = '/console/login?next=' + encodeURIComponent('/village' + query)
        return
      }
      if (!response.ok) throw new Error('HTTP ' + response.status)
      data = await response.json()
      fresh = true
      localStorage.setItem(LIST_KEY, JSON.stringify(data))
    } catch (err) {
      const kept = localStorage.getItem(LIST_KEY)
      data = kept ? JSON.parse(kept) : null
    }
    $('loading').hidden = true
    $('failed').hidden = Boolean(data)
    if (!data) return
    current = data
    await render(data)
    if (fresh) forgetOldAudio(data)
  }

  async function render(data) {
    list.textContent = ''
    $('empty').hidden = data.items.length > 0
    for (const item of data.items) {
      const node = template.content.firstElementChild.cloneNode(true)
      node.dataset.id = item.id
      node.querySelector('.title').textContent = item.title
      node.querySelector('.period').textContent = '有效期 ' + item.valid_from + ' 至 ' + item.valid_until
      node.querySelector('.spoken').textContent = item.spoken_text
      list.appendChild(node)
      renderSlots(node, item, data.today)
      await renderAudio(node, item)
    }
  }

  function pendingPlays() {
    try {
      return JSON.parse(localStorage.getItem(QUEUE_KEY) || '[]')
    } catch (err) {
      return []
    }
  }

  function savePending(queue) {
    localStorage.setItem(QUEUE_KEY, JSON.stringify(queue))
    const waiting = queue.length
    $('sync').hidden = waiting === 0
    $('sync').textContent = waiting ? '有 ' + waiting + ' 条播放确认等待上传，有信号后自动上传。' : ''
  }

  // Play times are the county's (Asia/Shanghai), whatever zone the phone is set to.
  const COUNTY_OFFSET = 8 * 3600 * 1000

  function clock(iso) {
    const d = new Date(new Date(iso).getTime() + COUNTY_OFFSET)
    return String(d.getUTCHours()).padStart(2, '0') + ':' + String(d.getUTCMinutes()).padStart(2, '0')
  }

  function countyMinutes() {
    const d = new Date(Date.now() + COUNTY_OFFSET)
    return d.getUTCHours() * 60 + d.getUTCMinutes()
  }

  function renderSlots(node, item, today) {
    const ul = node.querySelector('.slots')
    ul.textContent = ''
    const done = {}
    for (const play of item.plays_today) done[play.slot] = {at: play.played_at, synced: true}
    for (const entry of pendingPlays()) {
      if (entry.id === item.id && entry.day === today && !done[entry.slot]) done[entry.slot] = {at: entry.played_at, synced: false}
    }
    for (const slot of item.play_times) {
      const li = document.createElement('li')
      li.dataset.slot = slot
      const time = document.createElement('span')
      time.className = 'slot-time'
      time.textContent = slot
      li.appendChild(time)
      const state = done[slot]
      const [hour, minute] = slot.split(':').map(Number)
      const early = hour * 60 + minute - 60 > countyMinutes()
      if (state) {
        const mark = document.createElement('span')
        mark.className = state.synced ? 'done' : 'pending'
        mark.textContent = (state.synced ? '✓ 已播放 ' : '✓ 已播放（待上传）') + clock(state.at)
        li.appendChild(mark)
      } else if (early) {
        const later = document.createElement('span')
        later.className = 'muted'
        later.textContent = '未到时间'
        li.appendChild(later)
      } else {
        const button = document.createElement('button')
        button.type = 'button'
        button.className = 'btn confirm'
        button.textContent = '确认已播放'
        button.setAttribute('aria-label', '确认 ' + slot + ' 已播放')
        button.addEventListener('click', () => confirm(item, slot, today))
        li.appendChild(button)
      }
      ul.appendChild(li)
    }
  }

  // --- play confirmations -------------------------------------------------------------------
  async function confirm(item, slot, today) {
    const queue = pendingPlays()
    queue.push({id: item.id, slot, day: today, played_at: new Date().toISOString()})
    savePending(queue)
    await flushQueue()
    if (current) await render(current)
  }

  let flushing = null
  function flushQueue() {
    if (!flushing) flushing = sendQueue().finally(() => (flushing = null))
    return flushing
  }

  async function sendQueue() {
    let queue = pendingPlays()
    while (queue.length) {
      const entry = queue[0]
      let response
      try {
        response = await fetch('/api/v1/village/broadcasts/' + entry.id + '/plays' + query, {
          method: 'POST',
          credentials: 'same-origin',
          headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf},
          body: JSON.stringify({slot: entry.slot, played_at: entry.played_at}),
        })
      } catch (err) {
        break // no signal: keep it for later
      }
      if (response.status === 401 || response.status === 403) {
        $('sync').hidden = false
        $('sync').textContent = '登录已过期，请重新登录后上传播放确认。'
        break
      }
      if (response.status >= 500) break
      queue = pendingPlays().slice(1)
      savePending(queue)
      if (response.ok && current) {
        const body = await response.json()
        const item = current.items.find(i => i.id === entry.id)
        if (item && body.play.day === current.today && !item.plays_today.some(p => p.slot === body.play.slot)) {
          item.plays_today.push(body.play)
        }
        localStorage.setItem(LIST_KEY, JSON.stringify(current))
      } else if (!response.ok) {
        let message = '播放确认未被接受'
        try {
          const error = (await response.json()).error
          message = Object.values(error.fields || {})[0] || error.message
        } catch (err) {}
        $('sync').hidden = false
        $('sync').textContent = message
        return
      }
    }
    if (!pendingPlays().length) savePending([])
  }

  // --- audio: resumable download, kept on the phone, played from there -----------------------
  // Cache keys (never fetched): Cache Storage ignores #fragments, so parts are paths.
  const audioKey = item => location.origin + '/village/kept-audio/' + item.id + '/' + item.audio.sha256

  async function keptAudio(item) {
    if (!item.audio || !('caches' in window)) return null
    const cache = await caches.open(AUDIO_CACHE)
    const kept = await cache.match(audioKey(item))
    return kept ? kept.blob() : null
  }

  async function renderAudio(node, item) {
    const state = node.querySelector('.audio-state')
    const download = node.querySelector('.download')
    const play = node.querySelector('.play')
    const player = node.querySelector('.player')
    const bar = node.querySelector('.download-progress')
    if (!item.audio) {
      state.textContent = '音频正在生成，请稍后刷新。'
      download.hidden = true
      return
    }
    const kept = await keptAudio(item)
    if (kept) {
      state.textContent = '已下载，没有信号也能播放（' + Math.round(item.audio.duration_s) + ' 秒）'
      download.hidden = true
      play.hidden = false
    } else {
      state.textContent = '尚未下载（' + Math.round(item.audio.size / 1024) + ' KB）'
    }
    download.addEventListener('click', async () => {
      download.disabled = true
      bar.hidden = false
      state.textContent = '正在下载…'
      try {
        await fetchAudio(item, pct => {
          bar.value = pct
          state.textContent = '正在下载… ' + pct + '%'
        })
        state.textContent = '已下载，没有信号也能播放（' + Math.round(item.audio.duration_s) + ' 秒）'
        download.hidden = true
        play.hidden = false
      } catch (err) {
        state.textContent = '下载中断，已下载的部分会保留，请点“继续下载”。'
        download.textContent = '继续下载'
      } finally {
        download.disabled = false
        bar.hidden = true
      }
    })
    play.addEventListener('click', async () => {
      const blob = await keptAudio(item)
      if (!blob) return
      if (player.dataset.url) URL.revokeObjectURL(player.dataset.url)
      player.dataset.url = URL.createObjectURL(blob)
      player.src = player.dataset.url
      player.hidden = false
      try {
        await player.play()
        state.textContent = '正在播放…'
      } catch (err) {
        state.textContent = '请点播放器上的播放键'
      }
    })
  }

  // Downloads in parts with Range; each part is kept as it arrives, so a broken link resumes
  // where it stopped. If-Range: if the file changed meanwhile, the server sends it whole.
  async function fetchAudio(item, progress) {
    const size = item.audio.size
    const key = audioKey(item)
    const parts = await caches.open(PARTS_CACHE)
    const count = Math.max(1, Math.ceil(size / CHUNK))
    const blobs = []
    for (let i = 0; i < count; i++) {
      const partKey = key + '/part-' + i
      let kept = await parts.match(partKey)
      if (!kept) {
        const start = i * CHUNK
        const end = Math.min(size, start + CHUNK) - 1
        const response = await fetch(item.audio.url + query, {
          credentials: 'same-origin',
          cache: 'no-store',
          headers: {Range: 'bytes=' + start + '-' + end, 'If-Range': '"' + item.audio.sha256 + '"'},
        })
        if (response.status !== 206) throw new Error('HTTP ' + response.status)
        const blob = await response.blob()
        if (blob.size !== end - start + 1) throw new Error('short part')
        await parts.put(partKey, new Response(blob))
        kept = await parts.match(partKey)
      }
      blobs.push(await kept.blob())
      progress(Math.round((100 * (i + 1)) / count))
    }
    const whole = new Blob(blobs, {type: 'audio/mpeg'})
    if (!(await sameFile(whole, item.audio.sha256))) {
      for (let i = 0; i < count; i++) await parts.delete(key + '/part-' + i)
      throw new Error('checksum mismatch')
    }
    const cache = await caches.open(AUDIO_CACHE)
    await cache.put(key, new Response(whole, {headers: {'Content-Type': 'audio/mpeg'}}))
    for (let i = 0; i < count; i++) await parts.delete(key + '/part-' + i)
  }

  async function sameFile(blob, sha256) {
    if (!(window.crypto && crypto.subtle)) return true
    const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer())
    const hex = Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, '0')).join('')
    return hex === sha256
  }

  // Files of scripts no longer on the list are removed from the phone.
  async function forgetOldAudio(data) {
    if (!('caches' in window)) return
    const wanted = new Set(data.items.filter(i => i.audio).map(audioKey))
    for (const name of [AUDIO_CACHE, PARTS_CACHE]) {
      const cache = await caches.open(name)
      for (const request of await cache.keys()) {
        if (!wanted.has(request.url.split('/part-')[0])) await cache.delete(request)
      }
    }
  }

  showNet()
  savePending(pendingPlays())
  flushQueue().then(load)
})()
