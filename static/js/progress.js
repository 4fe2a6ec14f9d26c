// Reports a learner's progress on a lesson. Events are queued in localStorage with a
// UUID each and sent in batches; the server stores each UUID once, so resending after a
// dropped connection is always safe. The page reads fine without this script.
(function () {
  "use strict";
  var article = document.querySelector("article[data-activity]");
  if (!article) return;
  var activity = article.dataset.activity;
  var url = article.dataset.eventsUrl;
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  // One queue per learner: on a shared phone, events left unsent by one learner wait
  // for that learner's next visit and are never sent under someone else's session.
  var learner = article.dataset.learner;
  var KEY = "lms-progress-queue:" + learner;
  var MAX_BATCH = 50;
  var status = document.querySelector(".sync");
  var retryDelay = 2000;

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function load() { try { return JSON.parse(localStorage.getItem(KEY)) || []; } catch (e) { return []; } }
  function save(q) { try { localStorage.setItem(KEY, JSON.stringify(q.slice(-2000))); } catch (e) {} }
  function say(text) { if (status) { status.hidden = !text; status.textContent = text || ""; } }
  // The page's language: the messages come translated on the status line's data-*.
  function message(key, fallback) { return (status && status.dataset[key]) || fallback; }

  function queue(verb, payload, about) {
    var q = load();
    q.push({ id: uuid(), activity: about || activity, verb: verb, occurred_at: new Date().toISOString(), payload: payload || {} });
    save(q);
  }

  var inflight = null;
  var halted = false;
  var batchSize = MAX_BATCH;
  var completion = null;   // what the page does once its "completed" event is settled
  function forget(ids) {
    save(load().filter(function (e) { return !ids[e.id]; }));
  }
  function idsOf(events) { var ids = {}; events.forEach(function (e) { ids[e.id] = 1; }); return ids; }
  function settled(body) {
    // The server answers each event: stored, duplicate or refused (with its reason).
    // All three are settled and leave the queue; anything it did not answer stays.
    var ids = {};
    (body.events || []).forEach(function (r) { if (r.id && r.status) ids[r.id] = 1; });
    forget(ids);
    if (completion) completion(body);
    retryDelay = 2000; batchSize = MAX_BATCH; say("");
    return true;
  }
  function retryLater(text) {
    say(text || message("retry", "Chưa gửi được tiến độ — sẽ thử lại."));
    setTimeout(flush, retryDelay); retryDelay = Math.min(retryDelay * 2, 60000);
    return false;
  }
  function flush(keepalive) {
    if (halted) return Promise.resolve(false);
    if (inflight) return inflight.then(function () { return flush(keepalive); });
    var q = load();
    if (!q.length) return Promise.resolve(true);
    if (navigator.onLine === false) { say(message("offline", "Đang ngoại tuyến — tiến độ được lưu và sẽ gửi khi có mạng.")); return Promise.resolve(false); }
    var batch = q.slice(0, batchSize);
    inflight = fetch(url, {
      method: "POST", credentials: "same-origin", keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ learner: learner, events: batch })
    }).then(function (r) {
      if (r.ok) return r.json().then(settled);
      if (r.status === 401 || r.status === 403) {
        // Not this page's learner any more (signed out, someone else signed in): keep
        // the events for their owner's next visit and stop.
        halted = true;
        say(message("sessionChanged", "Phiên đăng nhập đã thay đổi — hãy tải lại trang; tiến độ vẫn được giữ."));
        return false;
      }
      if (r.status === 400 || r.status === 413) {
        // The batch as a whole was refused (too big, or unreadable): halve it to find
        // the event at fault; a single such event is dropped, never the others.
        if (batch.length > 1) { batchSize = Math.ceil(batch.length / 2); return true; }
        forget(idsOf(batch));
        return true;
      }
      throw new Error("HTTP " + r.status);
    }).catch(function () {
      return retryLater();
    }).then(function (ok) {
      inflight = null;
      return ok && load().length ? flush(keepalive) : ok;
    });
    return inflight;
  }

  // Time on task: count only while the page is visible, report every 30 s.
  var visibleSince = document.hidden ? null : Date.now();
  var pending = 0;
  function scrollShare() {
    var max = document.documentElement.scrollHeight - window.innerHeight;
    return max > 0 ? Math.min(1, Math.max(0, window.scrollY / max)) : 0;
  }
  function tick(final) {
    if (visibleSince !== null) { pending += (Date.now() - visibleSince) / 1000; visibleSince = document.hidden ? null : Date.now(); }
    if (pending >= 5 || (final && pending >= 1)) {
      queue("progressed", { seconds: Math.round(pending), position: { scroll: Number(scrollShare().toFixed(4)) } });
      pending = 0;
    }
  }
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { tick(true); flush(true); } else { visibleSince = Date.now(); }
  });
  window.addEventListener("pagehide", function () { tick(true); flush(true); });
  window.addEventListener("online", function () { flush(); });
  setInterval(function () { tick(false); flush(); }, 30000);

  // Resume where the learner left off.
  var resume = parseFloat(article.dataset.resumeScroll || "0");
  if (resume > 0.02 && !location.hash) {
    window.addEventListener("load", function () {
      window.scrollTo(0, resume * (document.documentElement.scrollHeight - window.innerHeight));
    });
  }

  // Completing: queue the event and move on once the server has accepted it; if it
  // wants more reading first, say why and stay; offline, stay and say so.
  var form = document.querySelector("form[data-complete]");
  if (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      tick(true);
      queue("completed", {});
      var next = form.querySelector('input[name="next"]').value;
      var answer = null;
      completion = function (body) {
        (body.activities || []).forEach(function (a) { if (a.activity === activity) answer = a; });
        (body.courses || []).forEach(function (c) { if (c.newly_completed) next = article.dataset.courseUrl || next; });
      };
      flush().then(function (ok) {
        completion = null;
        if (!ok) { say(message("completeQueued", "Đã ghi nhận hoàn thành; sẽ gửi khi có mạng.")); return; }
        if (answer && !answer.completed && answer.waiting) { say(answer.waiting); return; }
        location.assign(next);
      });
    });
  }

  queue("viewed", {});
  flush();

  // The page's players report their own activities (a video's watched segments) through
  // the same queue; the event names the activity.
  window.lmsProgress = {
    report: function (about, verb, payload) { queue(verb, payload, about); },
    flush: flush
  };
  document.dispatchEvent(new Event("lms:progress-ready"));

  // Lessons opened once stay readable offline (static/js/sw.js).
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(function () {});
})();
