// The participant page's outbox (participant/page.html loads it after phone.js): a
// contribution, ballot, upvote or raised hand made while the network is down is kept on the
// phone (localStorage, so a reload keeps it), listed as waiting, and sent once the network is
// back. Each form carries an idempotency key, so a resend of something the server did receive
// (its answer was lost) is stored once: the server answers "Already done". Pages work without it.
(function () {
  "use strict";
  var body = document.body;
  var STORE = "assembly.outbox:" + location.pathname; // one outbox per event page
  // What the outbox keeps: the participant's own actions. Deleting or leaving is never queued.
  var KINDS = [
    [/\/contributions$/, "contribution"],
    [/\/polls\/\d+\/ballot$/, "ballot"],
    [/\/c\/\d+\/upvote$/, "upvote"],
    [/\/hand$/, "hand"],
  ];
  function kindOf(path) {
    var found = KINDS.filter(function (k) { return k[0].test(path.split("?")[0]); })[0];
    return found ? found[1] : "";
  }
  function load() {
    try { return JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (err) { return []; }
  }
  function store(items) {
    try { localStorage.setItem(STORE, JSON.stringify(items)); } catch (err) { /* full: kept in view */ }
  }
  function flash(text, error) {
    var region = document.getElementById("flash");
    if (!region) return;
    var line = document.createElement("p");
    line.className = "flash" + (error ? " error" : "");
    line.textContent = text;
    region.replaceChildren(line);
  }
  function newKey() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  // What the list says the waiting item is, in the person's own words where there are some.
  function describe(kind, form, fields) {
    var value = function (name) {
      var f = fields.filter(function (p) { return p[0] === name; })[0];
      return f ? f[1] : "";
    };
    var sort = value("kind");
    if (kind === "contribution") return (sort ? sort[0].toUpperCase() + sort.slice(1) + ": " : "") + value("text");
    if (kind === "hand") return "Raise your hand" + (value("topic") ? ": “" + value("topic") + "”" : "");
    if (kind === "upvote") {
      var item = form && form.closest("[id^=c-]");
      var text = item && item.querySelector(".text");
      return (value("on") === "0" ? "Remove your upvote" : "Upvote") +
        (text ? ": “" + text.textContent.trim().slice(0, 80) + "”" : "");
    }
    var chosen = form ? Array.prototype.map.call(form.querySelectorAll("input:checked, select"), function (el) {
      if (el.tagName === "SELECT") return el.selectedOptions[0] ? el.selectedOptions[0].textContent.trim() : "";
      var label = el.closest("label");
      return label ? label.textContent.trim() : el.value;
    }).filter(Boolean) : [];
    var title = form && form.closest("#poll") && form.closest("#poll").querySelector("h2");
    return "Your vote" + (title ? " in “" + title.textContent.trim() + "”" : "") +
      (chosen.length ? ": " + chosen.join(", ") : "");
  }
  // Keep a request the network did not take. A later ballot, upvote or hand for the same
  // address replaces the earlier one (the last choice is the one meant); every contribution
  // is its own. The form gets a new key: the next thing typed in it is a new request.
  function keep(detail) {
    var config = detail.requestConfig || detail;
    var path = config.path || "";
    var kind = kindOf(path);
    if (!kind || String(config.verb).toLowerCase() !== "post" || !config.formData) return false;
    var fields = [];
    config.formData.forEach(function (value, name) {
      if (typeof value === "string") fields.push([name, value]);
    });
    var form = detail.elt && detail.elt.closest ? detail.elt.closest("form") : null;
    var items = load().filter(function (it) { return kind === "contribution" || it.url !== path || it.state !== "waiting"; });
    var key = fields.filter(function (f) { return f[0] === "idempotency_key"; })[0];
    items.push({
      id: key ? key[1] : newKey(), url: path, kind: kind, fields: fields, state: "waiting",
      what: describe(kind, form, fields),
      text: (fields.filter(function (f) { return f[0] === "text" || f[0] === "topic"; })[0] || ["", ""])[1],
    });
    store(items);
    if (form) {
      if (kind === "contribution") form.reset();
      var input = form.querySelector("input[name=idempotency_key]");
      if (input) input.value = newKey();
    }
    flash("No connection: saved on your phone. It will be sent when you are back online.", true);
    show();
    return true;
  }
  // Offline already: do not even try. Online but the request failed: keep it.
  body.addEventListener("htmx:configRequest", function (e) {
    if (!navigator.onLine && kindOf(e.detail.path || "") && keep(e.detail)) e.preventDefault();
  });
  body.addEventListener("htmx:sendError", function (e) { keep(e.detail || {}); });

  // The list: what waits, what was sent since the page opened, and what the server refused
  // (its sentence, and the text to copy).
  var sent = []; // sent from this page: shown for a while, no longer stored
  function show() {
    var box = document.getElementById("outbox");
    var list = document.getElementById("outbox-items");
    if (!box || !list) return;
    var items = load().concat(sent);
    box.hidden = items.length === 0;
    var waiting = items.some(function (it) { return it.state === "waiting"; });
    box.classList.toggle("outbox-waiting", waiting);
    list.replaceChildren.apply(list, items.map(function (it) {
      var li = document.createElement("li");
      li.className = "outbox-item outbox-" + it.state;
      var what = document.createElement("p");
      what.className = "what";
      what.textContent = it.what;
      var state = document.createElement("p");
      state.className = "state";
      state.textContent = it.state === "sent" ? "Sent." :
        it.state === "refused" ? "Not sent: " + it.said : "Waiting to be sent.";
      li.append(what, state);
      if (it.state === "refused" && it.text) {
        var label = document.createElement("label");
        label.htmlFor = "outbox-" + it.id;
        label.textContent = "Your text, to copy";
        var area = document.createElement("textarea");
        area.id = "outbox-" + it.id;
        area.readOnly = true;
        area.rows = 2;
        area.value = it.text;
        li.append(label, area);
      }
      if (it.state !== "sent") {
        var drop = document.createElement("button");
        drop.type = "button";
        drop.className = "ghost";
        drop.dataset.drop = it.id;
        drop.textContent = it.state === "refused" ? "Remove from this list" : "Do not send it";
        li.append(drop);
      }
      return li;
    }));
  }
  body.addEventListener("click", function (e) {
    var drop = e.target.closest && e.target.closest("#outbox [data-drop]");
    if (!drop) return;
    store(load().filter(function (it) { return it.id !== drop.dataset.drop; }));
    show();
  });

  // Sending: one at a time, in the order made, each with the page's own CSRF token (a token
  // saved before a reload may be one the browser's cookie no longer matches; the page's is
  // always the one the server expects now). One flush at a time, however many reasons arrive.
  function token(saved) {
    try {
      return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || saved;
    } catch (err) { return saved; }
  }
  // The token this page was given can itself be out of date (the browser lost its cookie while
  // the page stayed open): the server's 403 sets a new cookie, and the page as served now
  // carries the token that goes with it. Every form of this page takes it too.
  function freshToken() {
    return fetch(location.pathname, { credentials: "same-origin" }).then(function (r) {
      return r.text();
    }).then(function (html) {
      var found = /"X-CSRF-Token": "([^"]+)"/.exec(html);
      if (!found) return;
      body.setAttribute("hx-headers", JSON.stringify({ "X-CSRF-Token": found[1] }));
      document.querySelectorAll("input[name=csrf_token]").forEach(function (el) { el.value = found[1]; });
    });
  }
  function sentence(html) {
    var t = document.createElement("template");
    t.innerHTML = html;
    var line = t.content.querySelector(".flash");
    return (line || t.content).textContent.trim() || "The server could not take it.";
  }
  function applyReply(item, html, reswap) {
    // The reply shows what a live send would have: the flash, and the widget it answers with
    // (the poll with your vote, your hand); a contribution's form is left as it is now.
    var target = item.kind === "ballot" ? document.getElementById("poll") :
      item.kind === "hand" ? document.getElementById("hand") :
      item.kind === "upvote" ? document.querySelector("#c-" + item.url.split("/").slice(-2)[0] + " form.upvote") : null;
    var style = target && reswap !== "none" ? "outerHTML" : "none";
    htmx.swap(target || body, html, { swapStyle: style });
  }
  var sending = false;
  var retry = null;
  function sendOne(item, again) {
    var data = new URLSearchParams();
    var saved = "";
    item.fields.forEach(function (f) {
      if (f[0] === "csrf_token") saved = f[1];
      else data.append(f[0], f[1]);
    });
    data.append("csrf_token", token(saved));
    return fetch(item.url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "HX-Request": "true", "HX-Current-URL": location.href },
    }).then(function (response) {
      return response.text().then(function (html) {
        if (response.ok) return { state: "sent", html: html, reswap: response.headers.get("HX-Reswap") };
        if (response.status === 403 && !again) {
          return freshToken().then(function () { return sendOne(item, true); });
        }
        if (response.status >= 500 || response.status === 429) {
          return { state: "waiting", later: Number(response.headers.get("Retry-After")) || 5 };
        }
        return { state: "refused", said: sentence(html) };
      });
    });
  }
  function flush() {
    if (sending || !navigator.onLine) return;
    var next = load().filter(function (it) { return it.state === "waiting"; })[0];
    if (!next) return;
    sending = true;
    var item = next;
    sendOne(item).then(function (result) {
      sending = false;
      if (result.state === "waiting") {
        clearTimeout(retry);
        retry = setTimeout(flush, result.later * 1000);
        return;
      }
      var items = load().filter(function (it) { return it.id !== item.id; });
      if (result.state === "refused") {
        item.state = "refused";
        item.said = result.said;
        items.push(item);
        flash("Not sent: " + result.said, true);
      } else {
        item.state = "sent";
        sent.push(item);
        setTimeout(function () { sent = sent.filter(function (it) { return it !== item; }); show(); }, 15000);
      }
      store(items);
      show();
      if (result.state === "sent") applyReply(item, result.html, result.reswap);
      flush();
    }, function () {
      sending = false; // the network is still down: the next "online" or wake tries again
    });
  }
  window.addEventListener("online", flush);
  body.addEventListener("htmx:wsOpen", flush);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") flush();
  });
  // Another tab of this page kept or sent something: show the same list.
  window.addEventListener("storage", function (e) { if (e.key === STORE) show(); });
  show();
  flush();
})();
