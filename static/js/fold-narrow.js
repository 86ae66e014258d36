// Folds <details data-fold-narrow> on narrow screens, where they would push
// the page's main content (results, map) below the first screen. They are
// open in the HTML, so that without JavaScript nothing is hidden.
(function () {
  "use strict";
  if (!window.matchMedia("(max-width: 50rem)").matches) {
    return;
  }
  document.querySelectorAll("details[data-fold-narrow]").forEach(function (details) {
    details.open = false;
  });
})();
