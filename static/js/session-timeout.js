// Warns before the idle logout and offers to stay logged in. The status poll is sent
// as a background request, which the server never counts as activity.
(function () {
  "use strict";
  var configNode = document.getElementById("session-timer-config");
  if (!configNode) return;
  var config = JSON.parse(configNode.textContent);
  var dialog = document.getElementById("session-warning");
  var remainingNode = document.getElementById("session-warning-remaining");
  var stayButton = document.getElementById("session-stay");
  var deadline = Date.now() + config.idleSeconds * 1000;
  var previousFocus = null;

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function goToLogin() {
    var next = window.location.pathname + window.location.search;
    window.location.href = config.loginUrl + "?next=" + encodeURIComponent(next);
  }

  function show(secondsLeft) {
    var minutes = Math.floor(secondsLeft / 60);
    var seconds = secondsLeft % 60;
    remainingNode.textContent = config.remainingText
      .replace("%(minutes)s", String(minutes))
      .replace("%(seconds)s", String(seconds));
    if (dialog.hidden) {
      previousFocus = document.activeElement;
      dialog.hidden = false;
      stayButton.focus();
    }
  }

  function hide() {
    if (!dialog.hidden) {
      dialog.hidden = true;
      if (previousFocus && previousFocus.focus) previousFocus.focus();
    }
  }

  function sync(data) {
    if (data.logged_out) return goToLogin();
    var left = Math.min(data.idle_remaining, data.absolute_remaining);
    deadline = Date.now() + left * 1000;
  }

  function poll() {
    fetch(config.statusUrl, {
      headers: { "X-Kobepost-Background": "1", Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (response.status === 401) return goToLogin();
        return response.json().then(sync);
      })
      .catch(function () { /* offline for a moment: the local clock keeps counting */ });
  }

  function tick() {
    var secondsLeft = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    if (secondsLeft <= 0) return goToLogin();
    if (secondsLeft <= config.warnSeconds) show(secondsLeft); else hide();
  }

  stayButton.addEventListener("click", function () {
    fetch(config.keepaliveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        if (response.status === 401) return goToLogin();
        return response.json().then(function (data) { sync(data); hide(); });
      })
      .catch(function () {});
  });

  setInterval(tick, 1000);
  setInterval(poll, 60000);
})();
