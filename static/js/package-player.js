// A lesson's interactive package (H5P or SCORM). The package runs in a sandboxed frame
// with an opaque origin, so it can read neither this page nor its cookies; what it
// reports arrives here by postMessage and goes to the LMS with the learner's session.
// Viewing time goes through the page's progress queue (static/js/progress.js).
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var SANDBOX = "allow-scripts allow-forms allow-popups allow-modals allow-downloads";

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json().catch(function () { return {}; }); });
  }

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
        post(figure.dataset.scormUrl, { cmi: message.data.cmi }).then(settle);
      } else if (message.type === "state" && message.data) {
        post(figure.dataset.stateUrl, { state: message.data });
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
})();
