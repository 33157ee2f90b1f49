// Small enhancements; every page works without JavaScript. More arrives
// with the features that need it (self check-in, the offline-tolerant
// attendance sheet).
"use strict";

// Print buttons are hidden until a script can press them for the visitor.
for (const button of document.querySelectorAll("[data-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

// Signing out clears the attendance sheet's unsent batches from this
// device (attendance.js), so the next person on a shared phone never
// gets them. The form still posts as usual.
for (const logout of document.querySelectorAll("form[action='/logout']")) {
  logout.addEventListener("submit", () => {
    try {
      const keys = [];
      for (let i = 0; i < localStorage.length; i++) {
        const k = localStorage.key(i);
        if (k && k.startsWith("partyschool.attendance.")) {
          keys.push(k);
        }
      }
      for (const k of keys) {
        localStorage.removeItem(k);
      }
    } catch (e) {
      // No storage: nothing was kept.
    }
  });
}
