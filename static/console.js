// The console's own behaviour (issue 17), loaded only by the console page. Without it the
// console still works: nothing is pushed, and the feed is filtered by a plain form.
(function () {
  "use strict";
  var body = document.body;
  var bar = document.getElementById("feed-new");
  var status = document.getElementById("feed-new-status");
  var held = document.getElementById("console-feed-held");
  if (!bar || !held) return;

  // --- New posts wait while the facilitator is busy with the feed: scrolled down, pointing
  // at it, or with the focus in a post (typing a response). What is under the pointer stays.
  var pointing = false;
  function feed() { return document.getElementById("console-feed-items"); }
  function busy() {
    var list = feed();
    var active = document.activeElement;
    return window.scrollY > 0 || pointing ||
      Boolean(list && active && active !== body && list.contains(active));
  }
  document.addEventListener("mouseover", function (e) {
    pointing = Boolean(e.target.closest && e.target.closest("#console-feed"));
  });
  document.documentElement.addEventListener("mouseleave", function () { pointing = false; });

  function plural(n) { return n + (n === 1 ? " new post" : " new posts"); }
  function showCount() {
    var n = held.children.length;
    bar.hidden = n === 0;
    bar.textContent = n ? plural(n) + ": show them" : "";
    if (n) status.textContent = plural(n) + " waiting above the feed.";
  }
  function showHeld() {
    var list = feed();
    var n = held.children.length;
    if (!list || !n) return;
    // Newest first, as they would have come in.
    list.prepend.apply(list, Array.prototype.slice.call(held.children));
    showCount();
    status.textContent = plural(n) + " shown.";
    var first = list.firstElementChild;
    if (first) {
      first.setAttribute("tabindex", "-1");
      first.focus({ preventScroll: true });
      first.scrollIntoView({ block: "nearest" });
    }
  }
  bar.addEventListener("click", showHeld);

  // A pushed post that this view's search or session filter leaves out is not shown (the
  // channel, kind and theme filters are in app.css: they need no script).
  function fits(item, list) {
    var q = (list.getAttribute("data-q") || "").toLowerCase();
    var session = list.getAttribute("data-session") || "";
    var text = item.querySelector(".text");
    if (q && !(text && text.textContent.toLowerCase().indexOf(q) >= 0)) return false;
    return !session || item.getAttribute("data-session") === session;
  }

  body.addEventListener("htmx:oobBeforeSwap", function (e) {
    var target = e.detail && e.detail.target;
    if (!target || target.id !== "console-feed-items") return;
    var items = Array.prototype.filter.call(e.detail.fragment.children || [], function (el) {
      return el.matches && el.matches("li.item");
    });
    if (items.length && !items.some(function (item) { return fits(item, target); })) {
      e.detail.shouldSwap = false;
      return;
    }
    if (busy()) {
      e.detail.target = held; // htmx 2 lets a handler re-target an out-of-band swap
    }
  });
  body.addEventListener("htmx:oobAfterSwap", function (e) {
    if (e.detail && e.detail.target === held) showCount();
  });
  // The feed fetched again (a filter, a reconnect) has every post: none waits any more.
  body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail && e.detail.target && e.detail.target.id === "console-feed") {
      held.replaceChildren();
      showCount();
    }
  });

  // The share of voice is folded; a warning pushed into it (a channel under-surfaced) opens it.
  function openVoiceOnWarning() {
    var panel = document.getElementById("voice");
    var fold = panel && panel.closest("details");
    if (fold && panel.querySelector(".voice-warning")) fold.open = true;
  }
  body.addEventListener("htmx:oobAfterSwap", openVoiceOnWarning);
  body.addEventListener("htmx:afterSwap", openVoiceOnWarning);

  // --- Unsent input survives a push. A post's card is pushed whole when anyone pins,
  // features or hides it (its tags, its buttons and its colour change together), so before a
  // pushed card replaces this one, what this facilitator had typed or opened in it is kept
  // and put back: the text of its forms, which folds were open, and the focus and caret.
  var kept = null;
  function fields(li) {
    return Array.prototype.filter.call(li.querySelectorAll("textarea, input, select"), function (el) {
      return el.type !== "hidden" && el.name;
    });
  }
  function key(el) {
    var form = el.form ? el.form.getAttribute("action") : "";
    return form + "|" + el.name + "|" + (el.type === "radio" || el.type === "checkbox" ? el.value : "");
  }
  function changed(el) {
    if (el.type === "radio" || el.type === "checkbox") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") {
      return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    return el.value !== el.defaultValue;
  }
  body.addEventListener("htmx:oobBeforeSwap", function (e) {
    var li = e.detail && e.detail.target;
    if (!li || !li.matches || !li.matches("li.item") || !li.closest("#main")) return;
    var active = document.activeElement;
    kept = {
      id: li.id,
      values: fields(li).filter(changed).map(function (el) {
        return [key(el), el.type === "radio" || el.type === "checkbox" ? el.checked : el.value];
      }),
      open: Array.prototype.map.call(li.querySelectorAll("details[open] > summary"), function (s) {
        return s.textContent;
      }),
      focus: active && li.contains(active) && active.name ? key(active) : null,
      caret: active && "selectionStart" in active ? [active.selectionStart, active.selectionEnd] : null,
    };
  });
  body.addEventListener("htmx:oobAfterSwap", function (e) {
    if (!kept || !e.detail || !e.detail.target) return;
    var now = document.getElementById(kept.id);
    var k = kept;
    kept = null;
    if (!now) return;
    Array.prototype.forEach.call(now.querySelectorAll("details > summary"), function (s) {
      if (k.open.indexOf(s.textContent) >= 0) s.parentNode.open = true;
    });
    var byKey = {};
    fields(now).forEach(function (el) { byKey[key(el)] = el; });
    k.values.forEach(function (pair) {
      var el = byKey[pair[0]];
      if (!el) return;
      if (el.type === "radio" || el.type === "checkbox") el.checked = pair[1];
      else el.value = pair[1];
    });
    var focus = k.focus && byKey[k.focus];
    if (focus) {
      focus.focus({ preventScroll: true });
      if (k.caret && "setSelectionRange" in focus) {
        try { focus.setSelectionRange(k.caret[0], k.caret[1]); } catch (err) { /* not text */ }
      }
    }
  });
})();
