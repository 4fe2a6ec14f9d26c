// Lesson video and audio on a weak link. Without this script the <video>/<audio> plays
// the small MP4/M4A as a plain file. With it: adaptive HLS (the browser's own HLS, or
// hls.js loaded on the first play), an "audio only" switch the learner's choice
// remembers, resuming where they left off, and the stretches played reported to the
// progress queue (static/js/progress.js), which sends them when the link allows.
(function () {
  "use strict";
  var PREF = "lms-media-audio-only";
  var REPORT_EVERY = 15000;
  var hlsLoading = null;

  function loadHls(src) {
    if (window.Hls) return Promise.resolve(window.Hls);
    if (!hlsLoading) {
      hlsLoading = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = src; s.onload = function () { resolve(window.Hls); }; s.onerror = reject;
        document.head.appendChild(s);
      });
    }
    return hlsLoading;
  }
  function prefersAudioOnly() {
    var saved = null;
    try { saved = localStorage.getItem(PREF); } catch (e) {}
    if (saved !== null) return saved === "1";
    var c = navigator.connection;
    return !!(c && (c.saveData || /(^|-)2g$/.test(c.effectiveType || "")));
  }
  function remember(on) { try { localStorage.setItem(PREF, on ? "1" : "0"); } catch (e) {} }

  function setUp(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    var el = box.querySelector("video, audio");
    if (!el) return;
    var isVideo = box.dataset.kind === "video";
    var saver = box.querySelector("[data-audio-only]");
    var activity = box.dataset.activity;
    var hls = null;
    var started = false;
    var current = null; // the playlist in use

    function playlist() {
      return (!isVideo || (saver && saver.checked)) ? box.dataset.audio : box.dataset.master;
    }
    function attach(url, at, play) {
      current = url;
      box.dataset.source = url === box.dataset.audio ? "audio" : "master";
      var resume = function () {
        if (at > 0) { try { el.currentTime = at; } catch (e) {} }
        if (play) el.play().catch(function () {});
      };
      if (hls) { hls.destroy(); hls = null; }
      if (window.MediaSource && window.MediaSource.isTypeSupported &&
          window.MediaSource.isTypeSupported('video/mp4; codecs="avc1.4d401e,mp4a.40.2"')) {
        return loadHls(box.dataset.hlsSrc).then(function (Hls) {
          if (!Hls || !Hls.isSupported()) throw new Error("no hls.js");
          hls = new Hls({ capLevelToPlayerSize: true, maxBufferLength: 20, startPosition: at || -1 });
          hls.on(Hls.Events.MANIFEST_PARSED, function () { if (play) el.play().catch(function () {}); });
          hls.loadSource(url);
          hls.attachMedia(el);
        }).catch(function () { el.src = url; el.addEventListener("loadedmetadata", resume, { once: true }); });
      }
      if (el.canPlayType("application/vnd.apple.mpegurl")) {
        el.src = url;
        el.addEventListener("loadedmetadata", resume, { once: true });
        el.load();
      }
      return Promise.resolve();
    }

    // Where to start: the server's record (any device), else this phone's.
    var localKey = "lms-media-pos:" + (activity || box.id);
    function savedPosition() {
      var url = box.dataset.stateUrl;
      var local = parseFloat((function () { try { return localStorage.getItem(localKey); } catch (e) { return null; } })() || "0");
      if (!url || navigator.onLine === false) return Promise.resolve(local);
      return fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : {}; })
        .then(function (s) { return typeof s.position === "number" ? s.position : local; })
        .catch(function () { return local; });
    }

    // Stretches played: from where playing started to where it stopped or now.
    var stretchFrom = null, wallFrom = null, lastReport = 0;
    function report(final) {
      if (stretchFrom === null) return;
      var to = el.currentTime, seconds = (Date.now() - wallFrom) / 1000;
      if (to > stretchFrom + 0.5 && seconds >= 0.5) {
        if (window.lmsProgress && activity) {
          window.lmsProgress.report(activity, "progressed", {
            from: Math.round(stretchFrom * 100) / 100, to: Math.round(to * 100) / 100,
            position: Math.round(to * 100) / 100, seconds: Math.round(seconds)
          });
          if (final) window.lmsProgress.flush(true);
        }
        try { localStorage.setItem(localKey, String(to)); } catch (e) {}
      }
      stretchFrom = final ? null : to; wallFrom = Date.now(); lastReport = Date.now();
    }
    el.addEventListener("playing", function () { stretchFrom = el.currentTime; wallFrom = Date.now(); lastReport = Date.now(); });
    el.addEventListener("timeupdate", function () { if (stretchFrom !== null && Date.now() - lastReport > REPORT_EVERY) report(false); });
    el.addEventListener("pause", function () { report(true); });
    el.addEventListener("seeking", function () { report(true); });
    el.addEventListener("ended", function () { report(true); });
    window.addEventListener("pagehide", function () { report(true); });

    // The first play takes over from the plain file: HLS from the saved position.
    el.addEventListener("play", function first() {
      if (started) return;
      started = true;
      el.pause();
      savedPosition().then(function (at) {
        var duration = parseFloat(box.dataset.duration || "0");
        if (duration && at > duration - 3) at = 0;
        el.removeAttribute("src");
        return attach(playlist(), at, true);
      });
    });

    if (saver) {
      saver.checked = prefersAudioOnly();
      box.classList.toggle("audio-only", saver.checked);
      saver.addEventListener("change", function () {
        remember(saver.checked);
        box.classList.toggle("audio-only", saver.checked);
        if (!started) return;
        var at = el.currentTime, playing = !el.paused;
        report(true);
        if (playlist() !== current) attach(playlist(), at, playing);
      });
    }
  }

  // The room a phone has left for this site, beside the offline copies it offers.
  function showBudget() {
    var spots = document.querySelectorAll(".media .budget");
    if (!spots.length || !navigator.storage || !navigator.storage.estimate) return;
    navigator.storage.estimate().then(function (e) {
      var free = Math.max(0, (e.quota || 0) - (e.usage || 0));
      var mb = free > 1024 * 1024 * 1024 ? (free / 1073741824).toFixed(1) + " GB" : Math.round(free / 1048576) + " MB";
      Array.prototype.forEach.call(spots, function (spot) {
        spot.textContent = (spot.dataset.template || "%s").replace("%s", mb);
        spot.hidden = false;
        var box = spot.closest(".media");
        Array.prototype.forEach.call(box.querySelectorAll("a.download"), function (a) {
          if (parseInt(a.dataset.bytes || "0", 10) > free) a.classList.add("too-big");
        });
      });
    }).catch(function () {});
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-media-player]"), setUp);
    showBudget();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
