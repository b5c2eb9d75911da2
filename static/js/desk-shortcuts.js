/* Keyboard on the staff desk (call center and department pages).

   Shortcuts, documented on the intake page and in the manuals:
     Alt+S or Ctrl+Enter  save the page's form (button[data-shortcut=save])
     Alt+N                new call (a[data-shortcut=new-call] in the menu)
     Alt+Q                the FAQ search box (or the FAQ page)
     Alt+P                the caller's phone number on the intake form (or a new call)
   None is a printable key, so typing never triggers one; none fires during Japanese input
   conversion (IME) or on a held-down key.

   In a form marked data-enter-moves, Enter in a one-line field goes to the next field
   instead of submitting: a call taken in a hurry must not be saved before the ward and
   the urgent box were seen. Saving is the button, Alt+S or Ctrl+Enter.

   Loaded in the head without defer: it needs no element when it runs (each key looks
   its target up), so a shortcut pressed as soon as the page shows, or right after Back,
   is never lost waiting for the deferred scripts. */
(function () {
  "use strict";

  function composing(event) {
    return event.isComposing || event.keyCode === 229;
  }

  function visible(element) {
    return element.getClientRects().length > 0 && !element.closest("[hidden]");
  }

  var NOT_MOVING = { submit: true, button: true, reset: true, image: true, file: true };

  function focusables(form) {
    return Array.prototype.filter.call(
      form.querySelectorAll("input, select, textarea, button, a[href], [tabindex]"),
      function (element) {
        return (
          element.tabIndex >= 0 && !element.disabled && element.type !== "hidden" && visible(element)
        );
      }
    );
  }

  function focusNext(field) {
    var list = focusables(field.form);
    var index = list.indexOf(field);
    for (var next = index + 1; next < list.length; next += 1) {
      var candidate = list[next];
      /* One stop per radio group, as Tab does. */
      if (!(candidate.type === "radio" && candidate.name === field.name)) {
        candidate.focus();
        return;
      }
    }
  }

  function saveButton() {
    var button = document.querySelector("[data-shortcut=save]");
    return button && !button.disabled && visible(button) ? button : null;
  }

  function go(selector) {
    var link = document.querySelector(selector);
    if (link && link.href) {
      window.location.assign(link.href);
      return true;
    }
    return false;
  }

  function focusBox(element) {
    element.focus();
    if (element.select) { element.select(); }
  }

  var ACTIONS = {
    KeyS: function () {
      var button = saveButton();
      if (button) { button.click(); }
    },
    KeyN: function () {
      go("a[data-shortcut=new-call]");
    },
    KeyQ: function () {
      var box = document.querySelector("[data-shortcut=faq-query]") ||
        document.querySelector("[data-faq-query]");
      if (box) { focusBox(box); } else { go("a[data-shortcut=faq]"); }
    },
    KeyP: function () {
      var phone = document.getElementById("id_caller_phone");
      if (phone && visible(phone)) { focusBox(phone); } else { go("a[data-shortcut=new-call]"); }
    },
  };

  document.addEventListener("keydown", function (event) {
    if (composing(event) || event.repeat) {
      return;
    }
    if (event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey && ACTIONS[event.code]) {
      event.preventDefault();
      ACTIONS[event.code]();
      return;
    }
    if (event.key !== "Enter" || event.altKey || event.metaKey || event.shiftKey) {
      return;
    }
    if (event.ctrlKey) {
      var button = saveButton();
      if (button) {
        event.preventDefault();
        button.click();
      }
      return;
    }
    var field = event.target;
    if (event.defaultPrevented || !field.form || !field.form.hasAttribute("data-enter-moves")) {
      return;
    }
    if ((field.tagName === "INPUT" && !NOT_MOVING[field.type]) || field.tagName === "SELECT") {
      event.preventDefault();
      focusNext(field);
    }
  });
})();
