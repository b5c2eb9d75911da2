/* KOBE ぽすと: a Leaflet map of posts (#public-map), data from json_script.
   With data-picker="1" the map also picks a point (see public-post.js). */
(function () {
  "use strict";
  var element = document.getElementById("public-map");
  var settingsNode = document.getElementById("map-settings");
  if (!element || !settingsNode || typeof L === "undefined") { return; }
  var settings = JSON.parse(settingsNode.textContent);
  var pointsNode = document.getElementById("map-points");
  var points = pointsNode ? JSON.parse(pointsNode.textContent) || [] : [];

  var map = L.map(element, {
    center: settings.center, zoom: settings.zoom,
    minZoom: settings.minZoom, maxZoom: settings.maxZoom
  });
  // No map image (no tile server configured, or tiles that fail): say so plainly, and how
  // to give the place anyway.
  var noticeShown = false;
  function noTiles() {
    if (noticeShown || !settings.text) { return; }
    noticeShown = true;
    var notice = document.createElement("p");
    notice.className = "map-notice";
    notice.setAttribute("role", "status");
    notice.textContent = element.dataset.picker ? settings.text.noTilesPicker : settings.text.noTiles;
    element.parentNode.insertBefore(notice, element);
    element.classList.add("public-map--no-tiles");
  }
  if (settings.tileUrl) {
    L.tileLayer(settings.tileUrl, { attribution: settings.attribution, maxZoom: settings.maxZoom })
      .on("tileerror", noTiles).addTo(map);
  } else {
    noTiles();
  }

  var bounds = [];
  points.forEach(function (point) {
    var marker = L.circleMarker([point.lat, point.lng], {
      radius: 9, color: "#0017c1", weight: 3, fillColor: "#ffffff", fillOpacity: 0.9
    }).addTo(map);
    if (point.url) {
      var link = document.createElement("a");
      link.href = point.url;
      link.textContent = point.title;
      marker.bindPopup(link);
    } else if (point.title) {
      marker.bindTooltip(point.title);
    }
    bounds.push([point.lat, point.lng]);
  });
  if (bounds.length === 1) { map.setView(bounds[0], 16); }
  else if (bounds.length > 1) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 }); }

  window.kobepostMap = map;
  element.dispatchEvent(new CustomEvent("kobepost:map-ready", { detail: { map: map } }));
})();
