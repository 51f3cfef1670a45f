// The participant page's own script (participant/page.html loads it after app.js): your own
// choice kept through pushes, the ranking's buttons, the poll banner, replies to you and the
// character counter. Pages work without it.
(function () {
  "use strict";
  var body = document.body;
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
