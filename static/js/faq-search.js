// FAQ search, keyboard first: the operator is on the phone while typing.
// "/" (or Alt+Q, static/js/desk-shortcuts.js) jumps to the search box, ↓/↑ move between
// results, Esc goes back to the box.
(function () {
  "use strict";
  var box = document.querySelector("[data-faq-query]");
  if (!box) return;

  function resultLinks() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-faq-result-link]"));
  }

  // Focus the box on arrival unless the page shows results (then focus the first one,
  // so Enter opens it and Tab reaches "この FAQ で回答した").
  var links = resultLinks();
  var active = document.activeElement;
  if (!active || active === document.body) {
    if (box.value && links.length) {
      links[0].focus();
    } else {
      box.focus();
      box.select();
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.isComposing || event.keyCode === 229) return; // Japanese input conversion
    var target = event.target;
    var typing = target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
      target.tagName === "SELECT" || target.isContentEditable;
    if (event.key === "/" && (!typing || (target === box && !box.value))) {
      // "/" means "to the search box". In a box already focused and still empty (the box
      // has the focus on arrival) it is that same request, not a slash to search for;
      // in any field with text it is typing and left alone.
      event.preventDefault();
      box.focus();
      box.select();
      return;
    }
    var items = resultLinks();
    if (!items.length) return;
    var index = items.indexOf(target);
    var insideResult = target.closest && target.closest(".faq-result");
    if (index === -1 && insideResult) {
      index = items.indexOf(insideResult.querySelector("[data-faq-result-link]"));
    }
    if (event.key === "ArrowDown" && (target === box || index !== -1)) {
      event.preventDefault();
      items[Math.min(index + 1, items.length - 1)].focus();
    } else if (event.key === "ArrowUp" && index !== -1) {
      event.preventDefault();
      if (index === 0) {
        box.focus();
      } else {
        items[index - 1].focus();
      }
    } else if (event.key === "Escape" && index !== -1) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
})();
