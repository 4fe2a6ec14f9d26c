// The classroom's audio and video buttons: ask the server for room access (a Janus
// token it grants for this session only), then hand it to LiveMedia. Any failure stays
// in the status line; chat, slides and polls do not depend on any of this.
(function () {
  "use strict";
  var panel = document.querySelector(".live-media[data-pass]");
  if (!panel) return;
  var status = panel.querySelector(".live-media-status");
  var stopButton = panel.querySelector("[data-media=stop]");
  var video = panel.querySelector(".live-video");

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function start(listenOnly) {
    if (!window.LiveMedia) { status.textContent = panel.dataset.unavailable || ""; return; }
    status.textContent = "…";
    var body = new URLSearchParams({ listen_only: listenOnly ? "1" : "0" });
    fetch(panel.dataset.pass, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (answer) {
      if (!answer.ok) { status.textContent = answer.data.detail || ""; return; }
      stopButton.hidden = false;
      video.hidden = false;
      LiveMedia.start(answer.data, {
        audio: panel.querySelector(".live-audio"),
        video: video,
        status: status,
        onState: function (state) { panel.dataset.state = state; },
      });
    }).catch(function () {
      status.textContent = panel.dataset.offline || "";
    });
  }

  panel.addEventListener("click", function (event) {
    var button = event.target.closest("[data-media]");
    if (!button) return;
    var what = button.dataset.media;
    if (what === "stop") {
      if (window.LiveMedia) LiveMedia.stop();
      stopButton.hidden = true;
      video.hidden = true;
      return;
    }
    start(what === "listen");
  });
})();
