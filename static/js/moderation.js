// Moderation pages: choosing a ready-made refusal reason fills the text box,
// where the moderator can still edit it before sending. Without JS the server
// sends the ready-made text when the box is left empty.
(function () {
  "use strict";
  var node = document.getElementById("rejection-texts");
  if (!node) { return; }
  var texts = JSON.parse(node.textContent);
  document.querySelectorAll("[data-reject-reasons]").forEach(function (box) {
    var preset = box.querySelector("select");
    var reason = box.querySelector("textarea");
    if (!preset || !reason) { return; }
    preset.addEventListener("change", function () {
      if (texts[preset.value]) {
        reason.value = texts[preset.value];
        reason.focus();
      }
    });
  });
})();
