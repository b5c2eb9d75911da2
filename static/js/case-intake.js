// Intake form: department from category, earlier cases of the phone number, nearby open cases,
// the urgent contact asked only for urgent cases, and the FAQ answered from the side column.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) { return; }
  var categoryMap = JSON.parse(document.getElementById("category-map").textContent);
  var config = JSON.parse(document.getElementById("intake-config").textContent);
  var texts = document.getElementById("intake-texts").dataset;
  var dialSelect = document.getElementById("id_dial");
  var categorySelect = document.getElementById("id_category");
  var departmentSelect = document.getElementById("id_department");
  var directAnswer = document.getElementById("id_direct_answer");
  var phoneInput = document.getElementById("id_caller_phone");
  var historyBox = document.getElementById("phone-history");
  var nearbyBox = document.getElementById("nearby-cases");

  // --- category → department (stays changeable), dial narrows the categories -----------
  function filterCategories() {
    var dial = dialSelect.value;
    Array.prototype.forEach.call(categorySelect.querySelectorAll("option"), function (option) {
      var entry = categoryMap[option.value];
      option.hidden = Boolean(dial && entry && String(entry.dial) !== dial);
    });
    var current = categoryMap[categorySelect.value];
    if (dial && current && String(current.dial) !== dial) { categorySelect.value = ""; }
  }
  // Health symptoms (要配慮個人情報) are asked only on the hygiene dial; typed text stays shown.
  var healthRow = document.getElementById("health-symptoms-row");
  var healthInput = document.getElementById("id_health_symptoms");
  function toggleHealth() {
    var entry = categoryMap[categorySelect.value];
    healthRow.hidden = !(entry && entry.health) && !healthInput.value;
  }
  dialSelect.addEventListener("change", filterCategories);
  categorySelect.addEventListener("change", toggleHealth);
  toggleHealth();
  categorySelect.addEventListener("change", function () {
    var entry = categoryMap[categorySelect.value];
    if (entry) {
      departmentSelect.value = String(entry.department);
      directAnswer.checked = entry.directAnswer;
      if (!dialSelect.value) { dialSelect.value = String(entry.dial); }
    }
    checkNearby();
  });
  filterCategories();

  // The history lines are shared with the screen pop (static/js/case-lines.js).
  var element = window.kobepostLines.element;
  var caseLine = window.kobepostLines.caseLine;
  // The number and the point are the caller's: posted, never in a URL (static/js/lookup.js).
  var postJson = window.kobepostJson.post;
  var getJson = window.kobepostJson.get;

  // Each look-up below shows only the answer to its latest request: an older answer that
  // arrives late (a busy server) would show another caller's cases, or cases near a point
  // the operator has moved away from, with a button linking the call to the wrong case.
  function latestOnly() {
    var latest = 0;
    return function (promise) {
      var mine = ++latest;
      return new Promise(function (resolve, reject) {
        promise.then(
          function (value) { if (mine === latest) { resolve(value); } },
          function (error) { if (mine === latest) { reject(error); } }
        );
      });
    };
  }

  // --- earlier cases from the same number (debounced while typing) -----------------------
  var historyTimer = null;
  var lastPhone = null;
  var historyAnswer = latestOnly();
  function loadHistory() {
    var phone = phoneInput.value.trim();
    var digits = phone.normalize("NFKC").replace(/[^0-9]/g, "");
    if (digits === lastPhone) { return; }
    lastPhone = digits;
    if (digits.length < 6) {
      historyAnswer(Promise.resolve(null));
      historyBox.replaceChildren(element("p", texts.none, "muted"));
      return;
    }
    historyAnswer(postJson(config.historyUrl, { phone: phone })).then(function (data) {
      if (!data.cases.length) {
        historyBox.replaceChildren(element("p", texts.none, "muted"));
        return;
      }
      var list = element("ul", null, "case-mini-list");
      data.cases.forEach(function (item) { list.appendChild(caseLine(item)); });
      historyBox.replaceChildren(list);
    }).catch(function () { historyBox.replaceChildren(element("p", texts.error, "field-error")); });
  }
  phoneInput.addEventListener("input", function () {
    clearTimeout(historyTimer);
    historyTimer = setTimeout(loadHistory, 350);
  });
  if (phoneInput.value) { loadHistory(); }

  // --- open cases nearby: link the call instead of creating a duplicate -------------------
  var nearbyAnswer = latestOnly();
  function checkNearby() {
    var latitude = document.getElementById("id_latitude").value;
    var longitude = document.getElementById("id_longitude").value;
    if (!latitude || !longitude) {
      nearbyAnswer(Promise.resolve(null));
      nearbyBox.replaceChildren(element("p", texts.nearbyNoPoint, "muted"));
      return;
    }
    nearbyAnswer(postJson(config.nearbyUrl, {
      latitude: latitude, longitude: longitude, category: categorySelect.value
    })).then(function (data) {
      if (!data.cases.length) {
        nearbyBox.replaceChildren(element("p", texts.nearbyNone, "muted"));
        return;
      }
      var list = element("ul", null, "case-mini-list");
      data.cases.forEach(function (item) {
        var li = caseLine(item);
        li.appendChild(element("span", " (" + item.distanceM + texts.meters + ")", "muted"));
        var button = element("button", texts.link, "button--secondary button--small");
        button.type = "submit";
        button.setAttribute("form", "intake-form"); // the side column is outside the form
        button.name = "link_case";
        button.value = String(item.id);
        li.appendChild(document.createElement("br"));
        li.appendChild(button);
        list.appendChild(li);
      });
      nearbyBox.replaceChildren(list);
    }).catch(function () { nearbyBox.replaceChildren(element("p", texts.error, "field-error")); });
  }
  document.getElementById("nearby-check").addEventListener("click", checkNearby);
  // The map widget announces a chosen point with this event (and changes the hidden fields).
  document.addEventListener("location:change", checkNearby);
  ["id_latitude", "id_longitude"].forEach(function (id) {
    document.getElementById(id).addEventListener("change", checkNearby);
  });
  if (document.getElementById("id_latitude").value) { checkNearby(); }

  // --- double-click guard on the client too (the server token is what really protects) ----
  form.addEventListener("submit", function () {
    setTimeout(function () { document.getElementById("intake-save").disabled = true; }, 0);
  });

  // --- the urgent contact is asked for urgent cases only (fewer stops on the way to save) --
  var urgent = document.getElementById("id_urgent");
  var urgentRows = document.getElementById("urgent-contact-rows");
  function toggleUrgent() {
    var filled = Array.prototype.some.call(urgentRows.querySelectorAll("input"), function (input) {
      return input.getAttribute("aria-invalid") === "true" || (input.type === "text" && input.value);
    });
    urgentRows.hidden = !urgent.checked && !filled;
  }
  if (urgent && urgentRows) {
    urgent.addEventListener("change", toggleUrgent);
    toggleUrgent();
  }

  // --- FAQ: what the caller asks may be a simple question; answer it from here -------------
  var faqForm = document.getElementById("desk-faq-form");
  var faqBox = document.getElementById("desk-faq-q");
  var faqResults = document.getElementById("desk-faq-results");
  var faqCall = document.getElementById("desk-faq-call");
  var answeredForm = document.getElementById("faq-answered-form");
  var faqRequest = 0;
  function showFaq(data) {
    if (faqCall && data.callUrl) { faqCall.href = data.callUrl; }
    if (!data.results.length) {
      faqResults.replaceChildren(element("p", texts.faqNone, "muted"));
      return;
    }
    var list = element("ol", null, "desk-faq__list");
    data.results.forEach(function (item) {
      var li = element("li", null, "desk-faq__item");
      var link = element("a", item.question);
      link.href = item.url;
      link.target = "_blank";
      link.rel = "noopener";
      li.appendChild(link);
      li.appendChild(element("p", item.answer, "desk-faq__answer"));
      if (item.where) { li.appendChild(element("p", item.where, "muted desk-faq__where")); }
      var button = element("button", texts.faqAnswered, "button--small");
      button.type = "button";
      button.setAttribute("aria-label", texts.faqAnswered + ": " + item.question);
      button.addEventListener("click", function () {
        answeredForm.action = item.answeredUrl;
        answeredForm.submit();
      });
      li.appendChild(button);
      list.appendChild(li);
    });
    var count = element("p", texts.faqCount + ": " + data.results.length, "visually-hidden");
    faqResults.replaceChildren(count, list);
  }
  function searchFaq(sent) {
    var query = faqBox.value.trim();
    // Counted before the empty check too: an answer still on its way for an earlier text
    // must not fill the list the operator has just emptied, nor replace it with an error.
    var request = ++faqRequest;
    if (!query) { faqResults.replaceChildren(); return; }
    // Only a search the operator sent counts as a gap in the FAQ when nothing is found.
    getJson(config.faqUrl, sent ? { q: query, log: "1" } : { q: query }).then(function (data) {
      if (request === faqRequest) { showFaq(data); }
    }).catch(function () {
      if (request === faqRequest) {
        faqResults.replaceChildren(element("p", texts.error, "field-error"));
      }
    });
  }
  if (faqForm) {
    var faqTimer = null;
    faqBox.addEventListener("input", function () {
      clearTimeout(faqTimer);
      if (faqBox.value.trim().length >= 2) {
        faqTimer = setTimeout(function () { searchFaq(false); }, 300);
      } else if (!faqBox.value.trim()) {
        searchFaq(false); // emptied: clear the list now, and let no late answer refill it
      }
    });
    faqForm.addEventListener("submit", function (event) {
      event.preventDefault(); // never leave the intake: the results come here
      clearTimeout(faqTimer);
      searchFaq(true);
    });
  }

  var saved = document.getElementById("already-saved");
  var summary = document.getElementById("form-error-summary");
  if (saved) {
    saved.focus();
  } else if (summary) {
    var firstInvalid = form.querySelector("[aria-invalid='true']:not([type=hidden])");
    if (!firstInvalid && form.querySelector("#id_latitude[aria-invalid='true']")) {
      firstInvalid = document.getElementById("location-map");
    }
    (firstInvalid || summary).focus();
  }
})();
