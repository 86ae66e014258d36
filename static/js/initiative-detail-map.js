// The small map of the detail page; the address and coordinates above it are
// the text equivalent and stay the reference without JS.
(function () {
  "use strict";
  var node = document.getElementById("detail-map");
  var configNode = document.getElementById("detail-map-config");
  if (!node || !configNode || !window.L) { return; }
  var config = JSON.parse(configNode.textContent);
  node.hidden = false;
  var point = [config.lat, config.lon];
  var map = L.map(node, { scrollWheelZoom: false }).setView(point, 15);
  L.tileLayer(config.tileUrl, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
  L.marker(point, { title: config.name, alt: config.name }).addTo(map);
})();
