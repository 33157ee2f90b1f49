// Small enhancements; every page works without JavaScript. More arrives
// with the features that need it (self check-in, the offline-tolerant
// attendance sheet).
"use strict";

// Print buttons are hidden until a script can press them for the visitor.
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
