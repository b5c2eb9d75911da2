// Department case page: insert a canned reply into the reply textarea.
(function () {
  "use strict";
  var data = document.getElementById("canned-replies");
  var select = document.getElementById("canned-select");
  var button = document.getElementById("canned-insert");
  var textarea = document.getElementById("id_reply-reply_text");
  if (!data || !select || !button || !textarea) return;
  var replies = {};
  JSON.parse(data.textContent).forEach(function (item) { replies[String(item.pk)] = item.text; });
  button.addEventListener("click", function () {
    var text = replies[select.value];
    if (!text) { select.focus(); return; }
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var before = textarea.value.slice(0, start), after = textarea.value.slice(end);
    textarea.value = before + text + after;
    textarea.focus();
    var caret = start + text.length;
    textarea.setSelectionRange(caret, caret);
  });
})();
