// The attendance sheet on a bad connection. A save is a batch: the whole
// sheet as the lecturer left it, with an idempotency key of its own. The
// batch is kept in localStorage until the server has it, and sent again
// with the same key until it answers, so the server applies it once
// however often it arrives. The status line says what is going on. The
// sheet works without this script: the form posts as usual.
"use strict";

(() => {
  const form = document.getElementById("sheet-form");
  const line = document.getElementById("sheet-status");
  if (!form || !line || !window.fetch || !window.URLSearchParams || !window.crypto) {
    return;
  }
  const storeKey = "partyschool.attendance." + form.dataset.session;
  const maxDelay = 60000;
  let pending = load(); // {key, body, changes}: the batch not yet answered
  let inflight = false;
  let timer = 0;
  let delay = 0;

  function message(name, n) {
    return (line.dataset["msg" + name] || "").replace("{n}", String(n));
  }

  function show(text, kind) {
    line.textContent = text;
    line.className = "sheet-status " + kind;
    line.hidden = text === "";
  }

  // newKey is 128 random bits in base64url: what the server accepts.
  function newKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function load() {
    try {
      const b = JSON.parse(localStorage.getItem(storeKey));
      return b && typeof b.key === "string" && typeof b.body === "string" ? b : null;
    } catch (e) {
      return null;
    }
  }

  function keep() {
    try {
      if (pending) {
        localStorage.setItem(storeKey, JSON.stringify(pending));
      } else {
        localStorage.removeItem(storeKey);
      }
    } catch (e) {
      // Private browsing or a full store: the batch still goes out now.
    }
  }

  // markSets are the rows' radio groups, each knowing its saved mark.
  function markSets() {
    return Array.from(form.querySelectorAll("fieldset.marks"));
  }

  function checked(set) {
    const r = set.querySelector("input[type=radio]:checked");
    return r ? r.value : "";
  }

  // changes counts the rows whose mark or note differs from the saved one.
  function changes() {
    let n = 0;
    for (const set of markSets()) {
      const row = set.closest(".sheet-row");
      const note = row && row.querySelector("input[name^='note_']");
      if (checked(set) !== set.dataset.saved || (note && note.value.trim() !== (note.dataset.saved || ""))) {
        n++;
      }
    }
    return n;
  }

  function recount() {
    const counts = { "": 0 };
    for (const set of markSets()) {
      const v = checked(set);
      counts[v] = (counts[v] || 0) + 1;
    }
    for (const el of document.querySelectorAll("[data-count]")) {
      el.textContent = String(counts[el.dataset.count] || 0);
    }
  }

  // batch is the form as it stands, without the CSRF token and the key:
  // both are added when it is sent (the token may change meanwhile).
  function batch() {
    const body = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (name !== "_csrf" && name !== "key" && typeof value === "string") {
        body.append(name, value);
      }
    }
    return { key: newKey(), body: body.toString(), changes: changes() };
  }

  // restore puts a batch not yet answered back into the form.
  function restore(b) {
    for (const [name, value] of new URLSearchParams(b.body)) {
      const field = form.elements.namedItem(name);
      if (!field) {
        continue;
      }
      if (field instanceof RadioNodeList || field.type === "radio") {
        for (const r of form.querySelectorAll("input[type=radio]")) {
          if (r.name === name && r.value === value) {
            r.checked = true;
          }
        }
      } else if (field.type !== "hidden" && field.type !== "submit") {
        field.value = value;
      }
    }
    recount();
  }

  function saved() {
    for (const set of markSets()) {
      set.dataset.saved = checked(set);
      const row = set.closest(".sheet-row");
      const note = row && row.querySelector("input[name^='note_']");
      if (note) {
        note.dataset.saved = note.value.trim();
      }
    }
  }

  function waiting(b) {
    show(message("Pending", Math.max(b.changes, 1)), "pending");
  }

  function retry(b) {
    if (pending !== b) {
      send(); // a newer batch replaces this one: it holds the whole sheet
      return;
    }
    delay = Math.min(delay ? delay * 2 : 2000, maxDelay);
    waiting(b);
    clearTimeout(timer);
    timer = setTimeout(send, delay);
  }

  async function send() {
    if (!pending || inflight) {
      return;
    }
    clearTimeout(timer);
    const b = pending;
    inflight = true;
    if (navigator.onLine === false) {
      inflight = false;
      retry(b);
      return;
    }
    show(message("Saving"), "saving");
    const body = new URLSearchParams(b.body);
    body.set("_csrf", form.elements.namedItem("_csrf").value);
    body.set("key", b.key);
    let res;
    let answer = null;
    try {
      res = await fetch(form.action, {
        method: "POST",
        body: body,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        redirect: "manual",
      });
      if ((res.headers.get("Content-Type") || "").includes("application/json")) {
        answer = await res.json();
      }
    } catch (e) {
      inflight = false;
      retry(b); // offline, or the answer was lost: the same key again
      return;
    }
    inflight = false;
    if (res.ok && answer && answer.saved) {
      delay = 0;
      if (pending === b) {
        pending = null;
        keep();
        saved();
        show(message("Saved"), "ok");
      } else {
        send();
      }
      return;
    }
    if (res.status >= 500 || res.status === 408 || res.status === 429) {
      retry(b); // the server is down or busy: it did not take the batch
      return;
    }
    if (answer && answer.error) {
      // Refused for what it says (locked, a reason missing): sending it
      // again will not help. The marks stay in the form to fix.
      if (pending === b) {
        pending = null;
        keep();
      }
      show(answer.error, "error");
      if (pending) {
        send();
      }
      return;
    }
    // Signed out or the page too old (a redirect, a 403 page): the batch
    // stays on this device, and comes back when the page is opened again.
    show(message("Failed"), "error");
  }

  form.addEventListener("change", recount);

  form.addEventListener("submit", (ev) => {
    const by = ev.submitter;
    ev.preventDefault();
    if (by && by.hasAttribute("data-all-present")) {
      let n = 0;
      for (const set of markSets()) {
        const present = set.querySelector("input[value=present]");
        if (checked(set) === "" && present && !present.disabled) {
          present.checked = true;
          n++;
        }
      }
      recount();
      show(n ? message("All", n) : message("Allnone"), "ok");
      return;
    }
    pending = batch();
    delay = 0;
    keep();
    send();
  });

  window.addEventListener("online", () => {
    delay = 0;
    send();
  });

  if (pending) {
    restore(pending);
    waiting(pending);
    send();
  }
})();
