// A lesson's interactive package (H5P or SCORM). The package runs in a sandboxed frame
// with an opaque origin, so it can read neither this page nor its cookies; what it
// reports arrives here by postMessage and goes to the LMS with the learner's session.
// Viewing time goes through the page's progress queue (static/js/progress.js).
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var SANDBOX = "allow-scripts allow-forms allow-modals allow-downloads";

  // What the package reports is kept (in this tab and in the phone's storage) until the
  // LMS has answered: a dropped link delays it, never loses it. A refusal (4xx) is final;
  // the latest resume state replaces an unsent older one.
  var STORE = "lms-package-outbox";
  var outbox = [];
  try { outbox = JSON.parse(localStorage.getItem(STORE) || "[]"); } catch (e) { outbox = []; }
  var waitMs = 2000, sending = false;

  function persist() {
    try { localStorage.setItem(STORE, JSON.stringify(outbox.slice(-200))); } catch (e) { /* full */ }
  }

  function post(url, body, replaceKey) {
    return new Promise(function (resolve) {
      if (replaceKey) outbox = outbox.filter(function (item) { return item.replace !== replaceKey; });
      outbox.push({ url: url, body: body, replace: replaceKey || null });
      outbox[outbox.length - 1].resolve = resolve;
      persist();
      drain();
    });
  }

  function drain() {
    if (sending || !outbox.length) return;
    sending = true;
    var item = outbox[0];
    fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(item.body)
    }).then(function (r) {
      if (r.status >= 500 || r.status === 429) throw new Error(r.status);
      return r.json().catch(function () { return {}; });
    }).then(function (answer) {
      outbox.shift();
      persist();
      waitMs = 2000;
      sending = false;
      if (item.resolve) item.resolve(answer);
      drain();
    }).catch(function () {
      sending = false;
      setTimeout(drain, waitMs);
      waitMs = Math.min(waitMs * 2, 60000);
    });
  }
  window.addEventListener("online", function () { waitMs = 2000; drain(); });

  function start(figure) {
    if (figure.dataset.started) return;
    figure.dataset.started = "1";
    var activity = figure.dataset.activity;
    var holder = figure.querySelector("[data-frame-holder]");
    var status = figure.querySelector("[data-status]");
    var frame = null;
    var visibleSince = null;

    function say(text) { status.textContent = text || ""; }
    function settle(body) {
      (body.activities || []).forEach(function (a) {
        if (a.waiting) say(a.waiting);
        if (a.completed) { say(figure.dataset.doneText || ""); figure.dataset.completed = "1"; }
      });
    }
    function report(verb, payload) {
      if (window.lmsProgress) window.lmsProgress.report(activity, verb, payload || {});
    }

    window.addEventListener("message", function (event) {
      if (!frame || event.source !== frame.contentWindow) return;
      var message = event.data;
      if (!message || message.lmsPackage !== activity) return;
      if (message.type === "height" && message.data && message.data.height > 0) {
        frame.style.height = Math.min(Math.max(message.data.height, 200), 4000) + "px";
      } else if (message.type === "ready") {
        var loading = holder.querySelector("[data-loading]");
        if (loading) loading.remove();
        figure.dataset.ready = "1";
        report("viewed", {});
        if (window.lmsProgress) window.lmsProgress.flush();
        visibleSince = Date.now();
      } else if (message.type === "xapi" && message.data) {
        post(figure.dataset.xapiUrl, { statement: message.data }).then(settle);
      } else if (message.type === "scorm" && message.data) {
        var attempt = message.data.attempt || 0;
        post(figure.dataset.scormUrl, { cmi: message.data.cmi, attempt: attempt }, "scorm:" + activity + ":" + attempt).then(settle);
      } else if (message.type === "state" && message.data) {
        post(figure.dataset.stateUrl, { state: message.data }, "state:" + activity);
      } else if (message.type === "error") {
        say(figure.dataset.errorText || "");
      }
    });

    // Time with the exercise on screen, reported like a lesson's reading time.
    setInterval(function () {
      if (visibleSince === null || document.hidden) { visibleSince = document.hidden ? null : Date.now(); return; }
      var seconds = Math.round((Date.now() - visibleSince) / 1000);
      visibleSince = Date.now();
      if (seconds > 0) report("progressed", { seconds: seconds });
    }, 30000);

    fetch(figure.dataset.launchUrl, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (launch) {
        frame = document.createElement("iframe");
        frame.setAttribute("sandbox", SANDBOX);
        frame.setAttribute("allow", "fullscreen; autoplay");
        frame.setAttribute("title", figure.querySelector("figcaption").textContent);
        frame.setAttribute("referrerpolicy", "no-referrer");
        frame.className = "package-frame";
        frame.src = launch.url;
        holder.appendChild(frame);
      })
      .catch(function () { say(figure.dataset.errorText || ""); });
  }

  document.querySelectorAll("[data-package-player]").forEach(start);
  drain();
})();
