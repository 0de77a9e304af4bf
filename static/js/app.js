// Keyboard shortcut: "/" focuses the page's search box (or the header's).
// No inline scripts anywhere: the Content-Security-Policy allows only files.
(function () {
  "use strict";
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
})();
