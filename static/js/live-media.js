// Audio and the host's camera in a live class, through the Janus WebRTC server.
// Needs /static/vendor/janus/adapter.js and /static/vendor/janus/janus.js loaded first.
//
//   LiveMedia.start(access, {audio, video, status, onState})  access: JSON from the server
//   LiveMedia.setMuted(true|false)                            the microphone
//   LiveMedia.stop()
//
// access = {janus_url, token, audio_room, video_room, pin, display, host, listen_only}
// (live.janus.client.media_access). janus_url may be empty (this host, port 8188) or a
// path such as "/janus/" (a proxy on this origin). onState(state) hears "connecting",
// "connected", "listen_only", "unavailable" or "ended"; start returns a promise that
// never rejects. Without a <video> element no camera is received.
//
// Everyone hears one mix from the AudioBridge room (so a class costs each learner one
// audio stream, however many speak). The host also sends the camera to the VideoRoom in
// three simulcast layers; learners take the smallest, which a weak rural link can carry.
// A learner may join listen-only: no microphone is asked for at all. Nothing here may
// break the rest of the classroom: a missing camera or microphone, a refused permission
// or a stopped Janus only change the status line, and no error reaches the page.
(function () {
  "use strict";

  var GUARD_MS = 20000; // no audio by then: report the media as unavailable
  var POLL_MS = 5000; // how often a learner looks for the host's camera
  var WS_PORT = 8188; // Janus's WebSocket port when the server names no address
  var CAMERA = { width: { ideal: 960 }, height: { ideal: 540 }, frameRate: { ideal: 20, max: 30 } };
  var LAYERS = { high: 600000, medium: 200000, low: 80000 }; // bits/s per simulcast layer
  var TEXT = {
    connecting: "Đang kết nối âm thanh…",
    connected: "Đã kết nối âm thanh.",
    listen_only: "Đang nghe lớp học (không dùng micrô).",
    unavailable: "Âm thanh và hình ảnh tạm thời không dùng được; lớp học vẫn tiếp tục.",
    ended: "Đã ngắt âm thanh và hình ảnh.",
    unsupported: "Trình duyệt này không hỗ trợ âm thanh trực tuyến; lớp học vẫn tiếp tục.",
    micDenied: "Không dùng được micrô, bạn vẫn nghe được lớp học.",
    micInsecure: "Micrô chỉ dùng được khi trang mở bằng https; bạn vẫn nghe được lớp học.",
    muted: "Micrô đang tắt.",
    refused: "Không vào được phòng âm thanh của buổi học này.",
    lost: "Mất kết nối âm thanh; lớp học vẫn tiếp tục.",
    closed: "Buổi học đã kết thúc phần âm thanh và hình ảnh.",
    tapToHear: "Chạm vào trang để nghe âm thanh.",
    cameraOn: "Máy quay đang phát.",
    cameraMissing: "Không dùng được máy quay; lớp học chỉ có âm thanh.",
    cameraInsecure: "Máy quay chỉ dùng được khi trang mở bằng https; lớp học chỉ có âm thanh.",
    cameraRefused: "Không phát được hình từ máy quay.",
    hostNoCamera: "Giảng viên chưa bật máy quay.",
    hostCamera: "Đang xem hình của giảng viên."
  };

  var run = null; // the connection now running, if any
  var initialised = null;

  function noop() {}
  function log(what, error) {
    try { console.warn("LiveMedia: " + what, error || ""); } catch (e) { /* no console */ }
  }
  // Every callback from janus.js or a timer goes through this: an error is logged and
  // handed to onError (by default the whole connection becomes "unavailable"), never
  // thrown into the page.
  function guarded(r, fn, onError) {
    return function () {
      if (r !== run) return undefined; // from a connection already stopped
      try {
        return fn.apply(this, arguments);
      } catch (error) {
        log("internal error", error);
        if (r === run) (onError || function () { fail(r, TEXT.unavailable); })();
        return undefined;
      }
    };
  }
  // The camera is an extra: a fault there costs the picture, not the sound.
  function guardedVideo(r, fn) {
    return guarded(r, fn, function () { setVideoText(r, r.access.host ? TEXT.cameraRefused : TEXT.hostNoCamera); });
  }

  function janusUrl(raw) {
    var ws = location.protocol === "https:" ? "wss://" : "ws://";
    if (!raw) return ws + location.hostname + ":" + WS_PORT + "/";
    if (raw.charAt(0) === "/") return ws + location.host + raw;
    return raw;
  }

  function initJanus() {
    if (!initialised) {
      initialised = new Promise(function (resolve) {
        if (!window.Janus || !window.adapter || !window.RTCPeerConnection || !window.WebSocket) {
          resolve(false);
          return;
        }
        try {
          window.Janus.init({
            debug: false,
            dependencies: window.Janus.useDefaultDependencies(),
            callback: function () { resolve(window.Janus.isWebrtcSupported()); }
          });
        } catch (error) {
          log("janus.js did not start", error);
          resolve(false);
        }
      });
    }
    return initialised;
  }

  // getUserMedia for one kind of device; resolves to a track or to null with a reason.
  function capture(constraints) {
    var devices = navigator.mediaDevices;
    if (!window.isSecureContext || !devices || !devices.getUserMedia) {
      return Promise.resolve({ track: null, reason: "insecure" });
    }
    return devices.getUserMedia(constraints).then(function (stream) {
      var tracks = stream.getTracks();
      return { track: tracks[0] || null, reason: tracks[0] ? "" : "none" };
    }, function (error) {
      return { track: null, reason: (error && error.name) || "error" };
    });
  }

  // --- status -----------------------------------------------------------------------------

  function show(r) {
    if (!r.elements.status) return;
    var parts = [r.audioText, r.videoText].filter(Boolean);
    try { r.elements.status.textContent = parts.join(" "); } catch (e) { /* detached */ }
  }
  function setState(r, state, text) {
    r.audioText = text || TEXT[state] || "";
    show(r);
    if (r.state === state) return;
    r.state = state;
    var callback = r.elements.onState;
    if (typeof callback === "function") {
      try { callback(state); } catch (error) { log("onState failed", error); }
    }
  }
  function setVideoText(r, text) {
    r.videoText = text || "";
    show(r);
  }
  function fail(r, text) {
    var ended = text === TEXT.closed;
    teardown(r);
    setState(r, ended ? "ended" : "unavailable", text);
    // Nothing of this connection may change the state any more.
    if (run === r) run = null;
  }
  function audioReady(r) {
    clearTimeout(r.guard);
    if (r.mic) {
      setState(r, "connected", r.muted ? TEXT.muted : TEXT.connected);
    } else {
      setState(r, "listen_only", r.micText || TEXT.listen_only);
    }
  }

  function play(r, element, stream) {
    element.srcObject = stream;
    var playing = element.play();
    if (!playing || typeof playing.catch !== "function") return;
    playing.catch(function () {
      // Autoplay refused until the person touches the page: ask, then try again.
      if (element !== r.elements.audio) return;
      setState(r, r.state, TEXT.tapToHear);
      document.addEventListener("click", function retry() {
        if (r !== run) return;
        element.play().then(guarded(r, function () { audioReady(r); }), noop);
      }, { once: true });
    });
  }

  // --- AudioBridge: everybody ------------------------------------------------------------

  function attachAudio(r) {
    var offered = false;
    r.janus.attach({
      plugin: "janus.plugin.audiobridge",
      success: guarded(r, function (handle) {
        r.audioHandle = handle;
        handle.send({ message: {
          request: "join", room: r.access.audio_room, pin: r.access.pin,
          display: r.access.display, muted: !r.mic || r.muted
        } });
      }),
      error: guarded(r, function (error) { log("audio attach", error); fail(r, TEXT.unavailable); }),
      onmessage: guarded(r, function (message, jsep) {
        var kind = message.audiobridge;
        if (message.error_code) {
          log("audio room", message.error);
          fail(r, message.error_code === 489 || message.error_code === 485 ? TEXT.refused : TEXT.unavailable);
          return;
        }
        if (kind === "destroyed") { fail(r, TEXT.closed); return; }
        if (kind === "joined" && message.id && !offered) {
          offered = true;
          var track = r.mic
            ? { type: "audio", capture: r.mic, recv: true }
            : { type: "audio", capture: false, recv: true };
          r.audioHandle.createOffer({
            tracks: [track],
            success: guarded(r, function (offer) {
              r.audioHandle.send({ message: { request: "configure", muted: !r.mic || r.muted }, jsep: offer });
            }),
            error: guarded(r, function (error) { log("audio offer", error); fail(r, TEXT.unavailable); })
          });
        }
        if (jsep) r.audioHandle.handleRemoteJsep({ jsep: jsep });
      }),
      onremotetrack: guarded(r, function (track, mid, on) {
        if (track.kind !== "audio") return;
        if (on) play(r, r.elements.audio, new MediaStream([track]));
      }),
      webrtcState: guarded(r, function (up) {
        if (up) audioReady(r);
        else if (!r.stopping) fail(r, TEXT.lost);
      }),
      iceState: guarded(r, function (state) {
        if (state === "failed") fail(r, TEXT.lost);
      })
    });
  }

  // --- VideoRoom: the host publishes -----------------------------------------------------

  function publishCamera(r) {
    r.janus.attach({
      plugin: "janus.plugin.videoroom",
      success: guardedVideo(r, function (handle) {
        r.videoHandle = handle;
        // The token goes in the join too: the room lets only the host's token publish.
        handle.send({ message: {
          request: "join", ptype: "publisher", room: r.access.video_room, pin: r.access.pin,
          display: r.access.display, token: r.access.token
        } });
      }),
      error: guardedVideo(r, function (error) { log("video attach", error); setVideoText(r, TEXT.cameraRefused); }),
      onmessage: guardedVideo(r, function (message, jsep) {
        if (message.error_code) {
          log("video room", message.error);
          setVideoText(r, TEXT.cameraRefused);
          return;
        }
        if (message.videoroom === "joined") {
          r.videoHandle.createOffer({
            tracks: [{ type: "video", capture: r.camera, simulcast: true, simulcastMaxBitrates: LAYERS, recv: false }],
            success: guardedVideo(r, function (offer) {
              r.videoHandle.send({ message: { request: "publish", audio: false, video: true }, jsep: offer });
            }),
            error: guardedVideo(r, function (error) { log("video offer", error); setVideoText(r, TEXT.cameraRefused); })
          });
        }
        if (jsep) r.videoHandle.handleRemoteJsep({ jsep: jsep });
      }),
      webrtcState: guardedVideo(r, function (up) {
        setVideoText(r, up ? TEXT.cameraOn : TEXT.cameraRefused);
      })
    });
    if (r.elements.video) {
      r.elements.video.muted = true;
      play(r, r.elements.video, new MediaStream([r.camera]));
    }
  }

  // --- VideoRoom: learners watch the host's smallest layer -------------------------------

  function watchHost(r) {
    var handle = null; // this subscription's own handle: hostGone replaces r.videoHandle
    r.janus.attach({
      plugin: "janus.plugin.videoroom",
      success: guardedVideo(r, function (h) {
        handle = r.videoHandle = h;
        lookForHost(r);
      }),
      error: guardedVideo(r, function (error) { log("video attach", error); }),
      onmessage: guardedVideo(r, function (message, jsep) {
        if (handle !== r.videoHandle) return;
        if (message.error_code) {
          log("video room", message.error);
          r.feed = null;
          schedulePoll(r);
          return;
        }
        if (message.videoroom === "updated" && !hasActiveStream(message.streams)) {
          hostGone(r);
          return;
        }
        if (jsep && jsep.type === "offer") {
          handle.createAnswer({
            jsep: jsep,
            tracks: [],
            success: guardedVideo(r, function (answer) {
              handle.send({ message: { request: "start" }, jsep: answer });
            }),
            error: guardedVideo(r, function (error) { log("video answer", error); hostGone(r); })
          });
        }
      }),
      onremotetrack: guardedVideo(r, function (track, mid, on, metadata) {
        if (track.kind !== "video" || handle !== r.videoHandle) return;
        if (on) {
          r.elements.video.muted = true;
          play(r, r.elements.video, new MediaStream([track]));
          setVideoText(r, TEXT.hostCamera);
        } else if (!metadata || metadata.reason !== "mute") {
          // A muted track only stalls (the host's link); an ended one is gone.
          hostGone(r);
        }
      }),
      webrtcState: guardedVideo(r, function (up) { if (!up && handle === r.videoHandle) hostGone(r); })
    });
  }

  function lookForHost(r) {
    var handle = r.videoHandle;
    if (!handle) return;
    handle.send({
      message: { request: "listparticipants", room: r.access.video_room },
      success: guardedVideo(r, function (result) {
        if (handle !== r.videoHandle) return;
        var people = (result && result.participants) || [];
        var host = people.filter(function (p) { return p.publisher; }).pop();
        if (!host) {
          setVideoText(r, TEXT.hostNoCamera);
          schedulePoll(r);
          return;
        }
        r.feed = host.id;
        handle.send({ message: {
          request: "join", ptype: "subscriber", room: r.access.video_room, pin: r.access.pin,
          streams: [{ feed: host.id, substream: 0 }]
        } });
      }),
      error: guardedVideo(r, function () { schedulePoll(r); })
    });
  }
  function hasActiveStream(streams) {
    return (streams || []).some(function (s) { return s.type === "video" && s.active !== false; });
  }
  function schedulePoll(r) {
    clearTimeout(r.poll);
    r.poll = setTimeout(guardedVideo(r, function () { lookForHost(r); }), POLL_MS);
  }
  function hostGone(r) {
    if (!r.feed) return;
    r.feed = null;
    if (r.elements.video) r.elements.video.srcObject = null;
    setVideoText(r, TEXT.hostNoCamera);
    // The subscription is over: look again, on a fresh handle, for the camera's return.
    var old = r.videoHandle;
    r.videoHandle = null;
    var again = guardedVideo(r, function () { watchHost(r); });
    try {
      old.detach({ success: again, error: again });
    } catch (error) {
      again();
    }
  }

  // --- start and stop --------------------------------------------------------------------

  function teardown(r) {
    if (r.stopping) return;
    r.stopping = true;
    r.videoText = "";
    clearTimeout(r.guard);
    clearTimeout(r.poll);
    [r.mic, r.camera].forEach(function (track) { if (track) track.stop(); });
    [r.elements.audio, r.elements.video].forEach(function (element) {
      if (element) { try { element.srcObject = null; } catch (e) { /* ignore */ } }
    });
    if (r.janus) {
      try { r.janus.destroy({ cleanupHandles: true, notifyDestroyed: false }); } catch (e) { log("destroy", e); }
    }
  }

  function connect(r) {
    var url = janusUrl(r.access.janus_url);
    r.janus = new window.Janus({
      server: url,
      token: r.access.token,
      // No public STUN server: Janus answers from its own address, and nothing should
      // tell a third party who is in class. TURN, when needed, comes from the server.
      iceServers: Array.isArray(r.access.ice_servers) ? r.access.ice_servers : [],
      success: guarded(r, function () {
        attachAudio(r);
        if (r.access.host && r.camera) publishCamera(r);
        else if (!r.access.host && r.elements.video) watchHost(r);
      }),
      error: guarded(r, function (error) { log("janus", error); fail(r, TEXT.unavailable); }),
      destroyed: noop
    });
  }

  function start(access, elements) {
    stop(true);
    var given = elements || {};
    // Without an <audio> the class is still heard, through one made here; without a
    // <video> no camera is received at all, which spares a weak link.
    elements = {
      audio: given.audio || new Audio(), video: given.video || null,
      status: given.status || null, onState: given.onState
    };
    var r = {
      access: access || {}, elements: elements, state: null, audioText: "", videoText: "",
      mic: null, camera: null, muted: false, feed: null, stopping: false
    };
    run = r;
    try { elements.audio.autoplay = true; } catch (e) { /* ignore */ }
    if (elements.video) {
      try { elements.video.autoplay = true; elements.video.playsInline = true; } catch (e) { /* ignore */ }
    }
    setState(r, "connecting");
    var listenOnly = Boolean(r.access.listen_only) && !r.access.host;
    return initJanus().then(function (supported) {
      if (r !== run) return null;
      if (!supported) { fail(r, TEXT.unsupported); return null; }
      return Promise.all([
        listenOnly ? { track: null, reason: "" } : capture({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } }),
        r.access.host ? capture({ video: CAMERA }) : { track: null, reason: "" }
      ]);
    }).then(function (media) {
      if (!media) return;
      if (r !== run) {
        // Stopped while the browser asked for the devices: let go of them at once.
        media.forEach(function (m) { if (m.track) m.track.stop(); });
        return;
      }
      connectWith(r, media, listenOnly);
    }).catch(function (error) {
      log("start", error);
      if (r === run) fail(r, TEXT.unavailable);
    }).then(function () { return r.state; });
  }

  function connectWith(r, media, listenOnly) {
    guarded(r, function () {
      r.mic = media[0].track;
      r.camera = media[1].track;
      if (!listenOnly && !r.mic) {
        r.micText = media[0].reason === "insecure" ? TEXT.micInsecure : TEXT.micDenied;
      }
      if (r.access.host && !r.camera) {
        setVideoText(r, media[1].reason === "insecure" ? TEXT.cameraInsecure : TEXT.cameraMissing);
      }
      r.guard = setTimeout(guarded(r, function () { fail(r, TEXT.unavailable); }), GUARD_MS);
      connect(r);
    })();
  }

  function stop(quiet) {
    var r = run;
    if (!r) return;
    teardown(r);
    if (quiet !== true) setState(r, "ended");
    run = null;
  }

  function setMuted(muted) {
    var r = run;
    if (!r) return;
    try {
      r.muted = Boolean(muted);
      if (!r.mic) return;
      r.mic.enabled = !r.muted;
      if (r.audioHandle) r.audioHandle.send({ message: { request: "configure", muted: r.muted } });
      if (r.state === "connected") setState(r, "connected", r.muted ? TEXT.muted : TEXT.connected);
    } catch (error) {
      log("mute", error);
    }
  }

  window.LiveMedia = {
    start: function (access, elements) {
      try { return start(access, elements); } catch (error) { log("start", error); return Promise.resolve("unavailable"); }
    },
    stop: function () { try { stop(); } catch (error) { log("stop", error); } },
    setMuted: setMuted
  };
})();
