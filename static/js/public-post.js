/* KOBE ぽすと post form: choose the place by tapping the map or by the phone's position. */
(function () {
  "use strict";
  var mapElement = document.getElementById("public-map");
  var lat = document.getElementById("id_lat");
  var lng = document.getElementById("id_lng");
  var status = document.getElementById("position-status");
  var button = document.getElementById("use-current-position");
  var messagesNode = document.getElementById("position-messages");
  if (!mapElement || !lat || !lng || !messagesNode) { return; }
  var text = JSON.parse(messagesNode.textContent);
  var marker = null;

  function place(map, latitude, longitude, message) {
    lat.value = latitude.toFixed(6);
    lng.value = longitude.toFixed(6);
    if (marker) { marker.setLatLng([latitude, longitude]); }
    else {
      marker = L.circleMarker([latitude, longitude], {
        radius: 10, color: "#ec0000", weight: 3, fillColor: "#ffffff", fillOpacity: 0.9
      }).addTo(map);
    }
    status.textContent = message;
  }

  function setUp(map) {
    if (lat.value && lng.value) {
      place(map, parseFloat(lat.value), parseFloat(lng.value), text.chosen);
      map.setView([parseFloat(lat.value), parseFloat(lng.value)], 16);
    }
    map.on("click", function (event) {
      place(map, event.latlng.lat, event.latlng.lng, text.chosen);
    });
    if (!button) { return; }
    if (!("geolocation" in navigator)) { button.hidden = true; return; }
    button.addEventListener("click", function () {
      status.textContent = text.locating;
      navigator.geolocation.getCurrentPosition(function (position) {
        place(map, position.coords.latitude, position.coords.longitude, text.located);
        map.setView([position.coords.latitude, position.coords.longitude], 17);
      }, function () {
        status.textContent = text.failed;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  if (window.kobepostMap) { setUp(window.kobepostMap); }
  else { mapElement.addEventListener("kobepost:map-ready", function (e) { setUp(e.detail.map); }); }
})();

/* Preview of the photos chosen, before sending (nothing leaves the phone until then). */
(function () {
  "use strict";
  var input = document.getElementById("id_photos");
  var list = document.getElementById("photo-previews");
  if (!input || !list || !window.URL) { return; }
  input.addEventListener("change", function () {
    list.textContent = "";
    Array.prototype.forEach.call(input.files, function (file, index) {
      var item = document.createElement("li");
      var image = document.createElement("img");
      image.src = URL.createObjectURL(file);
      image.width = 96;
      image.alt = (list.getAttribute("aria-label") || "") + " " + (index + 1);
      // HEIC cannot be shown by most browsers: the file name stands in for it.
      image.addEventListener("error", function () { item.textContent = file.name; });
      item.appendChild(image);
      list.appendChild(item);
    });
    list.hidden = input.files.length === 0;
  });
})();
