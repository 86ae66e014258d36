// Live preview of the paste importer: the server parses, this only asks it
// again while the facilitator types. Without JS the "preview" button does it.
(function () {
  "use strict";
  var form = document.getElementById("import-form");
  var target = document.getElementById("import-preview");
  if (!form || !target || !window.fetch) {
    return;
  }
  var textarea = form.querySelector("textarea[name=text]");
  var timer = null;
  var pending = null;

  var maxChars = parseInt(textarea.dataset.maxChars || "0", 10);

  function tooLong() {
    return maxChars > 0 && textarea.value.length > maxChars;
  }

  function showTooLong() {
    var message = document.createElement("p");
    message.className = "field-error";
    message.textContent = target.dataset.tooLong;
    target.replaceChildren(message);
  }

  // A body over the server's upload limit would get a bare error page: say it here.
  form.addEventListener("submit", function (event) {
    if (tooLong()) {
      event.preventDefault();
      showTooLong();
      textarea.focus();
    }
  });

  function refresh() {
    if (tooLong()) {
      showTooLong();
      return;
    }
    if (pending) {
      pending.abort();
    }
    pending = new AbortController();
    var data = new FormData(form);
    fetch(form.dataset.previewUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      signal: pending.signal,
      headers: { "X-Requested-With": "fetch" },
    })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null) {
          return;
        }
        // The fragment is rendered (and escaped) by Django's templates.
        var doc = new DOMParser().parseFromString(html, "text/html");
        target.replaceChildren.apply(target, Array.from(doc.body.childNodes));
        target.dataset.state = "live";
        fillRecognised();
      })
      .catch(function () {});
  }

  // Title, date and place read off the first line fill the fields the
  // facilitator left empty (or that this script filled before), to be checked.
  function fillRecognised() {
    var recognised = document.getElementById("recognised");
    var fields = { title: "title", starts_on: "date", territory: "place" };
    Object.keys(fields).forEach(function (name) {
      var input = form.querySelector("[name=" + name + "]");
      if (!input) {
        return;
      }
      var value = recognised ? recognised.dataset[fields[name]] || "" : "";
      if (input.value === "" || input.value === input.dataset.filled) {
        input.value = value;
        input.dataset.filled = value;
      }
    });
  }

  textarea.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
})();
