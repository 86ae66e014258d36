// Suggestions for territory inputs (observatoire.fields.TerritoryField).
//
// Progressive enhancement: the field works as plain text without this script.
// Each input[data-territory-search] gets a native <datalist>, filled from the
// JSON endpoint named in the attribute, so browsers and screen readers present
// the suggestions with their own accessible list.
//
// A suggestion's label may be shared ("Bretagne" is a région and a commune):
// picking one also writes its identity (slug) into a hidden "<name>-choisi"
// input, which the server prefers to the typed text. Typing anything else
// clears it.
(function () {
  "use strict";

  var DELAY_MS = 200;
  var MIN_LENGTH = 2;
  var counter = 0;

  function enhance(input) {
    var url = input.getAttribute("data-territory-search");
    if (!url || input.hasAttribute("list")) {
      return;
    }
    counter += 1;
    var list = document.createElement("datalist");
    list.id = (input.id || "territory") + "-suggestions-" + counter;
    input.insertAdjacentElement("afterend", list);
    input.setAttribute("list", list.id);

    var timer = null;
    var controller = null;
    var chosen = document.createElement("input");
    chosen.type = "hidden";
    chosen.name = input.name + "-choisi";
    chosen.disabled = true; // not sent until a suggestion is picked
    list.insertAdjacentElement("afterend", chosen);

    function suggestion(value) {
      return Array.prototype.find.call(list.options, function (option) {
        return option.value === value;
      });
    }

    function remember(option) {
      chosen.value = option ? option.getAttribute("data-slug") : "";
      chosen.disabled = !option;
    }

    function render(results) {
      var options = results.map(function (item) {
        var option = document.createElement("option");
        option.value = item.label;
        option.setAttribute("data-slug", item.slug);
        var details = [item.kind_label];
        if (item.postal_codes && item.postal_codes.length) {
          details.push(item.postal_codes.slice(0, 3).join(" "));
        }
        option.textContent = details.join(" · ");
        return option;
      });
      list.replaceChildren.apply(list, options);
    }

    function load(query) {
      if (controller) {
        controller.abort();
      }
      controller = new AbortController();
      var separator = url.indexOf("?") === -1 ? "?" : "&";
      fetch(url + separator + "q=" + encodeURIComponent(query), {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller.signal,
      })
        .then(function (response) {
          return response.ok ? response.json() : { results: [] };
        })
        .then(function (data) {
          render(data.results || []);
        })
        .catch(function (error) {
          if (error.name !== "AbortError") {
            render([]);
          }
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      var query = input.value.trim();
      var picked = suggestion(input.value);
      remember(picked);
      // Picking a suggestion also fires "input": nothing more to fetch then.
      if (query.length < MIN_LENGTH || picked) {
        return;
      }
      timer = window.setTimeout(function () {
        load(query);
      }, DELAY_MS);
    });
  }

  function init() {
    document.querySelectorAll("input[data-territory-search]").forEach(enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
