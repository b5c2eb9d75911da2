// Lines of the caller-history lists the intake and the screen pop share, built with
// textContent only: never HTML from the server. Loaded before the scripts that use it.
(function () {
  "use strict";
  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }
  // One case of tickets.history.case_summary: reference and title (a link), date, status.
  function caseLine(item) {
    var li = element("li");
    var link = element("a", item.reference + " " + item.title);
    link.href = item.url;
    link.target = "_blank";
    link.rel = "noopener";
    li.appendChild(link);
    li.appendChild(element("span", " " + item.receivedAt + "・" + item.status, "muted"));
    return li;
  }
  window.kobepostLines = { element: element, caseLine: caseLine };
})();
