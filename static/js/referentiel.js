// Self-assessment result: a print button (printing also works from the browser
// menu, so the button only appears when JavaScript runs), and selecting the
// private address in one click to copy it.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
  var url = document.getElementById("private-url");
  if (url) {
    url.addEventListener("focus", function () {
      url.select();
    });
  }
})();
