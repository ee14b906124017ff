// The village page's service worker: the page, its files and the last list of scripts stay on
// the phone, so the page opens without signal. Network first (fresh when there is signal),
// the kept copy when there is none. Audio files are kept by the page itself (Cache Storage).
'use strict'

const SHELL = 'village-shell-v1'
const SHELL_FILES = ['/village', '/village/static/village.js', '/village/static/village.css', '/static/favicon.svg']
const KEPT_PATHS = ['/village', '/api/v1/village/broadcasts']

self.addEventListener('install', event => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then(cache => cache.addAll(SHELL_FILES))
      .then(() => self.skipWaiting()),
  )
})

self.addEventListener('activate', event => {
  event.waitUntil(
    caches
      .keys()
      .then(keys => Promise.all(keys.filter(k => k.startsWith('village-shell-') && k !== SHELL).map(k => caches.delete(k))))
      .then(() => self.clients.claim()),
  )
})

self.addEventListener('fetch', event => {
  const request = event.request
  if (request.method !== 'GET') return
  const url = new URL(request.url)
  if (url.origin !== self.location.origin) return
  if (KEPT_PATHS.includes(url.pathname) || url.pathname.startsWith('/village/static/')) {
    event.respondWith(networkFirst(request))
  }
})

async function networkFirst(request) {
  const cache = await caches.open(SHELL)
  try {
    const response = await fetch(request)
    // A signed-out visit is redirected to the login page: that is not the page to keep.
    if (response.ok && !response.redirected) await cache.put(request, response.clone())
    return response
  } catch (err) {
    const kept = await cache.match(request)
    if (kept) return kept
    throw err
  }
}
