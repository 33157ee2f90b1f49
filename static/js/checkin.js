// The check-in display (/sessions/:id/checkin), on the room's screen:
// keeps the code, its QR code, the countdown and the count current
// without reloading, asking the server every few seconds and as soon as
// the code is due to change. Without JavaScript the page shows the code
// of the moment and a refresh link.
"use strict";

(() => {
  const root = document.querySelector("[data-checkin-display]");
  if (!root) return;
  const part = (name) => root.querySelector("[data-checkin-" + name + "]");
  const code = part("code"), qr = part("qr"), seconds = part("seconds");
  const count = part("count"), enrolled = part("enrolled"), stale = part("stale");
  const wasOpen = root.dataset.open === "true";
  const every = 4; // seconds between refreshes

  let left = seconds ? parseInt(seconds.textContent, 10) || 0 : 0;
  let sinceRefresh = 0;
  let busy = false;

  async function refresh() {
    if (busy) return;
    busy = true;
    sinceRefresh = 0;
    try {
      const res = await fetch(root.dataset.codeUrl, {
        headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin",
      });
      const type = res.headers.get("Content-Type") || "";
      if (!res.ok || !type.includes("application/json")) throw new Error("status " + res.status);
      const d = await res.json();
      if (d.open !== wasOpen) { // opened or closed elsewhere, or the session ended
        location.reload();
        return;
      }
      if (code && d.code) code.textContent = d.code;
      if (qr && d.qr && qr.getAttribute("src") !== d.qr) qr.src = d.qr;
      left = d.seconds_left;
      if (seconds) seconds.textContent = String(left);
      count.textContent = String(d.checked_in);
      enrolled.textContent = String(d.enrolled);
      stale.hidden = true;
    } catch (err) {
      stale.hidden = false; // signed out, or the network is down: say so
    } finally {
      busy = false;
    }
  }

  setInterval(() => {
    sinceRefresh++;
    if (left > 0) {
      left--;
      if (seconds) seconds.textContent = String(left);
      if (left === 0 && wasOpen) {
        refresh(); // the code changes now
        return;
      }
    }
    if (sinceRefresh >= every) refresh();
  }, 1000);
})();
