// Self-assessment result: a print button (printing also works from the browser
// menu, so the button only appears when JavaScript runs), selecting the
// private address in one click, and « Copier le lien ».
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
  // « Copier le lien »: hidden without JavaScript, where the selectable field
  // and its instructions are the way to copy.
  var status = document.querySelector("[data-copy-status]");
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () {
        if (status) {
          status.textContent = status.getAttribute("data-copied");
        }
      };
      field.select();
      // The selection copied within the click itself works everywhere; the
      // asynchronous clipboard API is the fallback.
      var copied = false;
      try {
        copied = document.execCommand("copy");
      } catch (error) {
        copied = false;
      }
      if (copied) {
        done();
      } else if (navigator.clipboard) {
        navigator.clipboard.writeText(field.value).then(done);
      }
    });
  });
})();
