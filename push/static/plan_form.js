// The plan form: group buttons tick the accounts of a group (or clear them); nothing else
// needs script, and the form works without it (the group select does the same on the server).
(function () {
  "use strict";
  var buttons = document.getElementById("group-buttons");
  if (!buttons) return;
  buttons.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-accounts]");
    if (!button) return;
    var wanted = button.getAttribute("data-accounts").split(" ").filter(Boolean);
    var boxes = document.querySelectorAll('input[name="accounts"]');
    var clearing = wanted.length === 0;
    boxes.forEach(function (box) {
      if (clearing) box.checked = false;
      else if (wanted.indexOf(box.value) !== -1) box.checked = true;
    });
  });
})();
