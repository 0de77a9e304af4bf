// Customer Flow's own script. No inline scripts anywhere: the Content-Security-Policy
// allows only files. Every page works without it; this only makes them nicer.
(function () {
  "use strict";

  // Keyboard shortcut: "/" focuses the page's search box (or the header's).
  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" ||
      (target && target.isContentEditable);
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    var box = document.querySelector("[data-search]") ||
      document.querySelector("[data-search-fallback]");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  // Phones: the header's menu folds behind a "Menu" button (CSS shows the
  // button only on narrow screens, and only once this script runs).
  function setUpMenu() {
    var header = document.querySelector(".site-header");
    var button = header && header.querySelector(".menu-toggle");
    if (!button) return;
    header.classList.add("js-menu");
    button.addEventListener("click", function () {
      var open = header.classList.toggle("menu-open");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Phones: tables become stacked rows; each cell is labelled with its column's
  // heading (CSS shows the label). Runs again on rows htmx brings in.
  function labelCells(root) {
    var tables = (root || document).querySelectorAll("table.data");
    Array.prototype.forEach.call(tables, function (table) {
      var heads = Array.prototype.map.call(
        table.querySelectorAll("thead th"),
        function (th) {
          // The heading's words, without a sort mark (hidden from readers too).
          var mark = th.querySelector("[aria-hidden]");
          var text = th.textContent;
          return (mark ? text.replace(mark.textContent, "") : text).trim();
        }
      );
      Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
        Array.prototype.forEach.call(row.children, function (cell, index) {
          if (heads[index] && !cell.hasAttribute("colspan")) {
            cell.setAttribute("data-label", heads[index]);
          }
        });
      });
    });
  }

  // Forms: after a failed submit, focus the error summary; otherwise the first
  // field of the page's main form.
  function focusForm() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
      return;
    }
    var field = document.querySelector(
      "form[data-focus-first] input:not([type=hidden]):not([type=radio]), " +
      "form[data-focus-first] input[type=radio]:checked, " +
      "form[data-focus-first] select, form[data-focus-first] textarea"
    );
    if (field && !document.querySelector("[autofocus]")) field.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpMenu();
    labelCells(document);
    focusForm();
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    labelCells(event.target);
  });
})();
