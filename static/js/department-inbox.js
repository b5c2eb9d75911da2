// Department inbox: map of open cases in the visible area, and a quiet auto-refresh.
// Both requests carry X-Kobepost-Background so that they never keep the session alive.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("inbox-config").textContent);
  var BACKGROUND = { "X-Kobepost-Background": "1" };
  var COLOURS = { received: "#d32f2f", in_progress: "#f57c00", answered: "#1565c0", citizen_answered: "#2e7d32" };

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  // --- list refresh -------------------------------------------------------------------
  function refreshList() {
    if (document.hidden) return;
    fetch(window.location.href, { headers: BACKGROUND, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error("refresh failed");
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("inbox-list");
        var current = document.getElementById("inbox-list");
        if (fresh && current && !current.contains(document.activeElement)) {
          current.innerHTML = fresh.innerHTML;
        }
      })
      .catch(function () { /* keep the list as it is; the next round tries again */ });
  }
  window.setInterval(refreshList, config.refreshSeconds * 1000);

  // --- map ----------------------------------------------------------------------------
  var element = document.getElementById("inbox-map");
  var status = document.getElementById("map-status");
  if (!element || typeof L === "undefined") return;
  var map = L.map(element, { minZoom: config.minZoom, maxZoom: config.maxZoom })
    .setView(config.center, config.zoom);
  // Without a map image (no tile server configured, or tiles that fail) the map says so
  // plainly: the cases are still drawn as points on a plain background.
  var notice = document.getElementById("inbox-map-notice");
  function noTiles() {
    if (notice) notice.hidden = false;
    element.classList.add("inbox-map--no-tiles");
  }
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.attribution, maxZoom: config.maxZoom })
      .on("tileerror", noTiles).addTo(map);
  } else {
    noTiles();
  }
  var layer = L.layerGroup().addTo(map);
  var pending = null;

  function link(point) {
    var anchor = document.createElement("a");
    anchor.href = point.url;
    anchor.textContent = point.reference + " " + point.title;
    var wrapper = document.createElement("div");
    wrapper.appendChild(anchor);
    var label = document.createElement("div");
    label.textContent = config.statusLabels[point.status] || point.status;
    wrapper.appendChild(label);
    return wrapper;
  }

  function draw(data) {
    layer.clearLayers();
    data.points.forEach(function (point) {
      L.circleMarker([point.lat, point.lng], {
        radius: point.urgent ? 10 : 7,
        color: point.overdue ? "#000" : "#fff",
        weight: point.overdue ? 3 : 2,
        fillColor: COLOURS[point.status] || "#555",
        fillOpacity: 0.9
      }).bindPopup(link(point)).bindTooltip(point.reference).addTo(layer);
    });
    data.clusters.forEach(function (cluster) {
      var size = Math.min(56, 24 + Math.round(Math.log(cluster.count) * 6));
      L.marker([cluster.lat, cluster.lng], {
        icon: L.divIcon({ className: "map-cluster", html: String(cluster.count), iconSize: [size, size] }),
        title: format(config.text.cluster, { count: cluster.count }),
        keyboard: true
      }).on("click", function () { map.setView([cluster.lat, cluster.lng], map.getZoom() + 2); })
        .addTo(layer);
    });
    status.textContent = format(config.text.count, { count: data.total });
  }

  function load() {
    var bounds = map.getBounds();
    var bbox = [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()]
      .map(function (value) { return value.toFixed(5); }).join(",");
    if (pending) pending.abort();
    pending = new AbortController();
    fetch(config.dataUrl + "?bbox=" + bbox, { headers: BACKGROUND, credentials: "same-origin", signal: pending.signal })
      .then(function (response) { if (!response.ok) throw new Error("map"); return response.json(); })
      .then(draw)
      .catch(function (error) { if (error.name !== "AbortError") status.textContent = config.text.failed; });
  }
  map.on("moveend", load);
  load();
  window.setInterval(function () { if (!document.hidden) load(); }, config.refreshSeconds * 1000);
})();
