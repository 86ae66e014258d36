/* Map of initiatives (list page enhancement). Without JavaScript the page shows
   the list, which is the accessible alternative; this script reveals the map,
   loads the compact marker data and clusters it in chunks so 100,000 markers
   stay smooth. Popups are fetched only when opened. */
(function () {
  "use strict";

  var configNode = document.getElementById("map-config");
  var block = document.getElementById("map-block");
  if (!configNode || !block || typeof L === "undefined") {
    return;
  }
  var config = JSON.parse(configNode.textContent);
  var texts = config.texts;
  var status = document.getElementById("map-status");
  block.hidden = false;
  document.body.classList.add("has-map");

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  // SVG markers: clustering keeps only the visible, unclustered ones in the DOM.
  var map = L.map("map", { worldCopyJump: true }).setView(
    [46.6, 2.4],
    5
  );
  L.tileLayer(config.tileUrl, {
    attribution: config.attribution,
    maxZoom: 19,
  }).addTo(map);

  var clusters = L.markerClusterGroup({
    chunkedLoading: true,
    chunkInterval: 100,
    showCoverageOnHover: false,
    maxClusterRadius: 60,
  });
  map.addLayer(clusters);

  function popupUrl(id) {
    return config.popupUrl.replace(/0\.json$/, id + ".json");
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text) {
      node.textContent = text;
    }
    return node;
  }

  function popupContent(data) {
    var box = element("div", "map-popup");
    var title = element("p", "map-popup-title");
    var link = element("a", null, data.name);
    link.href = config.linkBase + data.url;
    if (config.linkBase) {
      link.target = "_top";
    }
    title.appendChild(link);
    box.appendChild(title);
    box.appendChild(element("p", "map-popup-meta", data.category + " · " + data.commune));
    if (data.summary) {
      box.appendChild(element("p", null, data.summary));
    }
    return box;
  }

  // One listener on the group for every marker (the group passes on its
  // markers' clicks): 100,000 listeners would cost a second to attach.
  clusters.on("click", function (event) {
    openPopup(event.layer);
  });

  function openPopup(marker) {
    if (marker.getPopup()) {
      return;
    }
    marker.bindPopup(texts.loading).openPopup();
    fetch(popupUrl(marker.options.initiativeId), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        marker.setPopupContent(popupContent(data));
      })
      .catch(function () {
        marker.setPopupContent(texts.failed);
      });
  }

  function showLegend(legend, used) {
    var list = document.getElementById("map-legend");
    if (!list) {
      return;
    }
    legend.forEach(function (entry, index) {
      if (!used[index]) {
        return;
      }
      var item = element("li");
      var swatch = element("span", "legend-swatch");
      swatch.setAttribute("aria-hidden", "true");
      swatch.style.backgroundColor = entry.colour;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(entry.name));
      list.appendChild(item);
    });
  }

  // Until the cluster group has taken every marker (seconds for 100,000),
  // a quick count per square of the screen, drawn like its clusters.
  var CELL_PX = 60;

  function overview(points) {
    var layer = L.layerGroup();
    var zoom = map.getZoom();
    var cells = {};
    points.forEach(function (point) {
      var pixel = map.project(point, zoom);
      var key = Math.floor(pixel.x / CELL_PX) + ":" + Math.floor(pixel.y / CELL_PX);
      var cell = cells[key] || (cells[key] = { n: 0, lat: 0, lon: 0 });
      cell.n += 1;
      cell.lat += point[0];
      cell.lon += point[1];
    });
    Object.keys(cells).forEach(function (key) {
      var cell = cells[key];
      var size = cell.n < 10 ? "small" : cell.n < 100 ? "medium" : "large";
      L.marker([cell.lat / cell.n, cell.lon / cell.n], {
        icon: L.divIcon({
          html: "<div><span>" + cell.n + "</span></div>",
          className: "marker-cluster marker-cluster-" + size,
          iconSize: L.point(40, 40),
        }),
        interactive: false,
        keyboard: false,
      }).addTo(layer);
    });
    return layer;
  }

  say(texts.loading);
  fetch(config.dataUrl, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) {
        throw new Error(response.status);
      }
      return response.json();
    })
    .then(function (data) {
      var used = {};
      var bounds = L.latLngBounds([]);
      var mainland = L.latLngBounds([]);
      var france = L.latLngBounds([41, -5.6], [51.2, 9.8]);
      // Format 2 (see the map data view): delta-encoded integer columns.
      // Decoded first, without creating any marker: the visitor sees the
      // counts per square before the 100,000 markers exist.
      var count = data.count;
      var ids = new Array(count);
      var points = new Array(count);
      var id = 0;
      var lat = 0;
      var lon = 0;
      for (var i = 0; i < count; i += 1) {
        id += data.ids[i];
        lat += data.lat[i];
        lon += data.lon[i];
        var point = [lat / data.scale, lon / data.scale];
        ids[i] = id;
        points[i] = point;
        bounds.extend(point);
        if (france.contains(point)) {
          mainland.extend(point);
        }
        used[data.kinds[i]] = true;
      }
      // Bounds from the data (the cluster group is still filling in, chunk by
      // chunk). Overseas points would zoom out to the whole world: frame
      // mainland France when it has points; zooming out shows the rest.
      var frame = mainland.isValid() ? mainland : bounds;
      if (frame.isValid()) {
        map.fitBounds(frame, { maxZoom: 13, padding: [20, 20] });
      }
      // Drawn at once, gone once the cluster group has taken every marker
      // and shows its own clusters.
      var sketch = overview(points).addTo(map);
      showLegend(data.legend, used);
      // The markers are made after the sketch has been painted: creating
      // 100,000 of them takes a while on a phone.
      window.setTimeout(function () {
        var markers = new Array(count);
        for (var j = 0; j < count; j += 1) {
          var entry = data.legend[data.kinds[j]] || { colour: "#1f4e8c" };
          markers[j] = L.circleMarker(points[j], {
            radius: 7,
            color: "#ffffff",
            weight: 2,
            fillColor: entry.colour,
            fillOpacity: 1,
            initiativeId: ids[j],
          });
        }
        clusters.options.chunkProgress = function (processed, total) {
          if (processed === total) {
            map.removeLayer(sketch);
          }
        };
        clusters.addLayers(markers);
        say(texts.loaded.replace("%(count)s", count.toLocaleString("fr-FR")));
        block.setAttribute("data-markers", String(count));
      }, 0);
    })
    .catch(function () {
      say(texts.failed);
    });
})();
