// After a reply, 共感 or edit the thread page opens at the post acted on (#p12), with a message
// about it right before the post. Move the focus onto that message, so a screen reader reads the
// outcome on arrival and the next Tab continues into the post. Without JavaScript the message is
// still shown there and Chromium starts the next Tab from the post the address points to.
(function () {
  "use strict";
  var message = document.querySelector("[data-outcome]");
  if (!message) { return; }
  function land() {
    message.focus();
    // the browser's own move to #p12 may run once more and leave the focus nowhere (on body)
    window.requestAnimationFrame(function () {
      if (document.activeElement === document.body) { message.focus(); }
    });
  }
  if (document.readyState === "complete") { land(); } else { window.addEventListener("load", land); }
}());
