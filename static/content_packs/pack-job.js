// A course pack's export or import, followed live: the job's status is asked for every
// second until it is done or has failed.
(function () {
  "use strict";
  var box = document.querySelector("[data-pack-job]");
  if (!box) return;
  function mb(bytes) { return (bytes / 1048576).toFixed(1) + " MB"; }
  function show(job) {
    box.querySelector("[data-status]").textContent = job.status_label;
    box.querySelector("[data-phase]").textContent =
      job.status === "running" ? (box.dataset["phase" + job.phase.charAt(0).toUpperCase() + job.phase.slice(1)] || "") : "";
    box.querySelector("[data-progress]").value = job.percent;
    box.querySelector("[data-bytes]").textContent =
      job.total_bytes ? mb(job.done_bytes) + " / " + mb(job.total_bytes) : (job.done_bytes ? mb(job.done_bytes) : "");
    box.querySelector("[data-message]").textContent = job.message;
    if (job.download) { var d = box.querySelector("[data-download]"); d.href = job.download; d.hidden = false; }
    if (job.course) { var c = box.querySelector("[data-course]"); c.href = job.course; c.hidden = false; }
    box.dataset.state = job.status;
    return job.status === "done" || job.status === "failed";
  }
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (job) { if (!show(job)) setTimeout(poll, 1000); })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
