// Assembly's own script: small on purpose. Pages work without it; it keeps live pages honest.
(function () {
  "use strict";
  // Show the server's sentence for a refused request (4xx) instead of silently ignoring it.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "4..", swap: true, error: false },
    { code: "...", swap: false, error: true },
  ];
  var connectedBefore = false;
  var body = document.body;
  // After a reconnect every live widget re-fetches itself, so whatever was pushed while the
  // page was away is shown. Pushes that arrive while those replies are on their way are held
  // and applied after them: a reply rendered a moment earlier must not wipe them out.
  // Two reconnects close together start two re-fetches: pushes stay held until the last one
  // is back, or the later reply (rendered before them) would wipe them out.
  var held = null;
  var refetching = 0;
  function resync() {
    held = held || [];
    refetching += 1;
    var widgets = document.querySelectorAll('[hx-get][hx-trigger*="resync"]');
    var fetches = Array.prototype.map.call(widgets, function (el) {
      // Each widget is its own source: requests from one source would cancel each other.
      return htmx.ajax("GET", el.getAttribute("hx-get"), { source: el, target: el, swap: "outerHTML" });
    });
    Promise.allSettled(fetches).then(function () {
      refetching -= 1;
      if (refetching > 0) return;
      var messages = held;
      held = null;
      messages.forEach(function (message) {
        htmx.swap(body, message, { swapStyle: "none" });
      });
    });
  }
  var greeted = false;
  body.addEventListener("htmx:wsBeforeMessage", function (e) {
    // A socket's first message says how many messages its topic had seen. On the first socket
    // of a page, a number beyond the one the page was rendered at means something happened
    // between the render and the socket: fetch the widgets again.
    var hello = /^<!--seq:(\d+)-->$/.exec(e.detail.message);
    if (hello) {
      e.preventDefault();
      var rendered = document.querySelector("[ws-connect][data-seq]");
      if (!greeted && rendered && Number(hello[1]) !== Number(rendered.getAttribute("data-seq"))) {
        resync();
      }
      greeted = true;
      return;
    }
    if (held) {
      held.push(e.detail.message);
      e.preventDefault();
    }
  });
  body.addEventListener("htmx:wsOpen", function (e) {
    body.classList.remove("offline");
    socket = e.detail && e.detail.socketWrapper;
    current = e.detail && e.detail.event && e.detail.event.target;
    closedFor = 0;
    tellState();
    if (connectedBefore) resync();
    connectedBefore = true;
  });
  // --- issue 13: the connection said honestly, and a page that wakes catches up at once ---
  // The header's .live-status says "Live", "Reconnecting…" or "Offline" (a polite status: a
  // screen reader hears the change, not a tick). Without JS it stays empty: nothing claims live.
  var socket = null; // the ws extension's socket (its reconnect starts a new one now)
  var current = null; // the WebSocket that opened last
  var closedFor = 0; // the close code while the socket is down (1008: it is not coming back)
  function tellState() {
    var word = closedFor === 1008 ? "Not live: reload the page" :
      !navigator.onLine ? "Offline" : closedFor ? "Reconnecting…" : socket ? "Live" : "";
    document.querySelectorAll(".live-status").forEach(function (el) {
      if (el.textContent !== word) el.textContent = word;
      el.dataset.state = closedFor === 1008 ? "ended" : !navigator.onLine ? "offline" :
        closedFor ? "reconnecting" : "live";
    });
  }
  // A phone that slept, or whose network came back, reconnects now rather than after the ws
  // extension's backoff (up to a minute), and the reconnect re-fetches every widget. A socket
  // that still says open after a long sleep is often dead without knowing: start a new one.
  var hiddenAt = 0;
  function wake(always) {
    tellState();
    if (!socket || closedFor === 1008 || !navigator.onLine) return;
    if (closedFor || always) socket.reconnect();
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { hiddenAt = Date.now(); return; }
    wake(hiddenAt > 0 && Date.now() - hiddenAt > 20000);
  });
  window.addEventListener("online", function () { wake(true); });
  window.addEventListener("offline", tellState);
  // --- end of issue 13's part
  // Pushed items are upserts: an item that is already on the page (fetched during a resync
  // and pushed as well) is replaced, never shown twice.
  body.addEventListener("htmx:oobBeforeSwap", function (e) {
    var fragment = e.detail && e.detail.fragment;
    if (!fragment || !fragment.children) return;
    // Tallies from several workers can arrive out of order: never replace a newer one. The
    // poll's revision rises with every change, a withdrawn ballot included, so a tally with
    // fewer votes can still be the newer one.
    var incoming = fragment.firstElementChild;
    var shown = e.detail.target;
    if (incoming && shown && incoming.dataset && shown.dataset && shown.dataset.revision &&
        Number(incoming.dataset.revision) < Number(shown.dataset.revision)) {
      e.detail.shouldSwap = false;
      return;
    }
    Array.prototype.forEach.call(fragment.children, function (child) {
      var old = child.id && document.getElementById(child.id);
      if (old && old !== e.detail.target) old.remove();
    });
  });
  // The same holds for a reply (a ballot's own answer, a re-fetched widget): a tally pushed
  // while the reply was on its way may be newer than the one the reply carries. Keep it.
  var tallies = [];
  body.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail && e.detail.target;
    if (!target || !target.querySelectorAll) return;
    tallies = Array.prototype.slice.call(target.querySelectorAll("[id][data-revision]"));
  });
  body.addEventListener("htmx:afterSwap", function () {
    tallies.forEach(function (kept) {
      var now = document.getElementById(kept.id);
      if (now && now !== kept &&
          Number(now.dataset.revision) < Number(kept.dataset.revision)) {
        now.replaceWith(kept);
      }
    });
    tallies = [];
  });
  body.addEventListener("htmx:wsClose", function (e) {
    // The close of a socket already replaced by a newer, open one (a reconnect at wake) is
    // old news: the page is live.
    var gone = e.detail && e.detail.event && e.detail.event.target;
    if (current && gone && gone !== current && current.readyState === 1) return;
    body.classList.add("offline");
    closedFor = (e.detail && e.detail.event && e.detail.event.code) || 1006;
    tellState();
    // 1008: the server will not keep this page's socket (a logout, a changed screen address, too
    // many tabs open) and the ws extension does not retry it. Say why, as text, rather than go
    // quietly stale on a projector or a phone.
    var closed = e.detail && e.detail.event;
    var flash = document.getElementById("flash");
    if (closed && closed.code === 1008 && flash) {
      var line = document.createElement("p");
      line.className = "flash error";
      line.textContent = closed.reason || "This page is no longer live: its access ended " +
        "(a logout, or a changed screen address). Reload it to carry on.";
      flash.replaceChildren(line);
    }
  });
  // A status line belongs to the action that caused it: clear it when the next one starts, and
  // let a success message fade after a while (errors stay until the person acts again).
  var flashTimer = null;
  body.addEventListener("htmx:beforeRequest", function () {
    var flash = document.getElementById("flash");
    if (flash) flash.innerHTML = "";
  });
  body.addEventListener("htmx:oobAfterSwap", function (e) {
    if (!e.detail || !e.detail.target || e.detail.target.id !== "flash") return;
    clearTimeout(flashTimer);
    if (!e.detail.target.querySelector(".error")) {
      flashTimer = setTimeout(function () { e.detail.target.innerHTML = ""; }, 8000);
    }
  });
  body.addEventListener("htmx:sendError", function () {
    var flash = document.getElementById("flash");
    if (flash) flash.innerHTML = '<p class="flash error">No connection. Check your signal and try again.</p>';
  });
  // "Closing for online voters: 23 s": counted down here, from the time the server rendered;
  // the server decides, this only keeps the number honest between pushes.
  // A session's timer ([data-clock]) the same way, from the seconds left when the server rendered
  // it (not its deadline: a phone's clock may be minutes out); red in its last minute, and a
  // word for screen readers at one minute and at the end, never every second.
  function clockText(left) {
    var h = Math.floor(left / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
    var mm = h ? (m < 10 ? "0" : "") + m : String(m);
    return (h ? h + ":" : "") + mm + ":" + (s < 10 ? "0" : "") + s;
  }
  function tickClock(el) {
    if (!el.clockEnds) el.clockEnds = Date.now() + Number(el.dataset.left) * 1000;
    var left = Math.max(0, Math.ceil((el.clockEnds - Date.now()) / 1000));
    var n = el.querySelector(".left");
    if (n) n.textContent = clockText(left);
    var box = el.closest(".timer");
    if (box) {
      box.classList.toggle("last-minute", left > 0 && left <= 60);
      box.classList.toggle("timer-over", left === 0);
    }
    var note = el.querySelector(".clock-note");
    var word = left === 0 ? "Time is up." : left <= 60 ? "Last minute." : "";
    if (note && note.textContent !== word) note.textContent = word;
  }
  // The countdown starts from when the timer arrived (a page, a push, a re-fetch), not from
  // the next tick.
  htmx.onLoad(function (root) {
    var clocks = root.querySelectorAll ? Array.prototype.slice.call(root.querySelectorAll("[data-clock]")) : [];
    if (root.matches && root.matches("[data-clock]")) clocks.push(root);
    clocks.forEach(tickClock);
  });
  setInterval(function () {
    document.querySelectorAll("[data-until]").forEach(function (el) {
      var left = Math.ceil((Date.parse(el.dataset.until) - Date.now()) / 1000);
      var n = el.querySelector(".left");
      if (left <= 0) el.remove();
      else if (n) n.textContent = String(left);
    });
    document.querySelectorAll("[data-clock]").forEach(tickClock);
  }, 1000);
  // --- the speaker queue: "Waiting 3:05", counted on here from the time the server sent
  // ([data-since]); the console gets no push per second.
  setInterval(function () {
    document.querySelectorAll("[data-since] .since").forEach(function (n) {
      var s = Math.max(0, Math.floor((Date.now() - Date.parse(n.parentNode.dataset.since)) / 1000));
      if (!isNaN(s)) n.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    });
  }, 1000);
  // --- end of the speaker queue's part
  // The stream (participant/_stream.html): the same state pushed or re-fetched again is not
  // swapped, so a poll opening does not restart the video; a room page's still placeholder
  // never takes one.
  function sameStream(shown, incoming) {
    return shown && shown.dataset && shown.dataset.same &&
      (shown.dataset.same === "still" || shown.dataset.same === incoming);
  }
  body.addEventListener("htmx:oobBeforeSwap", function (e) {
    var incoming = e.detail && e.detail.fragment && e.detail.fragment.firstElementChild;
    if (incoming && incoming.id === "stream" && sameStream(e.detail.target, incoming.dataset.same)) {
      e.detail.shouldSwap = false;
    }
  });
  body.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail && e.detail.target;
    if (!target || target.id !== "stream") return;
    var found = /data-same="([^"]*)"/.exec(e.detail.serverResponse || "");
    if (found && sameStream(target, found[1])) e.detail.shouldSwap = false;
  });
})();
