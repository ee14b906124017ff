// The query terminal: back to the start screen after a stretch without touch, and a "back"
// button (terminals have no browser chrome). No inline script: the page's CSP forbids it.
(function () {
  'use strict'
  var body = document.body
  var seconds = parseInt(body.getAttribute('data-idle-seconds'), 10) || 120
  var home = body.getAttribute('data-home') || '/hall'
  var timer = null

  function goHome() {
    // The start screen itself is reloaded too: a half-typed search must not wait for the
    // next visitor.
    window.location.assign(home)
  }

  function restart() {
    if (timer !== null) window.clearTimeout(timer)
    timer = window.setTimeout(goHome, seconds * 1000)
  }

  ;['pointerdown', 'touchstart', 'keydown', 'wheel', 'scroll', 'input'].forEach(function (name) {
    window.addEventListener(name, restart, {passive: true, capture: true})
  })
  restart()

  var back = document.querySelector('[data-back]')
  if (back) {
    back.addEventListener('click', function () {
      if (window.history.length > 1) window.history.back()
      else goHome()
    })
  }
})()
