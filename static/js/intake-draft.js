/* Intake forms (form[data-intake-draft]): Back and reload never lose what was typed, and
   never make a second case.

   Browsers restore some fields on Back but not the ones with autocomplete="off" (phone,
   name, kana) nor the hidden ones (the map point, the form token). So the form is kept
   in this tab's sessionStorage while it is typed, and put back when the page is reached
   by Back/Forward or reload, form token included: saving a form whose token already made
   a case then answers with a link to that case instead of making another.

   A fresh visit (a link, "new call") starts empty and forgets the draft. The draft holds
   personal data, so it lives only in this tab, expires after the idle logout time, and
   is dropped on logout. Runs before location-picker.js so the map shows the restored
   point. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-intake-draft]");
  if (!form || !window.sessionStorage) {
    return;
  }
  var KEY = "kobepost:intake-draft:" + window.location.pathname;
  var MAX_AGE_MS = 30 * 60 * 1000;
  var SKIP = { csrfmiddlewaretoken: true };

  function navigationType() {
    var entries = window.performance && performance.getEntriesByType
      ? performance.getEntriesByType("navigation")
      : [];
    return entries.length ? entries[0].type : "navigate";
  }

  function read() {
    try {
      var draft = JSON.parse(sessionStorage.getItem(KEY) || "null");
      if (draft && Date.now() - draft.savedAt < MAX_AGE_MS) {
        return draft;
      }
    } catch (error) {
      /* an unreadable draft is no draft */
    }
    sessionStorage.removeItem(KEY);
    return null;
  }

  function save() {
    var values = [];
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || SKIP[field.name] || field.disabled || field.type === "submit" ||
          field.type === "button" || field.type === "file") {
        return;
      }
      if (field.type === "checkbox" || field.type === "radio") {
        values.push([field.name, field.value, field.checked]);
      } else {
        values.push([field.name, field.value]);
      }
    });
    try {
      sessionStorage.setItem(KEY, JSON.stringify({ savedAt: Date.now(), values: values }));
    } catch (error) {
      /* storage full or refused: the server-side token still stops a second case */
    }
  }

  function restore(draft) {
    var byName = {};
    draft.values.forEach(function (entry) {
      (byName[entry[0]] = byName[entry[0]] || []).push(entry);
    });
    Array.prototype.forEach.call(form.elements, function (field) {
      var entries = byName[field.name];
      if (!entries || SKIP[field.name]) {
        return;
      }
      if (field.type === "checkbox" || field.type === "radio") {
        entries.forEach(function (entry) {
          if (entry[1] === field.value) {
            field.checked = entry[2];
          }
        });
      } else if (field.type !== "file") {
        field.value = entries[0][1];
      }
    });
  }

  var type = navigationType();
  var draft = read();
  if (draft && (type === "back_forward" || type === "reload")) {
    restore(draft);
  } else if (!form.hasAttribute("data-bound")) {
    sessionStorage.removeItem(KEY); /* a new call starts empty */
  }

  form.addEventListener("input", save);
  form.addEventListener("change", save);
  document.addEventListener("location:change", save);
  form.addEventListener("submit", save);
  window.addEventListener("pagehide", save);
  /* Back into a page kept whole by the browser (bfcache): the save button was disabled
     by the submit; what is on screen is exactly what was sent. */
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      Array.prototype.forEach.call(form.querySelectorAll("[type=submit]"), function (button) {
        button.disabled = false;
      });
    }
  });
  save();

  /* Personal data never outlives the login in this tab. */
  document.addEventListener("submit", function (event) {
    var action = event.target.getAttribute("action") || "";
    if (/\/logout\/$/.test(action)) {
      Object.keys(sessionStorage).forEach(function (name) {
        if (name.indexOf("kobepost:intake-draft:") === 0) {
          sessionStorage.removeItem(name);
        }
      });
    }
  });
})();
