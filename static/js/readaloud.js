// 読み上げ: a button that reads a post, a room's texts or an answer aloud with the browser's own
// speech synthesis. Progressive enhancement: without window.speechSynthesis (or without
// JavaScript) no button is shown at all. The text read is the base text: ふりがな readings
// (<rt>) are left out, so a word is never read twice.
(function () {
  "use strict";
  var synth = window.speechSynthesis;
  var template = document.getElementById("read-aloud-controls");
  if (!synth || typeof window.SpeechSynthesisUtterance !== "function" || !template) { return; }
  var current = null;  // the controls of the text being read

  function baseText(element) {
    var copy = element.cloneNode(true);
    copy.querySelectorAll("rt, rp, .read-aloud").forEach(function (node) { node.remove(); });
    return copy.textContent.replace(/\s+/g, " ").trim();
  }

  function voiceFor(lang) {
    var voices = synth.getVoices() || [];
    for (var i = 0; i < voices.length; i++) {
      if (voices[i].lang && voices[i].lang.toLowerCase().indexOf(lang) === 0) { return voices[i]; }
    }
    return null;
  }

  function show(controls, state) {  // "idle", "speaking" or "paused"
    controls.dataset.state = state;
    controls.querySelector("[data-action=start]").hidden = state !== "idle";
    controls.querySelector("[data-action=pause]").hidden = state !== "speaking";
    controls.querySelector("[data-action=resume]").hidden = state !== "paused";
    controls.querySelector("[data-action=stop]").hidden = state === "idle";
  }

  function stop() {
    if (current) { show(current, "idle"); current = null; }
    synth.cancel();
  }

  function start(controls, element) {
    stop();
    var lang = (element.closest("[lang]") || document.documentElement).getAttribute("lang") || "ja";
    var utterance = new window.SpeechSynthesisUtterance(baseText(element));
    utterance.lang = lang === "ja" ? "ja-JP" : lang;
    var voice = voiceFor(lang);
    if (voice) { utterance.voice = voice; }
    utterance.onend = function () { if (current === controls) { show(controls, "idle"); current = null; } };
    current = controls;
    show(controls, "speaking");
    synth.speak(utterance);
  }

  document.querySelectorAll("[data-read-aloud]").forEach(function (element) {
    var controls = template.content.firstElementChild.cloneNode(true);
    var what = element.getAttribute("data-read-aloud");
    controls.querySelectorAll("[data-what]").forEach(function (node) { node.textContent = what ? " " + what : ""; });
    controls.querySelector("[data-action=start]").addEventListener("click", function () { start(controls, element); });
    controls.querySelector("[data-action=pause]").addEventListener("click", function () { synth.pause(); show(controls, "paused"); });
    controls.querySelector("[data-action=resume]").addEventListener("click", function () { synth.resume(); show(controls, "speaking"); });
    controls.querySelector("[data-action=stop]").addEventListener("click", stop);
    show(controls, "idle");
    element.parentNode.insertBefore(controls, element);
  });
  window.addEventListener("pagehide", function () { synth.cancel(); });
}());
