// The media library's upload form: a file is sent in pieces (resumable: a dropped link
// goes on from where the server says it stands, and choosing the same file again after
// a reload goes on too), then the form is submitted naming the upload instead of
// carrying the file. Without this script the form posts the file whole, as before.
(function () {
  "use strict";
  var input = document.getElementById("id_file");
  var hidden = document.querySelector('input[name="resumable_upload"]');
  if (!input || !hidden || !window.fetch || !window.Blob) return;
  var form = input.form;
  var title = document.getElementById("id_title");
  var csrf = (form.querySelector('input[name="csrfmiddlewaretoken"]') || {}).value;
  var base = "/admin/media-uploads/";
  var status = document.createElement("p");
  var bar = document.createElement("progress");
  bar.max = 100; bar.hidden = true; status.setAttribute("aria-live", "polite");
  input.parentNode.appendChild(bar);
  input.parentNode.appendChild(status);

  input.addEventListener("change", function () {
    // The file's name as a title, when none was typed.
    if (title && !title.value && input.files[0]) title.value = input.files[0].name.replace(/\.[^.]+$/, "");
  });

  function keyOf(file) { return "lms-media-upload:" + [file.name, file.size, file.lastModified].join(":"); }
  function json(response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      body.httpStatus = response.status; return body;
    });
  }
  function begin(file) {
    var known = null;
    try { known = localStorage.getItem(keyOf(file)); } catch (e) {}
    var ask = known
      ? fetch(base + known + "/", { credentials: "same-origin" }).then(json)
      : Promise.resolve({ httpStatus: 404 });
    return ask.then(function (state) {
      if (state.httpStatus === 200) return state;
      return fetch(base, {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ name: file.name, size: file.size })
      }).then(json).then(function (made) {
        if (made.httpStatus !== 201) throw new Error(made.detail || "HTTP " + made.httpStatus);
        try { localStorage.setItem(keyOf(file), made.id); } catch (e) {}
        return made;
      });
    });
  }
  function send(file, state, chunk, delay) {
    if (state.offset >= file.size) return Promise.resolve(state);
    bar.value = Math.floor(100 * state.offset / file.size);
    status.textContent = Math.floor(100 * state.offset / file.size) + "%";
    return fetch(base + state.id + "/", {
      method: "PUT", credentials: "same-origin",
      headers: { "X-CSRFToken": csrf, "Upload-Offset": String(state.offset), "Content-Type": "application/octet-stream" },
      body: file.slice(state.offset, state.offset + chunk)
    }).then(json).then(function (answer) {
      if (answer.httpStatus === 200 || answer.httpStatus === 409) {
        return send(file, { id: state.id, offset: answer.offset }, chunk, 1000);
      }
      throw new Error(answer.detail || "HTTP " + answer.httpStatus);
    }, function () {
      // The link dropped: wait, then go on from where the server stands.
      status.textContent = bar.value + "% — " + (form.dataset.retryText || "mất kết nối, đang thử lại…");
      return new Promise(function (resolve) { setTimeout(resolve, delay); }).then(function () {
        return fetch(base + state.id + "/", { credentials: "same-origin" }).then(json).then(function (s) {
          return send(file, { id: state.id, offset: s.offset }, chunk, Math.min(delay * 2, 30000));
        }, function () { return send(file, state, chunk, Math.min(delay * 2, 30000)); });
      });
    });
  }

  form.addEventListener("submit", function (event) {
    var file = input.files && input.files[0];
    if (!file || hidden.value) return;
    event.preventDefault();
    bar.hidden = false;
    begin(file).then(function (state) {
      return send(file, state, state.chunk || 2 * 1024 * 1024, 1000);
    }).then(function (state) {
      try { localStorage.removeItem(keyOf(file)); } catch (e) {}
      hidden.value = state.id;
      input.value = "";
      bar.value = 100;
      form.submit();
    }).catch(function (error) {
      bar.hidden = true;
      status.textContent = error.message;
    });
  });
})();
