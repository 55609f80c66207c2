// Review queue shortcuts: j / k move between items, a publishes, r goes to the reason box,
// x selects the item for a bulk action. Single keys act at once, so (WCAG 2.1.4) they are off
// until the moderator turns them on with the switch above the list (remembered in this browser),
// and even then they work only while the focus is inside the list. Nothing moves the focus when
// the page opens. Without JavaScript every action is a plain button.
(function () {
  "use strict";
  var list = document.querySelector("[data-queue]");
  var toggle = document.getElementById("queue-shortcuts");
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-queue-item]"));
  if (!list || !toggle || !items.length) { return; }
  var KEY = "hiroba.queueShortcuts";
  var current = 0;
  var switchBox = toggle.closest("[hidden]");  // shown only where the shortcuts exist: with JavaScript
  if (switchBox) { switchBox.removeAttribute("hidden"); }
  try { toggle.checked = window.localStorage.getItem(KEY) === "on"; } catch (e) { toggle.checked = false; }
  toggle.addEventListener("change", function () {
    try { window.localStorage.setItem(KEY, toggle.checked ? "on" : "off"); } catch (e) { /* private mode */ }
  });
  items.forEach(function (item, index) {
    item.setAttribute("tabindex", index === 0 ? "0" : "-1");  // one Tab stop for the list
    item.addEventListener("focus", function () { current = index; });
  });
  function focusItem(index) {
    items[current].setAttribute("tabindex", "-1");
    current = Math.max(0, Math.min(items.length - 1, index));
    items[current].setAttribute("tabindex", "0");
    items[current].focus();
  }
  list.addEventListener("keydown", function (event) {
    if (!toggle.checked) { return; }
    var target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.isContentEditable)) {
      if (event.key === "Escape") { focusItem(current); }
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    var item = items[current];
    if (event.key === "j") { focusItem(current + 1); }
    else if (event.key === "k") { focusItem(current - 1); }
    else if (event.key === "a") {
      var approve = item.querySelector("[data-approve]");
      if (approve) { approve.click(); }
    } else if (event.key === "r") {
      var reason = item.querySelector("input[name=reason]");
      if (reason) { reason.focus(); }
    } else if (event.key === "x") {
      var box = item.querySelector("input[type=checkbox]");
      if (box) { box.checked = !box.checked; }
    } else { return; }
    event.preventDefault();
  });
})();
