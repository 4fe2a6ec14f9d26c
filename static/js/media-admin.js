// The media library's edit screen: the processing of an upload, live (a WebSocket the
// worker's progress reaches), until it is ready or has failed with the reason.
(function () {
  "use strict";
  var box = document.querySelector("[data-media-progress]");
  if (!box || !window.WebSocket) return;
  var bar = box.querySelector("progress");
  var label = box.querySelector("[data-label]");
  var error = box.querySelector("[data-error]");
  var tries = 0;
  function show(state) {
    var done = state.status === "ready" || state.status === "failed";
    bar.hidden = done;
    bar.value = state.progress || 0;
    label.textContent = (state.label || state.status) + (state.status === "processing" ? " (" + state.progress + "%)" : "");
    error.hidden = !state.error;
    error.textContent = state.error || "";
    box.dataset.status = state.status;
    return done;
  }
  function open() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + box.dataset.socket);
    socket.onmessage = function (message) {
      tries = 0;
      var state = JSON.parse(message.data);
      if (state.status && !state.label) state.label = label.textContent.split(" (")[0];
      if (show(state)) socket.close();
    };
    socket.onclose = function (event) {
      var status = box.dataset.status;
      if (event.code === 4404 || status === "ready" || status === "failed") return;
      tries += 1;
      setTimeout(open, Math.min(30000, 1000 * Math.pow(2, tries)));
    };
  }
  if (box.dataset.status !== "ready" && box.dataset.status !== "failed") open();
})();
