// Screen pop: asks the server once a second for the call ringing at this operator's seat
// and shows the caller, the dial and their earlier cases and FAQ answers. Alt+J starts the
// intake with the number and dial filled in. The polls are background requests: they
// never count as activity for the idle logout.
(function () {
  "use strict";
  var root = document.getElementById("cti-pop");
  var configNode = document.getElementById("cti-pop-config");
  if (!root || !configNode) { return; }
  var config = JSON.parse(configNode.textContent);
  var texts = config.texts;
  var title = document.getElementById("cti-pop-title");
  var caller = document.getElementById("cti-pop-caller");
  var history = document.getElementById("cti-pop-history");
  var intake = document.getElementById("cti-pop-intake");
  var dismiss = document.getElementById("cti-pop-dismiss");
  var announce = document.getElementById("cti-pop-announce");
  // On an intake page started from a call: the link it posts back, and the notice shown
  // when the PBX transfers that call to another operator while the page is open.
  var intakeLink = document.querySelector("#intake-form input[name='cti_link']");
  var transferredNotice = document.getElementById("cti-transferred");
  var state = "";
  var current = null;
  var stopped = false;

  var element = window.kobepostLines.element;
  function format(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_match, name) {
      return values[name] === undefined ? "" : String(values[name]);
    });
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function historyList(heading, items, line) {
    var box = element("div", null, "cti-pop__list");
    box.appendChild(element("p", heading, "cti-pop__list-heading"));
    var list = element("ul", null, "case-mini-list");
    items.forEach(function (item) { list.appendChild(line(item)); });
    box.appendChild(list);
    return box;
  }
  function faqLine(item) {
    var li = element("li", item.question);
    li.appendChild(element("span", " " + item.at, "muted"));
    return li;
  }

  function render(call) {
    var isNew = !current || current.id !== call.id;
    current = call;
    var stateLabel = call.ended && call.outcome === "answered" ? texts.ended : call.outcomeLabel;
    title.textContent = format(texts.title, { dial: call.dial, state: stateLabel, time: call.startedAt });
    caller.textContent = call.caller;
    var parts = [];
    if (call.withheld) {
      parts.push(element("p", texts.withheld, "muted"));
    } else {
      parts.push(call.cases.length
        ? historyList(texts.cases, call.cases, window.kobepostLines.caseLine)
        : element("p", texts.noCases, "muted"));
      if (call.faqCalls.length) { parts.push(historyList(texts.faq, call.faqCalls, faqLine)); }
    }
    history.replaceChildren.apply(history, parts);
    intake.href = call.intakeUrl;
    root.classList.toggle("cti-pop--ended", call.ended);
    root.hidden = false;
    if (isNew) { announce.textContent = format(texts.announce, { caller: call.caller, dial: call.dial }); }
  }
  function hide() {
    current = null;
    root.hidden = true;
  }

  // On the intake page the form is filled in place, so nothing already typed is lost.
  function fillIntake(call) {
    var form = document.getElementById("intake-form");
    if (!form) { return false; }
    var phone = document.getElementById("id_caller_phone");
    var dial = document.getElementById("id_dial");
    var link = form.querySelector("input[name='cti_call']");
    if (link) { link.value = call.id; }
    if (intakeLink) { intakeLink.value = call.intakeLink; }
    if (transferredNotice) { transferredNotice.hidden = true; }
    if (phone && call.phone) {
      phone.value = call.phone;
      phone.dispatchEvent(new Event("input", { bubbles: true }));
    }
    if (dial && call.dialId) {
      dial.value = String(call.dialId);
      dial.dispatchEvent(new Event("change", { bubbles: true }));
    }
    announce.textContent = call.phone ? texts.filled : texts.filledNoNumber;
    (phone || form).focus();
    return true;
  }
  function startIntake(event) {
    if (!current) { return; }
    if (fillIntake(current)) {
      if (event) { event.preventDefault(); }
      return;
    }
    if (!event) { window.location.href = current.intakeUrl; }
  }
  intake.addEventListener("click", function (event) { startIntake(event); });
  // Alt+J, like the desk's other shortcuts (static/js/desk-shortcuts.js): never printable,
  // never during IME conversion.
  document.addEventListener("keydown", function (event) {
    if (event.isComposing || event.keyCode === 229 || event.repeat) { return; }
    if (event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey &&
        event.code === "KeyJ" && current) {
      event.preventDefault();
      startIntake(null);
    }
  });

  dismiss.addEventListener("click", function () {
    if (!current) { return; }
    var url = current.dismissUrl;
    hide();
    fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      credentials: "same-origin",
    }).catch(function () { /* shown again by the next poll if the server did not hear it */ });
  });

  function schedule() {
    if (!stopped) { window.setTimeout(poll, config.intervalMs); }
  }
  // One request at a time: the next poll is planned when this one has answered, so a slow
  // server is never asked again before it could reply.
  function pollUrl() {
    var url = config.pollUrl + "?since=" + encodeURIComponent(state);
    if (intakeLink && intakeLink.value) { url += "&intake=" + encodeURIComponent(intakeLink.value); }
    return url;
  }
  function poll() {
    fetch(pollUrl(), {
      headers: { "X-Kobepost-Background": "1", Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    })
      .then(function (response) {
        if (response.status === 401 || response.status === 403) {
          stopped = true; // logged out: the session script takes the user to the login page
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (data) {
        if (!data || data.unchanged) { return; }
        state = data.state;
        if (data.intake && transferredNotice) { transferredNotice.hidden = !data.intake.transferred; }
        if (data.call) { render(data.call); } else { hide(); }
      })
      .catch(function () { /* offline for a moment: ask again on the next tick */ })
      .then(schedule);
  }
  poll();
})();
