// The classroom's state and how each room event changes it. The same function runs in
// the browser and, in the project's tests, under Node, where the state built by
// applying events is compared with the state the server returns afresh.
//
// Every event sets values (a count, a flag, a line) rather than adding to them, so
// applying an event whose effect the state already shows changes nothing: a client
// may register, then replay events it already has, without doubling anything.
(function (root) {
  "use strict";
  var CHAT_KEPT = 100;

  function byId(list, id) {
    for (var i = 0; i < list.length; i++) if (list[i].id === id) return list[i];
    return null;
  }

  function insertSorted(list, item) {
    var i = list.length;
    while (i > 0 && list[i - 1].id > item.id) i--;
    list.splice(i, 0, item);
  }

  function participant(room, user) {
    var key = String(user);
    if (!room.participants[key]) {
      room.participants[key] = { name: "", role: "learner", online: false, hand: false, muted: false };
    }
    return room.participants[key];
  }

  var handlers = {
    presence: function (room, e) {
      e.joined.forEach(function (j) {
        var p = participant(room, j.user);
        p.name = j.name; p.role = j.role; p.online = true; p.muted = j.muted;
      });
      e.left.forEach(function (user) {
        var p = room.participants[String(user)];
        if (p) { p.online = false; p.hand = false; }
      });
    },
    "chat.posted": function (room, e) {
      if (byId(room.chat, e.id)) return;
      insertSorted(room.chat, { id: e.id, user: e.user, name: e.name, text: e.text });
      if (room.chat.length > CHAT_KEPT) room.chat.splice(0, room.chat.length - CHAT_KEPT);
    },
    "chat.deleted": function (room, e) {
      for (var i = 0; i < room.chat.length; i++) {
        if (room.chat[i].id === e.id) room.chat[i] = { id: e.id, deleted: true };
      }
    },
    "participant.muted": function (room, e) { participant(room, e.user).muted = e.muted; },
    "room.settings": function (room, e) {
      room.session.chat_locked = e.chat_locked;
      room.session.slow_mode = e.slow_mode;
    },
    "question.asked": function (room, e) {
      if (byId(room.questions, e.id)) return;
      insertSorted(room.questions, {
        id: e.id, user: e.user, name: e.name, text: e.text, votes: 0, answered: false,
      });
    },
    "question.voted": function (room, e) {
      var q = byId(room.questions, e.id);
      if (q) q.votes = e.votes;
    },
    "question.answered": function (room, e) {
      var q = byId(room.questions, e.id);
      if (q) q.answered = true;
    },
    "question.deleted": function (room, e) {
      room.questions = room.questions.filter(function (q) { return q.id !== e.id; });
    },
    "hand.changed": function (room, e) { participant(room, e.user).hand = e.raised; },
    "poll.opened": function (room, e) {
      if (byId(room.polls, e.id)) return;
      insertSorted(room.polls, {
        id: e.id, question: e.question, options: e.options.slice(), quiz: e.quiz, open: true,
        counts: e.options.map(function () { return 0; }), correct: null,
      });
    },
    "poll.results": function (room, e) {
      var p = byId(room.polls, e.id);
      if (p) p.counts = e.counts.slice();
    },
    "poll.closed": function (room, e) {
      var p = byId(room.polls, e.id);
      if (p) { p.open = false; p.counts = e.counts.slice(); p.correct = e.correct; }
    },
    "slides.ready": function (room, e) { room.slides = { deck: e.deck, pages: e.pages, page: 1 }; },
    "slides.page": function (room, e) { if (room.slides) room.slides.page = e.page; },
    "session.ended": function (room) {
      room.session.ended = true;
      Object.keys(room.participants).forEach(function (key) {
        room.participants[key].online = false;
        room.participants[key].hand = false;
      });
    },
  };

  // Applies one event in place; returns false for a type this client does not know
  // (a newer server), which makes the caller refetch the whole state.
  function apply(room, event) {
    var handler = handlers[event.type];
    if (!handler) return false;
    handler(room, event);
    return true;
  }

  var api = { apply: apply, types: Object.keys(handlers), CHAT_KEPT: CHAT_KEPT };
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.LiveState = api;
})(this);
