// Spoken answers on a phone over a weak, intermittent link. The learner records with
// MediaRecorder (Opus in WebM or Ogg, whichever the browser makes), listens, and may
// record again; the recording is sent in small chunks. Until the server has it all, it
// is kept in IndexedDB under the attempt and the question (an attempt belongs to one
// learner), so a dropped link, a reload or a closed tab goes on from the offset the
// server reports instead of sending it all again. The server checks the file and says
// when it is saved; only then is the local copy dropped.
(function () {
  "use strict";
  var roots = document.querySelectorAll("[data-recorder]");
  if (!roots.length) return;

  var CHUNK = 64 * 1024;
  var TIMEOUT_MS = 60000;
  var MAX_DELAY_MS = 30000;
  var KEEP_MS = 3 * 24 * 3600 * 1000; // local copies older than this belong to old attempts
  var TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus"];
  var csrfField = document.querySelector("input[name=csrfmiddlewaretoken]");
  var csrf = csrfField ? csrfField.value : "";

  function supportedType() {
    if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return null;
    if (typeof MediaRecorder.isTypeSupported !== "function") return null;
    for (var i = 0; i < TYPES.length; i++) {
      if (MediaRecorder.isTypeSupported(TYPES[i])) return TYPES[i];
    }
    return null;
  }
  var TYPE = supportedType();

  // --- the local copy (IndexedDB; in memory only where it is unavailable) --------------

  var opened = null;
  function database() {
    if (!opened) {
      opened = new Promise(function (resolve, reject) {
        if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
        var request = indexedDB.open("lms-recordings", 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore("pending", { keyPath: "key" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return opened;
  }
  function transact(mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction("pending", mode);
        var request = work(tx.objectStore("pending"));
        tx.oncomplete = function () { resolve(request ? request.result : undefined); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  var local = {
    get: function (key) {
      return transact("readonly", function (s) { return s.get(key); }).catch(function () { return null; });
    },
    put: function (entry) {
      return transact("readwrite", function (s) { return s.put(entry); }).catch(function () {});
    },
    remove: function (key) {
      return transact("readwrite", function (s) { return s.delete(key); }).catch(function () {});
    },
    tidy: function () {
      var before = Date.now() - KEEP_MS;
      return transact("readwrite", function (s) {
        var cursor = s.openCursor();
        cursor.onsuccess = function () {
          var at = cursor.result;
          if (!at) return;
          if (!at.value.created || at.value.created < before) at.delete();
          at.continue();
        };
        return null;
      }).catch(function () {});
    },
  };

  // --- talking to the server -------------------------------------------------------------

  function send(method, url, body, headers) {
    var control = window.AbortController ? new AbortController() : null;
    var timer = control ? setTimeout(function () { control.abort(); }, TIMEOUT_MS) : null;
    var all = { "X-CSRFToken": csrf };
    Object.keys(headers || {}).forEach(function (name) { all[name] = headers[name]; });
    return fetch(url, {
      method: method, credentials: "same-origin", headers: all, body: body,
      signal: control ? control.signal : undefined,
    }).then(function (response) {
      if (timer) clearTimeout(timer);
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    }, function (error) {
      if (timer) clearTimeout(timer);
      throw error;
    });
  }

  // --- one recorder per spoken question -------------------------------------------------

  function Recorder(root) {
    var self = this;
    this.root = root;
    this.key = root.dataset.attempt + ":" + root.dataset.question;
    this.beginUrl = root.dataset.beginUrl;
    this.maxSeconds = Number(root.dataset.maxSeconds) || 120;
    this.maxBytes = Number(root.dataset.maxBytes) || 5 * 1024 * 1024;
    this.recordButton = root.querySelector("[data-record]");
    this.stopButton = root.querySelector("[data-stop]");
    this.clock = root.querySelector("[data-clock]");
    this.listen = root.querySelector("[data-listen]");
    this.progress = root.querySelector("[data-progress]");
    this.statusLine = root.querySelector("[data-status]");
    this.state = "idle"; // idle, recording, uploading, saved, failed, waiting (for the user)
    this.generation = 0; // a new take stops the upload of the one before
    this.wakeUp = null;
    this.localUrl = null;

    if (!TYPE) {
      this.say(this.message("Unsupported"), "error");
      return;
    }
    this.recordButton.hidden = false;
    this.recordButton.addEventListener("click", function () { self.record(); });
    this.stopButton.addEventListener("click", function () { self.stop(); });
  }

  Recorder.prototype.message = function (name) {
    return this.root.dataset["msg" + name] || "";
  };

  Recorder.prototype.say = function (text, kind) {
    this.statusLine.textContent = text;
    this.statusLine.className = "recorder-status" + (kind ? " " + kind : "");
  };

  Recorder.prototype.busy = function () {
    return this.state === "recording" || this.state === "uploading";
  };

  Recorder.prototype.showProgress = function (done, total) {
    this.progress.hidden = false;
    this.progress.value = total ? Math.floor((100 * done) / total) : 0;
  };

  Recorder.prototype.play = function (blob) {
    if (this.localUrl) URL.revokeObjectURL(this.localUrl);
    this.localUrl = URL.createObjectURL(blob);
    this.listen.src = this.localUrl;
    this.listen.closest("label").hidden = false;
  };

  Recorder.prototype.record = function () {
    var self = this;
    this.recordButton.disabled = true;
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      // A new take: the one before, if still on its way, is no longer sent.
      self.generation++;
      if (self.wakeUp) { clearTimeout(self.wakeUp.timer); self.wakeUp = null; }
      local.remove(self.key);
      var parts = [];
      var recorder;
      try {
        // Speech needs little: 32 kbit/s keeps two minutes under half a megabyte.
        recorder = new MediaRecorder(stream, { mimeType: TYPE, audioBitsPerSecond: 32000 });
      } catch (e) {
        recorder = new MediaRecorder(stream, { mimeType: TYPE });
      }
      recorder.ondataavailable = function (event) {
        if (event.data && event.data.size) parts.push(event.data);
      };
      recorder.onstop = function () {
        stream.getTracks().forEach(function (track) { track.stop(); });
        clearInterval(self.ticker);
        self.clock.hidden = true;
        self.stopButton.hidden = true;
        self.recordButton.hidden = false;
        self.recordButton.disabled = false;
        self.took(new Blob(parts, { type: TYPE }));
      };
      self.mediaRecorder = recorder;
      self.state = "recording";
      self.listen.pause();
      self.listen.closest("label").hidden = true;
      self.progress.hidden = true;
      self.recordButton.hidden = true;
      self.stopButton.hidden = false;
      self.clock.hidden = false;
      self.say(self.message("Recording"));
      var started = Date.now();
      var tick = function () {
        var seconds = Math.floor((Date.now() - started) / 1000);
        self.clock.textContent = clockText(seconds) + " / " + clockText(self.maxSeconds);
        // Stopped a second early: the encoder's last frame must not tip it over the limit.
        if (seconds >= self.maxSeconds - 1) {
          self.stop();
          self.say(self.message("Limit"));
        }
      };
      tick();
      self.ticker = setInterval(tick, 250);
      recorder.start(1000);
    }, function () {
      // Whatever was recorded before (and may be on its way) stays as it was.
      self.recordButton.disabled = false;
      self.say(self.message("Denied"), "error");
    });
  };

  function clockText(seconds) {
    return Math.floor(seconds / 60) + ":" + (seconds % 60 < 10 ? "0" : "") + (seconds % 60);
  }

  Recorder.prototype.stop = function () {
    if (this.mediaRecorder && this.mediaRecorder.state !== "inactive") this.mediaRecorder.stop();
  };

  Recorder.prototype.took = function (blob) {
    var self = this;
    if (!blob.size) {
      this.state = "idle";
      this.say(this.message("Denied"), "error");
      return;
    }
    this.play(blob);
    var entry = { key: this.key, blob: blob, type: TYPE, id: null, created: Date.now() };
    this.state = "uploading";
    var generation = this.generation;
    local.put(entry).then(function () { self.upload(entry, generation, false); });
  };

  // Sends what the server does not have yet, step by step; each step is safe to repeat.
  Recorder.prototype.upload = function (entry, generation, resuming) {
    var self = this;
    var delay = 1000;
    var size = entry.blob.size;
    this.state = "uploading";
    this.say(this.message(resuming ? "Resuming" : "Uploading"));

    function current() { return generation === self.generation; }

    function fail(text) {
      if (!current()) return;
      self.state = "failed";
      self.progress.hidden = true;
      self.say(text, "error");
      local.remove(entry.key);
    }

    function later(step, text) {
      if (!current()) return;
      self.say(text || self.message("Offline"), "error");
      var wait = delay;
      delay = Math.min(delay * 2, MAX_DELAY_MS);
      var wake = { step: step, timer: setTimeout(function () { self.wakeUp = null; step(); }, wait) };
      self.wakeUp = wake;
    }

    // What every step does with an answer that is neither success nor "go on from N".
    function otherwise(result, step) {
      if (result.status === 403) {
        // Signed out: the recording stays on the phone for the learner's next visit.
        self.state = "waiting";
        self.say(self.message("Session"), "error");
        return;
      }
      if (result.status === 429 || result.status >= 500) { later(step); return; }
      if (result.status === 404 && entry.id) {
        // The server no longer has the upload (abandoned too long): send it afresh.
        entry.id = null;
        local.put(entry).then(begin);
        return;
      }
      fail((result.data && result.data.detail) || self.message("Offline"));
    }

    function begin() {
      if (!current()) return;
      var body = JSON.stringify({ content_type: entry.type, size: size });
      send("POST", self.beginUrl, body, { "Content-Type": "application/json" }).then(function (result) {
        if (!current()) return;
        if (result.status === 201) {
          entry.id = result.data.id;
          entry.uploadUrl = result.data.upload_url;
          entry.finishUrl = result.data.finish_url;
          local.put(entry).then(function () { chunk(result.data.offset); });
        } else {
          otherwise(result, begin);
        }
      }, function () { later(begin); });
    }

    function status() {
      if (!current()) return;
      send("GET", entry.uploadUrl).then(function (result) {
        if (!current()) return;
        if (result.status === 200) {
          if (result.data.complete) done(result.data); else chunk(result.data.offset);
        } else {
          otherwise(result, status);
        }
      }, function () { later(status); });
    }

    function chunk(offset) {
      if (!current()) return;
      self.showProgress(offset, size);
      if (offset >= size) { finish(); return; }
      var piece = entry.blob.slice(offset, Math.min(offset + CHUNK, size));
      var headers = { "Content-Type": "application/octet-stream", "Upload-Offset": String(offset) };
      var again = function () { chunk(offset); };
      send("PUT", entry.uploadUrl, piece, headers).then(function (result) {
        if (!current()) return;
        if (result.status === 200 || (result.status === 409 && typeof result.data.offset === "number")) {
          delay = 1000;
          self.say(self.message(resuming ? "Resuming" : "Uploading"));
          chunk(result.data.offset);
        } else {
          otherwise(result, again);
        }
      }, function () { later(again); });
    }

    function finish() {
      if (!current()) return;
      self.say(self.message("Checking"));
      send("POST", entry.finishUrl).then(function (result) {
        if (!current()) return;
        if (result.status === 200) {
          done(result.data);
        } else if (result.status === 409 && typeof result.data.offset === "number") {
          chunk(result.data.offset);
        } else {
          otherwise(result, finish);
        }
      }, function () { later(finish); });
    }

    function done(data) {
      self.state = "saved";
      self.progress.hidden = true;
      self.say(data.message || self.message("Saved"), "saved");
      self.recordButton.textContent = self.recordButton.dataset.again || self.recordButton.textContent;
      local.remove(entry.key);
    }

    if (entry.id && entry.uploadUrl) status(); else begin();
  };

  // A learner back online should not wait out the backoff.
  Recorder.prototype.wake = function () {
    if (!this.wakeUp) return;
    clearTimeout(this.wakeUp.timer);
    var step = this.wakeUp.step;
    this.wakeUp = null;
    step();
  };

  Recorder.prototype.resume = function () {
    var self = this;
    return local.get(this.key).then(function (entry) {
      if (!entry || !entry.blob || self.state !== "idle") return;
      self.play(entry.blob);
      self.upload(entry, self.generation, true);
    });
  };

  var recorders = Array.prototype.map.call(roots, function (root) { return new Recorder(root); });
  local.tidy().then(function () {
    recorders.forEach(function (recorder) { recorder.resume(); });
  });
  window.addEventListener("online", function () {
    recorders.forEach(function (recorder) { recorder.wake(); });
  });

  // Submitting while a recording is being made or sent would lose it: the attempt is
  // submitted once the recordings are in (and not at all if one was refused).
  var submit = document.querySelector("form[data-submit]");
  if (submit) {
    var note = document.createElement("p");
    note.className = "recorder-status";
    note.setAttribute("role", "status");
    submit.appendChild(note);
    submit.addEventListener("submit", function (event) {
      var waiting = recorders.filter(function (r) { return r.busy(); });
      if (!waiting.length) return;
      event.preventDefault();
      var button = submit.querySelector("button");
      if (button) button.disabled = true;
      note.textContent = waiting[0].message("WaitSubmit");
      waiting.forEach(function (r) { if (r.state === "recording") r.stop(); });
      var check = function () {
        if (recorders.some(function (r) { return r.busy(); })) { setTimeout(check, 500); return; }
        if (recorders.some(function (r) { return r.state === "failed" || r.state === "waiting"; })) {
          note.textContent = "";
          if (button) button.disabled = false;
          return;
        }
        submit.submit();
      };
      setTimeout(check, 500);
    });
  }
})();
