// Review queue shortcuts: j / k move between items, a publishes, r goes to the reason box,
// x selects the item for a bulk action. Without JavaScript every action is a plain button.
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-queue-item]"));
  if (!items.length) { return; }
  items.forEach(function (item) { item.setAttribute("tabindex", "-1"); });
  var current = 0;
  function focusItem(index) {
    current = Math.max(0, Math.min(items.length - 1, index));
    items[current].focus();
  }
  document.addEventListener("keydown", function (event) {
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
  focusItem(0);
})();
