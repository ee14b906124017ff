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

  // --- the ID-card reader: it types the 18-character number and presses Enter -------------
  // Wherever the focus is, a run of digits (and X) ending with Enter whose last 18 characters
  // form a resident ID number with a correct check digit goes to the ID field (and out of the
  // field it was typed into); Enter in the ID field moves on instead of submitting the
  // half-filled form. The check digit, not the typing speed, tells a number from other input,
  // so a busy terminal cannot miss it.
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
  function isIdNumber(text) {
    if (!ID_RE.test(text)) return false
    var sum = 0
    for (var i = 0; i < 17; i++) sum += Number(text[i]) * WEIGHTS[i]
    return '10X98765432'[sum % 11] === text[17]
  }
  var idField = document.querySelector('[data-card-reader]')
  var tailField = document.querySelector('[data-tail]')
  var run = ''
  document.addEventListener('keydown', function (event) {
    if (event.key && event.key.length === 1 && /[0-9xX]/.test(event.key)) {
      run = (run + event.key.toUpperCase()).slice(-18)
      return
    }
    if (event.key !== 'Enter') {
      if (event.key !== 'Shift') run = ''
      return
    }
    var typed = run
    run = ''
    var target = event.target
    var destination = idField || tailField
    if (isIdNumber(typed) && destination) {
      event.preventDefault()
      if (target !== destination && target && typeof target.value === 'string') {
        var value = target.value.toUpperCase()
        if (value.slice(-typed.length) === typed) target.value = target.value.slice(0, -typed.length)
      }
      destination.value = destination === tailField ? typed.slice(-6) : typed
      var next = destination === idField ? document.getElementById('name') : document.getElementById('submit-query')
      if (next) next.focus()
      return
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
