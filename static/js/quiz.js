// A quiz attempt on a weak link: every answer is saved by htmx as it is given; an answer
// that could not be sent is kept in localStorage (keyed by the attempt, which belongs to
// one learner) and sent again when the network is back or the page is opened again.
// The server keeps the clock: the countdown here only shows it.
(function () {
  "use strict";
  var root = document.querySelector(".quiz-attempt[data-attempt]");
  if (!root || !window.htmx) return;
  var attempt = root.dataset.attempt;
  var prefix = "quiz:" + attempt + ":";

  // Refusals (a closed attempt, time up, a tampered answer) carry a message to show.
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[4]..", swap: true, error: true },
    { code: "...", swap: false, error: true },
  ];

  function store(form) {
    var data = new URLSearchParams(new FormData(form));
    data.delete("csrfmiddlewaretoken");
    try { localStorage.setItem(prefix + form.id, data.toString()); } catch (e) { /* full */ }
  }

  function forget(form) {
    try { localStorage.removeItem(prefix + form.id); } catch (e) { /* ignore */ }
  }

  function status(form, text, kind) {
    var el = form.querySelector(".save-status");
    if (el) { el.textContent = text; el.className = "save-status save-" + kind; }
  }

  function restore(form, saved) {
    var data = new URLSearchParams(saved);
    form.querySelectorAll("input, select").forEach(function (field) {
      if (!field.name || field.name === "csrfmiddlewaretoken") return;
      var values = data.getAll(field.name);
      if (field.type === "radio" || field.type === "checkbox") {
        field.checked = values.indexOf(field.value) !== -1;
      } else if (field.tagName === "SELECT" && field.name === "order") {
        // Several selects share the name: the nth takes the nth value.
        var selects = form.querySelectorAll('select[name="order"]');
        var index = Array.prototype.indexOf.call(selects, field);
        if (values[index] !== undefined) field.value = values[index];
      } else if (values.length) {
        field.value = values[0];
      }
    });
  }

  function resend() {
    root.querySelectorAll("form.question[data-pending]").forEach(function (form) {
      status(form, root.dataset.resending, "pending");
      htmx.trigger(form, "change");
    });
  }

  // An answer given before this script ran (a tap while the page was still loading on a
  // slow link) fired no request: the fields differ from what the server rendered.
  function changedSinceRendered(form) {
    return Array.prototype.some.call(form.elements, function (field) {
      if (field.type === "radio" || field.type === "checkbox") {
        return field.checked !== field.defaultChecked;
      }
      if (field.tagName === "SELECT") {
        // Without a "selected" attribute a select shows its first option.
        var shown = Array.prototype.filter.call(field.options, function (option) {
          return option.defaultSelected;
        })[0] || field.options[0];
        return Boolean(shown) && field.value !== shown.value;
      }
      return field.name && field.type !== "hidden" && field.value !== field.defaultValue;
    });
  }

  root.querySelectorAll("form.question").forEach(function (form) {
    var saved = null;
    try { saved = localStorage.getItem(prefix + form.id); } catch (e) { /* ignore */ }
    if (saved !== null) {
      restore(form, saved);
      form.dataset.pending = "1";
    } else if (changedSinceRendered(form)) {
      form.dataset.pending = "1";
    }
    form.addEventListener("htmx:beforeRequest", function () { store(form); });
    form.addEventListener("htmx:afterRequest", function (event) {
      var xhr = event.detail.xhr;
      if (event.detail.successful) {
        delete form.dataset.pending;
        forget(form);
      } else if (!xhr || xhr.status === 0) {
        form.dataset.pending = "1";
        status(form, root.dataset.offline, "error");
      } else {
        // Refused by the server: resending would be refused again.
        delete form.dataset.pending;
        forget(form);
        if (xhr.status === 409) window.location.reload();
      }
    });
  });

  window.addEventListener("online", resend);
  setInterval(function () { if (navigator.onLine !== false) resend(); }, 15000);
  if (root.querySelector("form.question[data-pending]")) setTimeout(resend, 500);

  var submit = root.querySelector("form[data-submit]");
  if (submit) {
    submit.addEventListener("submit", function () {
      submit.querySelector("button").disabled = true;
    });
  }

  var timer = root.querySelector("[data-timer]");
  if (timer && root.dataset.secondsLeft !== undefined) {
    var ends = Date.now() + Number(root.dataset.secondsLeft) * 1000;
    var tick = function () {
      var left = Math.max(0, Math.round((ends - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      timer.textContent = minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
      if (left === 0) {
        clearInterval(handle);
        if (submit) submit.requestSubmit();
      }
    };
    var handle = setInterval(tick, 1000);
    tick();
  }
})();
