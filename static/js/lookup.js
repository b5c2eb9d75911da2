// JSON look-ups from the staff pages. A look-up whose parameters may describe a person
// (a phone number, an address, a point on the map) is POSTed with the page's CSRF token:
// a URL is written down in access logs and the browser history (kobepost/private_search.py).
//   kobepostJson.post(url, params[, signal]) / kobepostJson.get(url, params[, signal]) →
//   Promise of the answer; rejects with the server's "error" text or the HTTP status (or
//   an AbortError when ``signal``, an AbortController's, cancels the request).
(function () {
  "use strict";

  function csrfToken() {
    // Every staff page has one (the logout form at least).
    var field = document.querySelector('input[name="csrfmiddlewaretoken"]');
    return field ? field.value : "";
  }

  function answer(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") === -1) {
      throw new Error("not json: " + response.status);
    }
    return response.json().then(function (body) {
      if (!response.ok) {
        throw new Error(body.error || String(response.status));
      }
      return body;
    });
  }

  window.kobepostJson = {
    get: function (url, params, signal) {
      var query = new URLSearchParams(params).toString();
      return fetch(url + "?" + query, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: signal,
      }).then(answer);
    },
    post: function (url, params, signal) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
        body: new URLSearchParams(params),
        signal: signal,
      }).then(answer);
    },
  };
})();
