// Enhances the submission form: a click on the map fills latitude/longitude,
// typed coordinates move the marker, and (when the address API is configured)
// a button places the point from the address. Without JS the fields are typed.
(function () {
  "use strict";
  var holder = document.querySelector("[data-point-picker]");
  var configNode = document.getElementById("point-picker-config");
  var lat = document.getElementById("id_latitude");
  var lon = document.getElementById("id_longitude");
  if (!holder || !configNode || !lat || !lon || !window.L) { return; }
  var config = JSON.parse(configNode.textContent);
  holder.hidden = false;

  var map = L.map("point-picker-map").setView(config.center, config.zoom);
  // The picker sits in a folded <details>: a map drawn while hidden has no
  // size, so it is measured again when the person unfolds it.
  var fold = holder.closest("details");
  if (fold) {
    fold.addEventListener("toggle", function () {
      if (fold.open) { map.invalidateSize(); fromFields(); }
    });
  }
  L.tileLayer(config.tileUrl, { attribution: config.attribution, maxZoom: 19 }).addTo(map);
  var marker = null;

  function place(latitude, longitude, zoom) {
    var point = [latitude, longitude];
    if (marker) { marker.setLatLng(point); } else { marker = L.marker(point).addTo(map); }
    if (zoom) { map.setView(point, Math.max(map.getZoom(), 15)); }
  }

  function fromFields() {
    var a = parseFloat(lat.value), b = parseFloat(lon.value);
    if (!isNaN(a) && !isNaN(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) {
      place(a, b, true);
    }
  }

  map.on("click", function (event) {
    lat.value = event.latlng.lat.toFixed(6);
    lon.value = event.latlng.lng.toFixed(6);
    place(event.latlng.lat, event.latlng.lng, false);
  });
  lat.addEventListener("change", fromFields);
  lon.addEventListener("change", fromFields);
  fromFields();

  var address = document.getElementById("id_address");
  if (!config.geocodeUrl || !address) { return; }
  var commune = document.getElementById("id_commune");
  var button = document.createElement("button");
  button.type = "button";
  button.className = "button button-secondary geocode-button";
  button.textContent = config.texts.button;
  var status = document.createElement("p");
  status.className = "help";
  status.setAttribute("role", "status");
  // Next to the address it reads, outside the folded « placer sur la carte ».
  var addressField = address.closest(".field") || address;
  addressField.insertAdjacentElement("afterend", status);
  addressField.insertAdjacentElement("afterend", button);

  button.addEventListener("click", function () {
    var params = new URLSearchParams({
      adresse: address.value,
      commune: commune ? commune.value : ""
    });
    status.textContent = config.texts.searching;
    fetch(config.geocodeUrl + "?" + params.toString(), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(); })
      .then(function (found) {
        lat.value = found.latitude.toFixed(6);
        lon.value = found.longitude.toFixed(6);
        if (fold && !fold.open) { fold.open = true; }
        place(found.latitude, found.longitude, true);
        status.textContent = config.texts.found.replace("%(label)s", found.label);
      })
      .catch(function () { status.textContent = config.texts.notFound; });
  });
})();
