// The hall terminal: ID-card readers that type like a keyboard, an on-screen keypad, the
// organisation fields, printing, and returning to the start screen when a visitor walks away.
'use strict'
;(function () {
  var ID_RE = /^[0-9]{17}[0-9X]$/

  // --- idle: clear the session and go home, so the next visitor sees nothing of this one ---
  var idleSeconds = Number(document.body.getAttribute('data-idle-seconds') || 0)
  var endForm = document.getElementById('end-form')
  var note = document.getElementById('idle-note')
  var idleTimer = null
  var warnTimer = null
  function resetIdle() {
    if (!idleSeconds || !endForm) return
    clearTimeout(idleTimer)
    clearTimeout(warnTimer)
    if (note) note.hidden = true
    warnTimer = setTimeout(function () { if (note) note.hidden = false }, Math.max(0, idleSeconds - 15) * 1000)
    idleTimer = setTimeout(function () { endForm.submit() }, idleSeconds * 1000)
  }
  ;['pointerdown', 'keydown', 'touchstart', 'input'].forEach(function (name) {
    document.addEventListener(name, resetIdle, {passive: true})
  })
  resetIdle()

  // --- the ID-card reader: a burst of keystrokes ending with Enter ---------------------------
  // Readers type the 18-character number within a few milliseconds per key and press Enter.
  // Wherever the focus is, a burst that forms an ID number goes to the ID field; Enter in the
  // ID field moves on instead of submitting the half-filled form.
  var idField = document.querySelector('[data-card-reader]')
  var tailField = document.querySelector('[data-tail]')
  var burst = ''
  var lastKey = 0
  document.addEventListener('keydown', function (event) {
    var now = Date.now()
    if (now - lastKey > 80) burst = ''
    lastKey = now
    if (event.key && event.key.length === 1 && /[0-9xX]/.test(event.key)) {
      burst += event.key.toUpperCase()
      return
    }
    if (event.key !== 'Enter') return
    var typed = burst
    burst = ''
    var target = event.target
    if (ID_RE.test(typed)) {
      var destination = idField || tailField
      if (destination && target !== destination && target && typeof target.value === 'string') {
        // The reader typed into another field: take the number back out of it.
        var value = target.value.toUpperCase()
        if (value.slice(-typed.length) === typed) target.value = target.value.slice(0, -typed.length)
      }
      if (destination) {
        event.preventDefault()
        destination.value = destination === tailField ? typed.slice(-6) : typed
        var next = destination === idField ? document.getElementById('name') : document.getElementById('submit-query')
        if (next) next.focus()
        return
      }
    }
    if (target === idField) {
      event.preventDefault()
      var name = document.getElementById('name')
      if (name) name.focus()
    }
  }, true)

  // --- organisation fields ---------------------------------------------------------------
  var typeRadios = document.querySelectorAll('input[name="applicant_type"]')
  function syncOrg() {
    var checked = document.querySelector('input[name="applicant_type"]:checked')
    var org = checked && checked.value === 'organisation'
    document.querySelectorAll('.org-only').forEach(function (el) {
      el.classList.toggle('is-hidden', !org)
    })
  }
  typeRadios.forEach(function (radio) { radio.addEventListener('change', syncOrg) })
  if (typeRadios.length) syncOrg()

  // --- the on-screen keypad for the query fields -----------------------------------------
  var keypadInputs = document.querySelectorAll('[data-keypad]')
  var active = keypadInputs[0] || null
  keypadInputs.forEach(function (input) {
    input.addEventListener('focus', function () { active = input })
  })
  document.querySelectorAll('.key').forEach(function (button) {
    button.addEventListener('click', function () {
      if (!active) return
      var key = button.getAttribute('data-key')
      if (key === 'back') active.value = active.value.slice(0, -1)
      else if (active.value.length < Number(active.getAttribute('maxlength') || 32)) active.value += key
      active.focus()
    })
  })

  // --- printing ----------------------------------------------------------------------------
  document.querySelectorAll('[data-print]').forEach(function (button) {
    button.addEventListener('click', function () { window.print() })
  })
})()
