// The print-all link of a large course's certificates page
// (/courses/:id/certificates): the PDF streams to the browser as it is
// made, so its size is unknown and the browser can show only the bytes
// received. On a click this adds a random token to the link's address and
// asks the server every second how many of the pages have been sent. The
// download itself is the link's own: without JavaScript it works the
// same, without the count.
"use strict";

(() => {
  const link = document.querySelector("[data-print-progress]");
  const status = document.querySelector("[data-print-status]");
  if (!link || !status) return;
  const bar = status.querySelector("progress");
  const text = status.querySelector("[data-print-text]");
  const pdf = link.getAttribute("href");
  const every = 1000; // ms between questions
  const patience = 120; // questions without a start before giving up
  let timer = null;

  const say = (key, done, total) => {
    text.textContent = (status.dataset[key] || "")
      .replace("{done}", String(done)).replace("{total}", String(total));
  };

  const token = () => {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  };

  async function ask(t, waited) {
    let d = { state: "waiting" };
    try {
      const res = await fetch(link.dataset.printProgress + "?t=" + t, {
        headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin",
      });
      if (res.ok) d = await res.json();
    } catch (e) {
      // A lost answer is asked again.
    }
    switch (d.state) {
      case "running":
        bar.max = Math.max(1, d.total);
        bar.value = d.done;
        say("running", d.done, d.total);
        break;
      case "done":
        bar.max = Math.max(1, d.total);
        bar.value = d.total;
        say("done", d.total, d.total);
        return;
      case "failed":
        say("failed", d.done, d.total);
        return;
      default:
        if (waited >= patience) {
          status.hidden = true;
          return;
        }
    }
    timer = setTimeout(() => ask(t, d.state === "waiting" ? waited + 1 : 0), every);
  }

  link.addEventListener("click", () => {
    clearTimeout(timer);
    const t = token();
    // The click goes on to this address: the browser downloads the PDF.
    link.href = pdf + "?t=" + t;
    bar.removeAttribute("value"); // indeterminate until the first answer
    say("waiting", 0, 0);
    status.hidden = false;
    timer = setTimeout(() => ask(t, 0), every);
  });
})();
