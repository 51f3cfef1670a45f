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
  body.addEventListener("htmx:wsOpen", function () {
    body.classList.remove("offline");
    if (connectedBefore) resync();
    connectedBefore = true;
  });
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
    body.classList.add("offline");
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
  // Your own choice stays shown. A push re-renders the poll for everyone, so it cannot carry
  // this phone's ballot (nor a choice not sent yet): before a pushed poll replaces this one,
  // keep what the page showed as its own, and put it back when the same poll comes again
  // (the form's values, the "You voted" line; "you can change it" only while it is open).
  var own = {};
  function keepOwn(section) {
    var id = section && section.dataset && section.dataset.poll;
    if (!id) return;
    var state = own[id] || {};
    var form = section.querySelector("form.ballot");
    if (form) {
      state.values = [];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name === "csrf" || el.type === "hidden") return;
        if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
        state.values.push([el.name, el.value]);
      });
    }
    var mine = section.querySelector("[data-mine]");
    if (mine) state.mine = mine.cloneNode(true);
    own[id] = state;
  }
  function restoreOwn(section) {
    var state = section && section.dataset && own[section.dataset.poll];
    if (!state) return;
    var form = section.querySelector("form.ballot");
    if (form && state.values && !section.querySelector("[data-mine]")) {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.type === "hidden") return;
        var given = state.values.filter(function (v) { return v[0] === el.name; });
        if (el.type === "radio" || el.type === "checkbox") {
          el.checked = given.some(function (v) { return v[1] === el.value; });
        } else if (given.length) {
          el.value = given[0][1];
        }
      });
    }
    if (state.mine && !section.querySelector("[data-mine]")) {
      var line = state.mine.cloneNode(true);
      if (section.dataset.status !== "open") {
        var until = line.querySelector(".until-close");
        if (until) until.remove();
      }
      var submit = form && form.querySelector("button[type=submit]");
      if (submit) submit.textContent = "Change my vote";
      var after = form || section.querySelector("h2");
      after.insertAdjacentElement("afterend", line);
    }
  }
  body.addEventListener("htmx:oobBeforeSwap", function (e) {
    if (e.detail && e.detail.target && e.detail.target.id === "poll") keepOwn(e.detail.target);
  });
  body.addEventListener("htmx:oobAfterSwap", function (e) {
    if (e.detail && e.detail.target && e.detail.target.id === "poll") {
      restoreOwn(document.getElementById("poll"));
    }
  });
  // A ranking's up/down buttons swap a place's choice with the place above or below. The
  // selects work on their own (and by keyboard); the buttons only save a few steps.
  document.documentElement.classList.add("js"); // shows the buttons (app.css), pushed or not
  body.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-ranking] [data-move]");
    if (!button) return;
    var selects = Array.prototype.slice.call(button.closest("[data-ranking]").querySelectorAll("select"));
    var here = selects.indexOf(button.closest(".place").querySelector("select"));
    var there = selects[here + Number(button.getAttribute("data-move"))];
    if (!there) return;
    var value = selects[here].value;
    selects[here].value = there.value;
    there.value = value;
    button.focus();
  });
  // --- issue 17: the phone and at home ---
  // The poll banner (#poll-banner, participant/_poll_banner.html) comes with every pushed poll,
  // the same bytes for everyone. This page says each piece of news once: a poll it saw open
  // (rendered or pushed), then its close; never the close of a poll it never saw open (a
  // session change shows an old one), never the same news twice (an agenda push repeats it).
  var told = {};
  var seenOpen = {};
  var unsent = {}; // poll id -> the choice tapped and not sent yet
  function keyOf(root) {
    var found = root && root.querySelector && root.querySelector("[data-key]");
    return found ? found.getAttribute("data-key") : "";
  }
  (function () {
    var first = keyOf(document.getElementById("poll-banner"));
    if (first) told[first] = true;
    var open = document.querySelector("#poll[data-status=open]");
    if (open) seenOpen[open.dataset.poll] = true;
  })();
  body.addEventListener("htmx:oobBeforeSwap", function (e) {
    if (!e.detail || !e.detail.target || e.detail.target.id !== "poll-banner") return;
    var key = keyOf(e.detail.fragment);
    if (!key) return; // no poll any more: the banner empties
    var id = key.split("-")[0];
    if (told[key] || (/-closed$/.test(key) && !seenOpen[id])) {
      told[key] = true;
      e.detail.shouldSwap = false;
      return;
    }
    told[key] = true;
    if (/-open$/.test(key)) seenOpen[id] = true;
  });
  function tellUnsent() {
    var poll = document.getElementById("poll");
    if (!poll || poll.dataset.status !== "closed" || !unsent[poll.dataset.poll]) return;
    // A pushed poll that fetches this phone's own at once ("load"): wait for that one (an
    // online phone may still vote in the grace it brings).
    if (poll.querySelector("form.ballot") || /^load/.test(poll.getAttribute("hx-trigger") || "")) return;
    var choice = unsent[poll.dataset.poll];
    delete unsent[poll.dataset.poll];
    var line = document.createElement("p");
    line.className = "flash error unsent";
    line.textContent = "Your choice" + (choice ? " “" + choice + "”" : "") +
      " was not sent before voting closed, so it was not counted.";
    var banner = document.querySelector("#poll-banner .poll-announce");
    if (banner) banner.insertAdjacentElement("afterbegin", line.cloneNode(true));
    var title = poll.querySelector("h2");
    if (title) title.insertAdjacentElement("afterend", line);
  }
  body.addEventListener("change", function (e) {
    var form = e.target.closest && e.target.closest("#poll form.ballot");
    if (!form) return;
    var label = e.target.closest("label");
    unsent[form.closest("#poll").dataset.poll] = label ? label.textContent.trim() : "";
  });
  body.addEventListener("submit", function (e) {
    var poll = e.target.closest && e.target.closest("#poll");
    if (poll && e.target.matches("form.ballot")) delete unsent[poll.dataset.poll];
  }, true);
  function hideBanner() {
    var inner = document.querySelector("#poll-banner .poll-announce");
    if (inner) inner.replaceChildren();
  }
  body.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("#poll-banner [data-dismiss], #poll-banner a")) {
      var link = e.target.closest("#poll-banner a");
      if (link) setTimeout(hideBanner, 0); // after the link has taken the page to the poll
      else hideBanner();
    }
  });
  function afterPoll(target) {
    if (!target) return;
    if (target.id === "poll" || target.id === "poll-banner") tellUnsent();
    // Voted: "vote now" has done its work.
    if (target.id === "poll" && target.querySelector("[data-mine]") &&
        /-open$/.test(keyOf(document.getElementById("poll-banner")))) hideBanner();
  }
  body.addEventListener("htmx:oobAfterSwap", function (e) { afterPoll(e.detail && e.detail.target); });
  body.addEventListener("htmx:afterSwap", function () { afterPoll(document.getElementById("poll")); });
  // Replies to you: a pushed marker joins the list (#replies-items); the header counts them.
  body.addEventListener("htmx:oobAfterSwap", function (e) {
    if (!e.detail || !e.detail.target || e.detail.target.id !== "replies-items") return;
    var n = e.detail.target.children.length;
    var box = document.getElementById("replies");
    if (box) box.hidden = n === 0;
    var count = document.getElementById("unread-count");
    if (!count) return;
    count.parentNode.hidden = n === 0;
    count.querySelector(".n").textContent = String(n);
    count.querySelector(".word").textContent = n === 1 ? "reply" : "replies";
  });
  // The character counter: the length against the server's limit (data-max), said to screen
  // readers only near the limit and past it, never at every key.
  function countText(area) {
    var max = Number(area.dataset.max);
    var shown = document.getElementById(area.id + "-count");
    var said = document.getElementById(area.id + "-count-said");
    if (!max || !shown) return;
    var n = area.value.replace(/\r\n/g, "\n").trim().length;
    shown.hidden = false;
    shown.textContent = n.toLocaleString("en-GB") + " of " + max.toLocaleString("en-GB");
    shown.classList.toggle("over", n > max);
    var word = n > max ? (n - max).toLocaleString("en-GB") + " characters too many: shorten it before sending." :
      n >= max - 100 ? "Nearly at the limit: " + (max - n) + " characters left." : "";
    // Only when the words change (a new band), so a screen reader hears it once per band.
    var band = n > max ? "over" : n >= max - 100 ? "near" : "";
    if (said && said.dataset.band !== band) {
      said.dataset.band = band;
      said.textContent = word;
    }
  }
  body.addEventListener("input", function (e) {
    if (e.target.matches && e.target.matches("textarea[data-max]")) countText(e.target);
  });
  htmx.onLoad(function (root) {
    var areas = root.querySelectorAll ? root.querySelectorAll("textarea[data-max]") : [];
    Array.prototype.forEach.call(areas, countText);
  });
  // --- end of issue 17's part
})();
