// The desk's keys (issue 11): the paper-card form and the moderation queue. Without this
// script both still work: radio buttons and access keys, and buttons in each queue item.
(function () {
  "use strict";
  var KINDS = { i: "idea", e: "experience", q: "question", c: "concern" };
  function typing(el) {
    return el && (el.tagName === "INPUT" && el.type !== "radio" || el.tagName === "TEXTAREA" ||
      el.tagName === "SELECT");
  }
  function pickKind(key) {
    var radio = document.querySelector('#card input[name="kind"][value="' + KINDS[key] + '"]');
    if (!radio) return false;
    radio.checked = true;
    document.getElementById("card-text").focus();
    return true;
  }
  // After each card the form comes back fresh: the text field takes the focus again.
  document.body.addEventListener("htmx:afterSwap", function (e) {
    var text = document.getElementById("card-text");
    if (text && e.detail.target && e.detail.target.id === "card") text.focus();
  });
  function queueItems() {
    return Array.prototype.slice.call(document.querySelectorAll("#modqueue-items > li"));
  }
  function focusItem(items, index) {
    if (!items.length) {
      var title = document.getElementById("modqueue-title");
      if (title) { title.setAttribute("tabindex", "-1"); title.focus(); }
      return;
    }
    items[Math.max(0, Math.min(index, items.length - 1))].focus();
  }
  // Decided: once the item goes (by the reply, or by the push that may come first), the next
  // one (or, at the end, the one before) takes the focus.
  var deciding = null;
  function decided(item) {
    var items = queueItems();
    var at = items.indexOf(item);
    deciding = { item: item, next: items[at + 1] || items[at - 1] || null, at: at };
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("#modqueue-items > li button");
    if (button) decided(button.closest("li"));
  });
  new MutationObserver(function () {
    if (!deciding || document.body.contains(deciding.item)) return;
    var d = deciding;
    deciding = null;
    if (d.next && document.body.contains(d.next)) d.next.focus();
    else focusItem(queueItems(), d.at);
  }).observe(document.body, { childList: true, subtree: true });
  // The "moderation queue" link (access key m) lands on the first waiting item, ready for keys.
  window.addEventListener("hashchange", function () {
    if (location.hash === "#modqueue") focusItem(queueItems(), 0);
  });
  // A pushed item in a console filtered by table: shown only when it is that table's.
  document.body.addEventListener("htmx:oobAfterSwap", function () {
    var feed = document.getElementById("console-feed-items");
    var table = feed && feed.getAttribute("data-table");
    if (!table) return;
    Array.prototype.forEach.call(feed.children, function (li) {
      li.hidden = li.getAttribute("data-table") !== table;
    });
  });
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey) return;
    var el = document.activeElement;
    var key = (e.key || "").toLowerCase();
    if (document.getElementById("card")) {
      if (el && el.id === "card-text") {
        if (e.key === "Escape") {
          var checked = document.querySelector('#card input[name="kind"]:checked');
          if (checked) checked.focus();
          e.preventDefault();
        } else if (e.altKey && KINDS[key] && pickKind(key)) {
          e.preventDefault();
        }
        return;
      }
      if (!e.altKey && KINDS[key] && !typing(el) && pickKind(key)) e.preventDefault();
      return;
    }
    if (e.altKey || typing(el)) return;
    if (key === "m" && document.getElementById("modqueue-items")) {
      focusItem(queueItems(), 0);  // from anywhere on the console (not while typing)
      e.preventDefault();
      return;
    }
    var item = el && el.closest && el.closest("#modqueue-items > li");
    if (!item) return;
    var items = queueItems();
    var at = items.indexOf(item);
    if (key === "j" || key === "k") {
      focusItem(items, at + (key === "j" ? 1 : -1));
      e.preventDefault();
    } else if (key === "a" || key === "h") {
      var button = item.querySelector('button[data-key="' + key + '"]');
      if (button) { button.click(); e.preventDefault(); }
    }
  });
})();
