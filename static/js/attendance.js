// The attendance sheet on a bad connection. A save is a batch: the whole
// sheet as the lecturer left it, with an idempotency key of its own. The
// batch is kept in localStorage until the server has it, and sent again
// with the same key until it answers, so the server applies it once
// however often it arrives. The status line says what is going on. The
// sheet works without this script: the form posts as usual.
//
// A phone may be shared: a batch is stored under the signed-in user's id
// (the form's data-user) and the session, for a day at most, and signing
// out clears them all (app.js). A batch left by an earlier visit to the
// page is never sent by itself: it is put back in the form, and the
// lecturer chooses to upload it or to drop it. Without data-user nothing
// is stored: a batch is still sent and retried while the page is open.
"use strict";

(() => {
  const form = document.getElementById("sheet-form");
  const line = document.getElementById("sheet-status");
  if (!form || !line || !window.fetch || !window.URLSearchParams || !window.crypto) {
    return;
  }
  const prefix = "partyschool.attendance."; // app.js clears these at sign-out
  const user = /^[0-9]+$/.test(form.dataset.user || "") ? form.dataset.user : "";
  const session = /^[0-9]+$/.test(form.dataset.session || "") ? form.dataset.session : "";
  const storeKey = user && session ? prefix + user + "." + session : "";
  const maxAge = 24 * 60 * 60 * 1000; // a batch older than this is dropped
  const maxDelay = 60000;
  const maxAttempts = 10; // then the lecturer retries by hand

  // Words the page gives (data-msg-*), or these when it gives none.
  const fallback = {
    Restored: "这台设备上有 {n} 处上次没有保存成功的考勤修改，已填回表中。请核对后上传，或放弃。",
    Upload: "上传这些未保存的修改",
    Discard: "放弃这些修改",
    Gaveup: "多次尝试后仍未能保存，修改还在表中。请检查网络后点“重试”。",
    Retry: "重试",
  };

  let pending = null; // {key, body, changes, at}: the batch being sent, not yet answered
  let inflight = false;
  let timer = 0;
  let attempts = 0; // failed tries of the pending batch
  let notice = null; // the offer of a restored batch, while it is shown
  let retryButton = null;

  function message(name, n) {
    const text = line.dataset["msg" + name] || fallback[name] || "";
    return text.replace("{n}", String(n));
  }

  function show(text, kind) {
    line.textContent = text;
    line.className = "sheet-status " + kind;
    line.hidden = text === "";
  }

  function button(text, kind, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = kind;
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  // newKey is 128 random bits in base64url: what the server accepts.
  function newKey() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // valid reports whether b is a batch of ours, young enough to keep.
  function valid(b) {
    return (
      b !== null &&
      typeof b === "object" &&
      typeof b.key === "string" &&
      typeof b.body === "string" &&
      typeof b.at === "number" &&
      b.at <= Date.now() + 60000 &&
      Date.now() - b.at < maxAge
    );
  }

  // sweep drops every stored batch that has expired or is not ours to
  // read (a format without a time, from before batches expired).
  function sweep() {
    try {
      const keys = [];
      for (let i = 0; i < localStorage.length; i++) {
        const k = localStorage.key(i);
        if (k && k.startsWith(prefix)) {
          keys.push(k);
        }
      }
      for (const k of keys) {
        let b = null;
        try {
          b = JSON.parse(localStorage.getItem(k));
        } catch (e) {
          b = null;
        }
        if (!valid(b)) {
          localStorage.removeItem(k);
        }
      }
    } catch (e) {
      // No storage: nothing kept, nothing to drop.
    }
  }

  function load() {
    if (!storeKey) {
      return null;
    }
    try {
      const b = JSON.parse(localStorage.getItem(storeKey));
      if (valid(b)) {
        return b;
      }
      localStorage.removeItem(storeKey);
    } catch (e) {
      // Unreadable: as if there were none.
    }
    return null;
  }

  function store(b) {
    if (!storeKey) {
      return;
    }
    try {
      if (b) {
        localStorage.setItem(storeKey, JSON.stringify(b));
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

  function noteOf(set) {
    const row = set.closest(".sheet-row");
    return row && row.querySelector("input[name^='note_']");
  }

  function checked(set) {
    const r = set.querySelector("input[type=radio]:checked");
    return r ? r.value : "";
  }

  // changes counts the rows whose mark or note differs from the saved one.
  function changes() {
    let n = 0;
    for (const set of markSets()) {
      const note = noteOf(set);
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
    return { key: newKey(), body: body.toString(), changes: changes(), at: Date.now() };
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
          if (r.name === name && r.value === value && !r.disabled) {
            r.checked = true;
          }
        }
      } else if (field.type !== "hidden" && field.type !== "submit") {
        field.value = value;
      }
    }
    recount();
  }

  // revert puts the saved marks and notes back into the form.
  function revert() {
    for (const set of markSets()) {
      for (const r of set.querySelectorAll("input[type=radio]")) {
        r.checked = r.value === set.dataset.saved;
      }
      const note = noteOf(set);
      if (note) {
        note.value = note.dataset.saved || "";
      }
    }
    recount();
  }

  // acknowledge makes the marks batch b saved what the next save expects
  // to find (the hidden was_ and wasnote_ fields the server checks against
  // the stored marks): in the form, and in a batch still waiting to go.
  // Without it, a second save from the same page would look like someone
  // else's change and be refused.
  function acknowledge(b) {
    const sent = new URLSearchParams(b.body);
    const expected = new Map();
    for (const [name, value] of sent) {
      if (name.startsWith("status_")) {
        const id = name.slice("status_".length);
        expected.set(id, { status: value, note: (sent.get("note_" + id) || "").trim() });
      }
    }
    const later = pending && pending !== b ? new URLSearchParams(pending.body) : null;
    for (const [id, mark] of expected) {
      for (const [field, value] of [["was_" + id, mark.status], ["wasnote_" + id, mark.note]]) {
        const input = form.elements.namedItem(field);
        if (input && input.type === "hidden") {
          input.value = value;
        }
        if (later && later.has(field)) {
          later.set(field, value);
        }
      }
    }
    if (later) {
      pending.body = later.toString();
      store(pending);
    }
  }

  function saved() {
    for (const set of markSets()) {
      set.dataset.saved = checked(set);
      const note = noteOf(set);
      if (note) {
        note.dataset.saved = note.value.trim();
      }
    }
  }

  function waiting(b) {
    show(message("Pending", Math.max(b.changes, 1)), "pending");
  }

  function dropNotice() {
    if (notice) {
      notice.remove();
      notice = null;
    }
  }

  function dropRetry() {
    if (retryButton) {
      retryButton.remove();
      retryButton = null;
    }
  }

  // offer shows a batch left by an earlier visit, back in the form, with
  // the choice to upload it or drop it. Nothing is sent until then.
  function offer(b) {
    restore(b);
    notice = document.createElement("div");
    notice.className = "warning sheet-restored";
    notice.setAttribute("role", "status");
    const text = document.createElement("p");
    text.textContent = message("Restored", Math.max(b.changes || 0, 1));
    const actions = document.createElement("p");
    actions.className = "actions";
    actions.append(
      button(message("Upload"), "button", () => {
        dropNotice();
        start(b); // its own key: if the server had it after all, it is not applied twice
      }),
      " ",
      button(message("Discard"), "button secondary", () => {
        dropNotice();
        store(null);
        revert();
        show("", "");
      }),
    );
    notice.append(text, actions);
    form.prepend(notice);
  }

  // start sends a batch from its first try.
  function start(b) {
    pending = b;
    attempts = 0;
    dropRetry();
    store(b);
    send();
  }

  // giveUp stops retrying: the batch stays on this device, and a button
  // tries again.
  function giveUp(b) {
    clearTimeout(timer);
    show(message("Gaveup"), "error");
    dropRetry();
    retryButton = button(message("Retry"), "button secondary", () => {
      if (pending === b) {
        attempts = 0;
        dropRetry();
        send();
      }
    });
    line.after(retryButton);
  }

  // later tries the batch again after a growing, jittered wait (so that a
  // classroom of phones coming back online does not answer in step).
  function later(b, counted) {
    if (pending !== b) {
      send(); // a newer batch replaces this one: it holds the whole sheet
      return;
    }
    if (counted) {
      attempts++;
      if (attempts >= maxAttempts) {
        giveUp(b);
        return;
      }
    }
    const ceiling = Math.min(2000 * 2 ** Math.max(attempts - 1, 0), maxDelay);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    waiting(b);
    clearTimeout(timer);
    timer = setTimeout(send, counted ? delay : maxDelay);
  }

  async function send() {
    if (!pending || inflight || retryButton) {
      return;
    }
    clearTimeout(timer);
    const b = pending;
    if (navigator.onLine === false) {
      later(b, false); // not a try: the "online" event sends it
      return;
    }
    inflight = true;
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
      later(b, true); // offline, or the answer was lost: the same key again
      return;
    }
    inflight = false;
    if (res.ok && answer && answer.saved) {
      attempts = 0;
      acknowledge(b);
      if (pending === b) {
        pending = null;
        store(null);
        saved();
        show(message("Saved"), "ok");
      } else {
        send();
      }
      return;
    }
    if (res.status === 408 || res.status === 429) {
      later(b, true); // busy: it did not take the batch
      return;
    }
    if (answer && typeof answer.error === "string") {
      // Refused for what it says (locked, a reason missing, a fault the
      // server reports): sending it again will not help. The marks stay
      // in the form to fix and save again.
      if (pending === b) {
        pending = null;
        store(null);
      }
      show(answer.error, "error");
      if (pending) {
        send();
      }
      return;
    }
    if (res.status >= 500) {
      later(b, true); // the server or a proxy is down: it did not take the batch
      return;
    }
    // Signed out or the page too old (a redirect, a 403 page): the batch
    // stays on this device, offered when the page is opened again.
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
    dropNotice(); // saving the form holds whatever was restored into it
    start(batch());
  });

  window.addEventListener("online", () => {
    if (pending && !retryButton) {
      send();
    }
  });

  sweep();
  const left = load();
  if (left) {
    offer(left);
  }
})();
