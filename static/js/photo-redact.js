/* Triage: blur rectangles drawn on a photo. Dragging over the photo fills the first empty
   row of the table (x, y, w, h in percent of the photo), adding a row when all are used;
   typing in the table moves the rectangles drawn. The table is the form: without this
   script the numbers are typed, and the server checks them either way.
   Data from json_script #redact-config: {max, prefix, text} (text: the
   translated messages, %n standing for a row's number). */
(function () {
  "use strict";
  var form = document.getElementById("redact-form");
  var stage = document.getElementById("redact-stage");
  var configNode = document.getElementById("redact-config");
  if (!form || !stage || !configNode) { return; }
  var config = JSON.parse(configNode.textContent);
  var image = stage.querySelector("img");
  var rows = document.getElementById("redact-rows");
  var template = document.getElementById("redact-empty-row");
  var total = form.querySelector("input[name='" + config.prefix + "-TOTAL_FORMS']");
  var status = document.getElementById("redact-status");
  var NAMES = ["x", "y", "w", "h"];
  var TEXT = config.text;

  function say(text) { status.textContent = text; }
  function inputs(row) {
    return NAMES.map(function (name) { return row.querySelector("input[name$='-" + name + "']"); });
  }
  function allRows() { return Array.prototype.slice.call(rows.querySelectorAll("tr[data-redact-row]")); }
  function isEmpty(row) { return inputs(row).every(function (i) { return !i.value.trim(); }); }
  function number(input) {
    var value = parseFloat(input.value.replace(/[０-９．]/g, function (c) {
      return String.fromCharCode(c.charCodeAt(0) - 0xFEE0);
    }).replace(/[%％]/g, ""));
    return isFinite(value) ? value : null;
  }
  function clamp(value) { return Math.min(100, Math.max(0, value)); }
  function round(value) { return Math.round(value * 100) / 100; }

  function addRow() {
    var index = parseInt(total.value, 10);
    if (index >= config.max) { return null; }
    var holder = document.createElement("tbody");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var row = holder.querySelector("tr");
    rows.appendChild(row);
    total.value = String(index + 1);
    setUp(row);
    return row;
  }

  function setUp(row) {
    var cell = row.querySelector("[data-row-actions]");
    if (cell.querySelector("button")) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button--secondary button--small";
    cell.appendChild(button);
    button.addEventListener("click", function () {
      inputs(row).forEach(function (i) { i.value = ""; });
      say(TEXT.cleared.replace("%n", rowNumber(row)));
      draw();
    });
  }
  function rowNumber(row) { return String(allRows().indexOf(row) + 1); }

  function draw() {
    Array.prototype.slice.call(stage.querySelectorAll(".redact-box")).forEach(function (box) {
      box.remove();
    });
    allRows().forEach(function (row, index) {
      row.querySelector("[data-row-number]").textContent = String(index + 1);
      row.querySelector("[data-row-actions] button").textContent = TEXT.clear.replace("%n", index + 1);
      var values = inputs(row).map(number);
      if (values.some(function (v) { return v === null; })) { return; }
      var box = document.createElement("div");
      box.className = "redact-box";
      box.setAttribute("aria-hidden", "true");
      box.style.left = values[0] + "%";
      box.style.top = values[1] + "%";
      box.style.width = values[2] + "%";
      box.style.height = values[3] + "%";
      box.textContent = String(index + 1);
      stage.appendChild(box);
    });
  }

  function point(event) {
    var rect = image.getBoundingClientRect();
    return {
      x: clamp((event.clientX - rect.left) / rect.width * 100),
      y: clamp((event.clientY - rect.top) / rect.height * 100)
    };
  }

  var start = null;
  var preview = null;
  stage.addEventListener("pointerdown", function (event) {
    if (event.button !== 0) { return; }
    event.preventDefault();
    start = point(event);
    stage.setPointerCapture(event.pointerId);
    preview = document.createElement("div");
    preview.className = "redact-box redact-box--drawing";
    preview.setAttribute("aria-hidden", "true");
    stage.appendChild(preview);
  });
  function box(event) {
    var end = point(event);
    return {
      x: Math.min(start.x, end.x), y: Math.min(start.y, end.y),
      w: Math.abs(end.x - start.x), h: Math.abs(end.y - start.y)
    };
  }
  stage.addEventListener("pointermove", function (event) {
    if (!start) { return; }
    var b = box(event);
    preview.style.left = b.x + "%";
    preview.style.top = b.y + "%";
    preview.style.width = b.w + "%";
    preview.style.height = b.h + "%";
  });
  function finish(event) {
    if (!start) { return; }
    var b = box(event);
    start = null;
    preview.remove();
    // A click without a drag is no rectangle.
    if (b.w < 0.5 || b.h < 0.5) { return; }
    var row = allRows().filter(isEmpty)[0] || addRow();
    if (!row) { say(TEXT.full); return; }
    var fields = inputs(row);
    fields[0].value = round(b.x);
    fields[1].value = round(b.y);
    fields[2].value = round(Math.min(b.w, 100 - round(b.x)));
    fields[3].value = round(Math.min(b.h, 100 - round(b.y)));
    draw();
    say(TEXT.added.replace("%n", rowNumber(row)));
  }
  stage.addEventListener("pointerup", finish);
  stage.addEventListener("pointercancel", function () {
    start = null;
    if (preview) { preview.remove(); }
  });
  form.addEventListener("input", draw);
  allRows().forEach(setUp);
  draw();
}());
