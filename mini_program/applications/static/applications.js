// The answer form: show only the reasons that belong to the chosen result type (the server
// checks them again). Without this script every group stays visible and still works.
'use strict'
;(function () {
  var select = document.getElementById('answer-result-type')
  if (!select) return
  var groups = document.querySelectorAll('.reason-group')
  function sync() {
    var result = select.value
    groups.forEach(function (group) {
      var own = group.getAttribute('data-result')
      // 部分公开 names why part is withheld with the reasons of 不予公开.
      var shown = own === result || (result === 'partial' && own === 'withhold')
      group.hidden = !shown
      if (!shown) {
        group.querySelectorAll('input[type=checkbox]').forEach(function (box) {
          box.checked = false
        })
      }
    })
  }
  select.addEventListener('change', sync)
  sync()
})()
