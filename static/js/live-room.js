// The classroom client on a weak link. The socket registers once (the whole state and
// its sequence number) and, after every reconnect, resumes from the last number it
// applied, receiving exactly what it missed. Actions wait in an outbox kept in
// localStorage until the server acknowledges them; a resend carries the same id, which
// the server does once. Presence is kept by a heartbeat.
(function () {
  "use strict";
  var root = document.querySelector(".live-room[data-ws]");
  if (!root || !window.LiveState || !window.WebSocket) return;
  var HEARTBEAT_MS = 20000;
  var me = Number(root.dataset.user);
  var isHost = root.dataset.role === "host";
  var outboxKey = "live:" + root.dataset.session + ":" + me + ":outbox";
  var room = null, you = null, seq = null, socket = null, ready = false;
  var retry = 0, heartbeat = null, stopped = false, drawQueued = false, reconnectTimer = null;
  var $ = function (sel) { return root.querySelector(sel); };

  function t(key) { return root.dataset["t" + key] || key; }

  function loadOutbox() {
    try { return JSON.parse(localStorage.getItem(outboxKey) || "[]"); } catch (e) { return []; }
  }
  var outbox = loadOutbox();
  function saveOutbox() {
    try { localStorage.setItem(outboxKey, JSON.stringify(outbox)); } catch (e) { /* full */ }
  }

  function status(text, kind) {
    var el = $(".live-status");
    el.textContent = text;
    el.dataset.kind = kind || "";
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame));
  }

  function act(action, params) {
    var frame = Object.assign({ type: "action", action: action, id: Date.now().toString(36) + Math.random().toString(36).slice(2, 8) }, params || {});
    outbox.push(frame);
    saveOutbox();
    if (ready) send(frame);
    draw();
  }

  function flushOutbox() { outbox.forEach(send); }

  function connect() {
    reconnectTimer = null;
    if (stopped) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    // One socket per page: an old socket's late events (its close arriving after a
    // new one opened) are ignored, or the page would hold two and send its outbox twice.
    var mine = new WebSocket(scheme + location.host + root.dataset.ws);
    socket = mine;
    status(t("Connecting"), "wait");
    mine.onopen = function () {
      if (mine !== socket) return;
      retry = 0;
      send(seq === null ? { type: "register" } : { type: "resume", last_seq: seq });
      clearInterval(heartbeat);
      heartbeat = setInterval(function () { send({ type: "ping" }); }, HEARTBEAT_MS);
    };
    mine.onmessage = function (message) {
      if (mine !== socket) return;
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      receive(data);
    };
    mine.onclose = function (event) {
      if (mine !== socket) return;
      ready = false;
      clearInterval(heartbeat);
      if (event.code === 4403) { stopped = true; status(t("Refused"), "error"); return; }
      if (event.code === 4410) { stopped = true; status(t("Ended"), "ended"); return; }
      if (event.code === 4409) { stopped = true; status(t("Superseded"), "error"); return; }
      var wait = event.code === 4429 ? 30000 : Math.min(30000, 1000 * Math.pow(2, retry++));
      status(t("Reconnecting"), "wait");
      reconnectTimer = setTimeout(connect, wait * (0.75 + Math.random() / 2));
    };
  }

  function registered() {
    ready = true;
    status(room.session.ended ? t("Ended") : t("Connected"), room.session.ended ? "ended" : "ok");
    flushOutbox();
    draw();
  }

  function receive(data) {
    if (data.type === "state") {
      room = data.room; you = data.you; seq = data.seq;
      registered();
    } else if (data.type === "event") {
      if (seq === null || data.seq <= seq) return;
      if (data.seq !== seq + 1) { send({ type: "resume", last_seq: seq }); return; }
      if (!LiveState.apply(room, data.event)) { seq = null; send({ type: "register" }); return; }
      seq = data.seq;
      if (data.event.type === "session.ended") { stopped = true; status(t("Ended"), "ended"); }
      draw();
    } else if (data.type === "resumed") {
      registered();
    } else if (data.type === "pong") {
      if (seq !== null && data.seq > seq) send({ type: "resume", last_seq: seq });
    } else if (data.type === "ack") {
      settle(data.id, data.result || {});
    } else if (data.type === "error") {
      if (data.code === "unknown_queue" || data.code === "queue_pruned") {
        seq = null; send({ type: "register" });
      } else if (data.code === "in_progress") {
        // The first sending is still being done: ask again shortly, keep it queued.
        setTimeout(function () { if (ready) flushOutbox(); }, 2000);
      } else if (data.id !== undefined) {
        settle(data.id, null);
        notice(data.message);
      } else {
        notice(data.message);
      }
    }
  }

  function settle(id, result) {
    var frame = null;
    outbox = outbox.filter(function (f) { if (f.id === id) frame = f; return f.id !== id; });
    saveOutbox();
    if (frame && result && frame.action === "poll.vote") you.poll_votes[String(frame.poll)] = result.option;
    if (frame && result && frame.action === "question.vote") you.question_votes.push(frame.question);
    draw();
  }

  function notice(text) {
    var el = $(".live-notice");
    el.textContent = text || "";
    el.hidden = !text;
  }

  // --- drawing -------------------------------------------------------------------

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "data") Object.assign(node.dataset, attrs.data);
      else node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(label, action, params, cls) {
    var b = el("button", { type: "button", class: cls || "btn-link" }, label);
    b.dataset.action = action;
    b.dataset.params = JSON.stringify(params || {});
    return b;
  }

  function draw() {
    if (drawQueued || !room) return;
    drawQueued = true;
    requestAnimationFrame(function () { drawQueued = false; drawNow(); });
  }

  function drawNow() {
    var people = Object.keys(room.participants).map(function (k) {
      return Object.assign({ user: Number(k) }, room.participants[k]);
    }).filter(function (p) { return p.online; });
    people.sort(function (a, b) {
      return (a.role === "host" ? 0 : 1) - (b.role === "host" ? 0 : 1) || (b.hand - a.hand) || a.name.localeCompare(b.name, "vi");
    });
    var list = $(".live-people");
    list.replaceChildren.apply(list, people.map(function (p) {
      var li = el("li", { data: { user: String(p.user) } });
      li.append(el("span", { class: "who" }, p.name + (p.role === "host" ? " · " + t("Host") : "")));
      if (p.hand) li.append(el("span", { class: "hand", title: t("Hand") }, "✋"));
      if (p.muted) li.append(el("span", { class: "muted" }, t("Muted")));
      if (isHost && p.role !== "host") {
        if (p.hand) li.append(button(t("LowerHand"), "hand.set", { raised: false, user: p.user }));
        li.append(button(p.muted ? t("Unmute") : t("Mute"), "participant.mute", { user: p.user, muted: !p.muted }));
      }
      return li;
    }));
    $(".live-count").textContent = String(people.length);

    var chat = $(".live-chat");
    var pending = outbox.filter(function (f) { return f.action === "chat.send"; });
    chat.replaceChildren.apply(chat, room.chat.filter(function (m) { return !m.deleted; }).map(function (m) {
      var li = el("li", { data: { id: String(m.id) } });
      li.append(el("b", {}, m.name + ": "), el("span", { class: "text" }, m.text));
      if (isHost) li.append(button(t("Delete"), "chat.delete", { message: m.id }));
      return li;
    }).concat(pending.map(function (f) {
      return el("li", { class: "pending" }, f.text + " · " + t("Sending"));
    })));
    chat.scrollTop = chat.scrollHeight;
    var mine = room.participants[String(me)] || {};
    var silenced = !isHost && (room.session.chat_locked || mine.muted);
    $(".live-chat-form textarea").disabled = silenced || room.session.ended;
    $(".live-chat-note").textContent = room.session.chat_locked ? t("ChatLocked") : mine.muted ? t("YouMuted") : room.session.slow_mode ? t("SlowMode").replace("%s", room.session.slow_mode) : "";

    var questions = $(".live-questions");
    var sorted = room.questions.slice().sort(function (a, b) { return a.answered - b.answered || b.votes - a.votes || a.id - b.id; });
    questions.replaceChildren.apply(questions, sorted.map(function (q) {
      var li = el("li", { class: q.answered ? "answered" : "", data: { id: String(q.id) } });
      li.append(el("span", { class: "votes" }, String(q.votes)), el("span", { class: "text" }, q.text), el("small", {}, " — " + q.name));
      if (!q.answered && you.question_votes.indexOf(q.id) < 0) li.append(button("▲ " + t("Upvote"), "question.vote", { question: q.id }));
      if (q.answered) li.append(el("small", { class: "tag" }, t("Answered")));
      if (isHost && !q.answered) li.append(button(t("MarkAnswered"), "question.answered", { question: q.id }));
      if (isHost || q.user === me) li.append(button(t("Delete"), "question.delete", { question: q.id }));
      return li;
    }));

    var polls = $(".live-polls");
    polls.replaceChildren.apply(polls, room.polls.slice().reverse().map(function (p) {
      var box = el("section", { class: "poll", data: { id: String(p.id) } });
      box.append(el("h3", {}, p.question + (p.open ? "" : " · " + t("Closed"))));
      var total = p.counts.reduce(function (a, b) { return a + b; }, 0);
      var chosen = you.poll_votes[String(p.id)];
      var ol = el("ol");
      p.options.forEach(function (option, i) {
        var li = el("li", { class: (p.correct === i ? "correct " : "") + (chosen === i ? "chosen" : "") });
        if (p.open && chosen === undefined && !isHost) li.append(button(option, "poll.vote", { poll: p.id, option: i }, "btn"));
        else li.append(el("span", {}, option));
        var share = total ? Math.round(100 * p.counts[i] / total) : 0;
        li.append(el("meter", { min: "0", max: "100", value: String(share) }), el("small", {}, " " + p.counts[i] + " (" + share + " %)"));
        ol.append(li);
      });
      box.append(ol);
      if (isHost && p.open) box.append(button(t("ClosePoll"), "poll.close", { poll: p.id }, "btn"));
      return box;
    }));

    var slide = $(".live-slide");
    if (room.slides) {
      var src = root.dataset.slides.replace("/0/0.jpg", "/" + room.slides.deck + "/" + room.slides.page + ".jpg");
      if (slide.getAttribute("src") !== src) slide.setAttribute("src", src);
      slide.hidden = false;
      $(".live-slide-page").textContent = room.slides.page + " / " + room.slides.pages;
    } else {
      slide.hidden = true;
    }
    var hand = $(".live-hand");
    if (hand) {
      hand.textContent = mine.hand ? t("LowerMyHand") : t("RaiseHand");
      hand.dataset.params = JSON.stringify({ raised: !mine.hand });
    }
    var lock = $(".live-lock");
    if (lock) lock.textContent = room.session.chat_locked ? t("UnlockChat") : t("LockChat");
    root.classList.toggle("is-ended", room.session.ended);
  }

  // --- input ---------------------------------------------------------------------

  root.addEventListener("click", function (event) {
    var target = event.target.closest("[data-action]");
    if (!target || !root.contains(target)) return;
    var params = JSON.parse(target.dataset.params || "{}");
    var action = target.dataset.action;
    if (action === "slides.step" && room && room.slides) {
      var page = room.slides.page + params.step;
      if (page >= 1 && page <= room.slides.pages) act("slides.page", { page: page });
      return;
    }
    if (action === "room.lock") { act("room.settings", { chat_locked: !room.session.chat_locked }); return; }
    if (action === "session.end" && !window.confirm(t("ConfirmEnd"))) return;
    act(action, params);
  });

  function onSubmit(selector, handler) {
    var form = $(selector);
    if (!form) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (handler(form) !== false) form.reset();
    });
  }

  onSubmit(".live-chat-form", function (form) {
    var text = form.elements.text.value.trim();
    if (!text) return false;
    act("chat.send", { text: text });
  });
  var chatBox = $(".live-chat-form textarea");
  chatBox.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); chatBox.form.requestSubmit(); }
  });
  onSubmit(".live-ask-form", function (form) {
    var text = form.elements.text.value.trim();
    if (!text) return false;
    act("question.ask", { text: text });
  });
  onSubmit(".live-poll-form", function (form) {
    var options = form.elements.options.value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
    var correct = form.elements.correct.value;
    act("poll.open", { question: form.elements.question.value, options: options, correct: correct === "" ? null : Number(correct) - 1 });
  });
  var slow = $(".live-slow");
  if (slow) slow.addEventListener("change", function () { act("room.settings", { slow_mode: Number(slow.value) }); });

  window.addEventListener("online", function () {
    // Back online: try now rather than at the end of the back-off.
    if (!stopped && reconnectTimer !== null) { clearTimeout(reconnectTimer); reconnectTimer = null; connect(); }
  });
  // Tests read the client's state from here.
  window.liveRoom = { state: function () { return { room: room, you: you, seq: seq, outbox: outbox.length }; } };
  connect();
})();
