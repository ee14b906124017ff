// Console helpers for the consultation pages (the CSP forbids inline scripts).
'use strict'
document.addEventListener('click', function (event) {
  var reuse = event.target.closest('.reuse-answer')
  if (reuse) {
    var box = document.getElementById('answer-text')
    if (box) {
      box.value = reuse.getAttribute('data-answer') || ''
      box.focus()
    }
    return
  }
  if (event.target.closest('.print-page')) {
    window.print()
  }
})
