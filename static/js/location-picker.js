/* Location picker: address / postal code search, a Leaflet map with a draggable marker,
   and the ward and address proposed from the point (both editable). Everything comes from
   our own server: tiles from MAP_TILE_URL, look-ups from /geo/. Without tiles (none
   configured, or they fail to load) the map says so and draws town points to click.

   The map is ONE keyboard control (one Tab stop): the arrow keys move a pending point,
   Enter sets it, Esc or leaving the map drops it, + / - zoom. Leaflet's own keyboard
   handling, the marker, the zoom buttons and the town points are kept out of the Tab
   order, so Tab goes on to the ward. Config: json_script "location-picker-config" (see
   tickets/templatetags/location_picker.py). */
(function () {
  "use strict";

  var configElement = document.getElementById("location-picker-config");
  var mapElement = document.getElementById("location-map");
  if (!configElement || !mapElement || !window.L) {
    return;
  }
  var config = JSON.parse(configElement.textContent);
  var text = config.text;

  var latInput = document.getElementById("id_latitude");
  var lngInput = document.getElementById("id_longitude");
  var addressInput = document.getElementById("id_address");
  var wardSelect = document.getElementById("id_ward");
  var searchInput = document.getElementById("location-search-input");
  var searchButton = document.getElementById("location-search-button");
  var resultsList = document.getElementById("location-results");
  var searchStatus = document.getElementById("location-search-status");
  var pointStatus = document.getElementById("location-point-status");
  var notice = document.getElementById("location-map-notice");
  var addressAuto = document.getElementById("location-address-auto");

  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (match, key) {
      return key in values ? String(values[key]) : match;
    });
  }

  // The address typed and the point chosen are often the caller's home: posted, never in a
  // URL. The town points of the map's view are a plain GET (static/js/lookup.js).
  var postJson = window.kobepostJson.post;
  var getJson = window.kobepostJson.get;

  function debounce(callback, delay) {
    var timer = null;
    function debounced() {
      var args = arguments;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        timer = null;
        callback.apply(null, args);
      }, delay);
    }
    debounced.cancel = function () {
      window.clearTimeout(timer);
      timer = null;
    };
    return debounced;
  }

  /* ---- Map and point ---------------------------------------------------------------- */

  var map = L.map(mapElement, {
    zoomControl: false,
    keyboard: false, /* the arrows move the point, not the map (see below) */
    minZoom: config.minZoom,
    maxZoom: config.maxZoom,
  });
  L.control.zoom({ zoomInTitle: text.zoomIn, zoomOutTitle: text.zoomOut }).addTo(map);
  map.attributionControl.setPrefix(false);
  /* + and - on the map do the same: the buttons are for the mouse, not Tab stops. */
  Array.prototype.forEach.call(
    mapElement.querySelectorAll(".leaflet-control-zoom a"),
    function (button) { button.setAttribute("tabindex", "-1"); }
  );

  var marker = null;
  var wardRequest = 0;

  function readPoint() {
    var lat = parseFloat(latInput && latInput.value);
    var lng = parseFloat(lngInput && lngInput.value);
    if (isFinite(lat) && isFinite(lng)) {
      return L.latLng(lat, lng);
    }
    return null;
  }

  function setWard(code) {
    if (!wardSelect || !code || wardSelect.value === code) {
      return;
    }
    wardSelect.value = code;
    wardSelect.dispatchEvent(new Event("change", { bubbles: true }));
  }

  /* The address follows the point while nobody typed one: it is replaced only when empty
     or still what the picker itself proposed for the previous point. */
  function proposeAddress(address) {
    if (!addressInput || !address) {
      return;
    }
    var current = addressInput.value.trim();
    if (current === "" || (addressAuto && current === addressAuto.value)) {
      addressInput.value = address;
      if (addressAuto) { addressAuto.value = address; }
      addressInput.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }

  function announce() {
    document.dispatchEvent(
      new CustomEvent("location:change", {
        detail: { lat: latInput.value, lng: lngInput.value },
      })
    );
  }

  function placeMarker(latlng) {
    if (marker) {
      marker.setLatLng(latlng);
      return;
    }
    marker = L.marker(latlng, {
      draggable: true,
      keyboard: false, /* the map itself is the keyboard control */
      title: text.marker,
      alt: text.marker,
    }).addTo(map);
    marker.on("dragend", function () {
      setPoint(marker.getLatLng(), {});
    });
  }

  /* known: {ward, place, address} when the caller already knows them (search, town point). */
  function setPoint(latlng, known) {
    placeMarker(latlng);
    marker.getElement() && marker.getElement().classList.remove("is-pending");
    latInput.value = latlng.lat.toFixed(6);
    lngInput.value = latlng.lng.toFixed(6);
    var request = ++wardRequest;
    if (known.ward) {
      setWard(known.ward);
      proposeAddress(known.address);
      pointStatus.textContent = format(text.pointSet, { place: known.place });
      announce();
      return;
    }
    postJson(config.wardUrl, { lat: latInput.value, lng: lngInput.value })
      .then(function (body) {
        if (request !== wardRequest) {
          return;
        }
        if (body.ward) {
          setWard(body.ward);
          proposeAddress(body.address);
          pointStatus.textContent = format(text.pointSet, {
            place: body.ward_name + body.town,
          });
        } else {
          pointStatus.textContent = text.pointOutside;
        }
        announce();
      })
      .catch(function () {
        if (request === wardRequest) {
          pointStatus.textContent = text.pointOutside;
          announce();
        }
      });
  }

  map.on("click", function (event) {
    setPoint(event.latlng, {});
  });

  /* ---- Keyboard: the arrows move a pending point, Enter sets it ---------------------- */

  var STEP_PX = 12;
  var BIG_STEP_PX = 60;
  var pending = null;
  var KEY_MOVES = {
    ArrowUp: [0, -1],
    ArrowDown: [0, 1],
    ArrowLeft: [-1, 0],
    ArrowRight: [1, 0],
  };

  function dropPending(message) {
    if (!pending) {
      return;
    }
    pending = null;
    var committed = readPoint();
    if (committed) {
      placeMarker(committed);
      marker.getElement() && marker.getElement().classList.remove("is-pending");
    } else if (marker) {
      map.removeLayer(marker);
      marker = null;
    }
    pointStatus.textContent = message;
  }

  mapElement.addEventListener("keydown", function (event) {
    if (event.target !== mapElement || event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    var move = KEY_MOVES[event.key];
    if (move) {
      event.preventDefault();
      var start = pending || readPoint() || map.getCenter();
      var step = event.shiftKey ? BIG_STEP_PX : STEP_PX;
      var point = map.latLngToContainerPoint(start).add(L.point(move[0] * step, move[1] * step));
      pending = map.containerPointToLatLng(point);
      placeMarker(pending);
      marker.getElement() && marker.getElement().classList.add("is-pending");
      map.panInside(pending, { padding: [40, 40] });
      pointStatus.textContent = text.pointPending;
    } else if (event.key === "Enter") {
      /* Never the surrounding form's submit. */
      event.preventDefault();
      var chosen = pending || (readPoint() ? null : map.getCenter());
      pending = null;
      if (chosen) {
        setPoint(chosen, {});
      }
    } else if (event.key === "Escape" && pending) {
      event.preventDefault();
      dropPending(text.pointCancelled);
    } else if (event.key === "+" || event.key === "=" || event.key === "-" || event.key === "_") {
      event.preventDefault();
      if (event.key === "+" || event.key === "=") {
        map.zoomIn();
      } else {
        map.zoomOut();
      }
    }
  });
  mapElement.addEventListener("blur", function () {
    dropPending(text.pointCancelled);
  });

  /* ---- Fallback when tiles do not load: town points to click ---------------------------- */

  var townsLayer = null;
  var townsRequest = 0;

  function loadTowns() {
    var bounds = map.getBounds();
    var request = ++townsRequest;
    var bbox = [
      bounds.getSouth().toFixed(5),
      bounds.getWest().toFixed(5),
      bounds.getNorth().toFixed(5),
      bounds.getEast().toFixed(5),
    ].join(",");
    getJson(config.townsUrl, { bbox: bbox })
      .then(function (body) {
        if (request !== townsRequest) {
          return;
        }
        townsLayer.clearLayers();
        body.towns.forEach(function (town) {
          var point = L.circleMarker([town.lat, town.lng], {
            radius: 6,
            weight: 1,
            color: "#00118f",
            fillColor: "#3460fb",
            fillOpacity: 0.6,
            className: "town-point",
            bubblingMouseEvents: false,
          });
          point.bindTooltip(format(text.townPoint, { town: town.town }));
          point.on("click", function () {
            setPoint(L.latLng(town.lat, town.lng), {
              ward: town.ward,
              place: town.town,
              address: town.address,
            });
          });
          townsLayer.addLayer(point);
          /* Hundreds of points must not be hundreds of Tab stops: the map is one control. */
          var element = point.getElement();
          if (element) {
            element.setAttribute("tabindex", "-1");
            element.setAttribute("focusable", "false");
          }
        });
        mapElement.dataset.townPoints = String(body.towns.length);
      })
      .catch(function () {
        /* The notice already says the map is limited; nothing more to tell here. */
      });
  }

  function showTownFallback() {
    if (townsLayer) {
      return;
    }
    notice.hidden = false;
    mapElement.classList.add("location-map--no-tiles");
    townsLayer = L.layerGroup().addTo(map);
    map.on("moveend", debounce(loadTowns, 250));
    loadTowns();
  }

  function showPoint() {
    var point = readPoint();
    if (point) {
      map.setView(point, config.pointZoom);
      placeMarker(point);
    } else {
      map.setView(config.center, config.zoom);
    }
  }

  showPoint();
  if (config.tileUrl) {
    var tiles = L.tileLayer(config.tileUrl, {
      attribution: config.attribution,
      minZoom: config.minZoom,
      maxZoom: config.maxZoom,
    });
    tiles.on("tileerror", showTownFallback);
    tiles.addTo(map);
  } else {
    /* No tile server configured (make run): no request per tile, the notice at once. */
    showTownFallback();
  }

  /* ---- Search (combobox + listbox) --------------------------------------------------- */

  var results = [];
  var activeIndex = -1;
  /* Every search, and every closing of the list by the person, starts a new generation:
     an answer of an older one (late on a busy server) is dropped, so it can never reopen
     a list that was closed or show results for text that has changed since. */
  var searchRequest = 0;
  var searchAbort = null;
  var searchSoon = null;

  function cancelSearch() {
    searchRequest += 1;
    if (searchSoon) {
      searchSoon.cancel();
    }
    if (searchAbort) {
      searchAbort.abort();
      searchAbort = null;
    }
  }

  function dismissResults() {
    cancelSearch();
    closeResults();
  }

  function closeResults() {
    resultsList.hidden = true;
    searchInput.setAttribute("aria-expanded", "false");
    searchInput.removeAttribute("aria-activedescendant");
    activeIndex = -1;
  }

  function setActive(index) {
    var options = resultsList.querySelectorAll("[role=option]");
    if (!options.length) {
      return;
    }
    activeIndex = (index + options.length) % options.length;
    options.forEach(function (option, position) {
      option.setAttribute("aria-selected", position === activeIndex ? "true" : "false");
    });
    var active = options[activeIndex];
    searchInput.setAttribute("aria-activedescendant", active.id);
    active.scrollIntoView({ block: "nearest" });
  }

  function choose(index) {
    var place = results[index];
    if (!place) {
      return;
    }
    dismissResults();
    var latlng = L.latLng(place.lat, place.lng);
    map.setView(latlng, place.town ? config.pointZoom : config.zoom);
    if (addressInput) {
      /* Chosen from the search: the address is the operator's choice, and still one a
         later point may replace, like any address the picker filled in. */
      addressInput.value = place.address;
      if (addressAuto) { addressAuto.value = place.address; }
    }
    setPoint(latlng, { ward: place.ward, place: place.label });
    searchStatus.textContent = "";
  }

  function showResults(places) {
    results = places;
    resultsList.replaceChildren();
    places.forEach(function (place, index) {
      var option = document.createElement("li");
      option.id = "location-result-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.textContent = place.label;
      option.addEventListener("mousedown", function (event) {
        event.preventDefault(); /* keep the focus in the search box */
      });
      option.addEventListener("click", function () {
        choose(index);
      });
      resultsList.appendChild(option);
    });
    activeIndex = -1;
    searchInput.removeAttribute("aria-activedescendant");
    if (places.length) {
      resultsList.hidden = false;
      searchInput.setAttribute("aria-expanded", "true");
      searchStatus.textContent = format(text.resultCount, { count: places.length });
    } else {
      closeResults();
      searchStatus.textContent = text.noResults;
    }
  }

  function runSearch() {
    var query = searchInput.value.trim();
    cancelSearch();
    if (!query) {
      closeResults();
      searchStatus.textContent = "";
      return Promise.resolve();
    }
    var request = searchRequest;
    searchAbort = typeof AbortController === "function" ? new AbortController() : null;
    searchStatus.textContent = text.searching;
    return postJson(config.searchUrl, { q: query }, searchAbort && searchAbort.signal)
      .then(function (body) {
        if (request === searchRequest) {
          showResults(body.results);
        }
      })
      .catch(function (error) {
        if (request === searchRequest) {
          closeResults();
          searchStatus.textContent =
            error && error.message && !/^\d+$|^not json/.test(error.message)
              ? error.message
              : text.searchFailed;
        }
      });
  }

  searchSoon = debounce(function () {
    if (searchInput.value.trim().length >= 2) {
      runSearch();
    }
  }, 300);

  searchInput.addEventListener("input", function () {
    /* Old results must not be picked for new text. */
    results = [];
    dismissResults();
    searchSoon();
  });
  searchButton.addEventListener("click", runSearch);
  searchInput.addEventListener("keydown", function (event) {
    var open = !resultsList.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (open) {
        setActive(activeIndex + (event.key === "ArrowDown" ? 1 : -1));
      } else if (results.length && searchInput.value.trim()) {
        resultsList.hidden = false;
        searchInput.setAttribute("aria-expanded", "true");
        setActive(event.key === "ArrowDown" ? 0 : results.length - 1);
      }
    } else if (event.key === "Enter") {
      /* Never submit the surrounding intake form from the search box. */
      event.preventDefault();
      if (open && activeIndex >= 0) {
        choose(activeIndex);
      } else {
        runSearch();
      }
    } else if (event.key === "Escape") {
      /* Also while a search is still on its way: its answer must not open the list. */
      if (open) {
        event.preventDefault();
      }
      dismissResults();
      if (searchStatus.textContent === text.searching) {
        searchStatus.textContent = "";
      }
    }
  });
  searchInput.addEventListener("blur", function () {
    /* Only closed, not cancelled: the blur may be the click on the search button. */
    window.setTimeout(closeResults, 150);
  });
})();
