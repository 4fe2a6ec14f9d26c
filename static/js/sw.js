// Offline reading of lessons, for learners on weak, intermittent 3G. Served at /sw.js
// (scope "/") by cms.offline; registered by progress.js, so by lesson pages only.
// - /static/: names with a content hash (production) cache-first, others network-first.
// - Page navigations: network first. Pages the server marks "X-Lesson-Offline: 1" (a
//   learner's own lessons and "My learning") are kept, the last MAX_PAGES of them, and
//   served when the network fails, answers 5xx or is slower than TIMEOUT_MS. Without a
//   kept copy, a small offline page lists the kept ones.
// - Opening the sign-in, sign-up or sign-out pages drops the kept pages: on a shared
//   phone the next person must not read them (logout also sends Clear-Site-Data).
// - Never touched: other methods than GET, /api/, /admin/, /accounts/, /django-admin/,
//   /documents/, /media/, /m/ (lesson video and audio: Range requests, downloads),
//   /podcast/. The server marks no response that sets a cookie (a service
//   worker cannot see Set-Cookie).
// Bumping VERSION deletes every older cache, kept lessons included.
"use strict";
const VERSION = "v1";
const STATIC = "lms-static-" + VERSION, PAGES = "lms-pages-" + VERSION;
const MAX_PAGES = 60, MAX_STATIC = 80, TIMEOUT_MS = 4000, MARK = "X-Lesson-Offline";
const SKIP = /^\/(api|admin|accounts|django-admin|documents|media|m|podcast)\//;
const AUTH = /^\/accounts\/(login|signup|logout)\//;
const HASHED = /\.[0-9a-f]{12}\.[A-Za-z0-9]+$/;
const FROM_ADMIN = /^https?:\/\/[^/]+\/(django-)?admin\//;

let epoch = 0; // counts sign-in/out visits; a page fetched before one is not kept

const trim = (cache, max) =>
  cache.keys().then((keys) => Promise.all(keys.slice(0, -max).map((k) => cache.delete(k))));

// Keeps a marked page under its URL, with its title for the offline page's list.
function keep(url, res, since) {
  if (res.status !== 200 || res.redirected || res.headers.get(MARK) !== "1") return;
  url = url.split("#")[0];
  return res.clone().text().then((html) => {
    if (since !== epoch) return;
    const title = /<title>([^<]*)/.exec(html);
    const headers = {
      "Content-Type": res.headers.get("Content-Type"),
      [MARK]: "1",
      "X-Title": encodeURIComponent(title ? title[1].split(" · ")[0].trim() : url),
    };
    return caches.open(PAGES)
      .then((c) => c.put(url, new Response(html, { headers })).then(() => trim(c, MAX_PAGES)));
  });
}

// Titles are HTML-escaped by Django and kept URLs percent-encoded: both go in as they are.
function offlinePage(url) {
  return caches.open(PAGES).then((c) => c.keys().then((keys) =>
    Promise.all(keys.reverse().map((k) => c.match(k).then((r) =>
      new URL(k.url).pathname === "/my-learning/" ? "" :
        '<li><a href="' + k.url + '">' + decodeURIComponent(r.headers.get("X-Title")) + "</a>"))))
  ).then((items) => new Response(
    '<!doctype html><html lang="vi"><meta charset="utf-8"><meta name="viewport" ' +
    'content="width=device-width, initial-scale=1"><title>Ngoại tuyến</title>' +
    '<body style="font:1.1rem/1.5 system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem">' +
    "<p><strong>Bạn đang ngoại tuyến. Các bài đã mở trước đây vẫn đọc được.</strong></p>" +
    '<ul>' + items.join("") + '</ul><p><a href="/my-learning/">Việc học của tôi</a> · ' +
    '<a href="' + url + '">Thử lại</a></p>',
    { headers: { "Content-Type": "text/html; charset=utf-8" } }));
}

function navigate(event) {
  const req = event.request;
  const net = fetch(req);
  const since = epoch;
  event.waitUntil(net.then((res) => keep(req.url, res, since), () => {}));
  const kept = caches.open(PAGES).then((c) => c.match(req.url, { ignoreVary: true }));
  return new Promise((resolve) => {
    const fallback = (res) => kept.then((hit) => resolve(hit || res || offlinePage(req.url)));
    // Slow is not down: without a kept copy, keep waiting for the network.
    const timer = setTimeout(() => kept.then((hit) => hit && resolve(hit)), TIMEOUT_MS);
    net.then((res) => {
      clearTimeout(timer);
      if (res.status >= 500) fallback(res); else resolve(res);
    }, () => { clearTimeout(timer); fallback(); });
  });
}

function staticFile(event) {
  const req = event.request;
  return caches.open(STATIC).then((cache) => cache.match(req, { ignoreVary: true }).then((hit) => {
    if (hit && HASHED.test(new URL(req.url).pathname)) return hit;
    return fetch(req).then((res) => {
      if (res.status === 200) {
        event.waitUntil(cache.put(req, res.clone()).then(() => trim(cache, MAX_STATIC)));
      }
      return res;
    }, (error) => hit || Promise.reject(error));
  }));
}

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names
      .filter((n) => n.startsWith("lms-") && n !== STATIC && n !== PAGES)
      .map((n) => caches.delete(n))))
    .then(() => self.clients.claim())
    // The lesson that registered this worker loaded before it: fetch it again (from the
    // HTTP cache where the browser shares it; Chromium does not) and keep it too.
    .then(() => self.clients.matchAll({ type: "window", includeUncontrolled: true }))
    .then((windows) => Promise.all(windows
      .filter((w) => !SKIP.test(new URL(w.url).pathname))
      .map((w) => {
        const since = epoch;
        return fetch(w.url, { cache: "force-cache" }).then((res) => keep(w.url, res, since), () => {});
      }))));
});

self.addEventListener("fetch", (event) => {
  const req = event.request, url = new URL(req.url);
  if (url.origin !== location.origin) return;
  if (req.mode === "navigate" && AUTH.test(url.pathname)) {
    epoch++;
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (req.method !== "GET" || SKIP.test(url.pathname)) return;
  if (url.pathname.startsWith("/static/")) {
    if (!FROM_ADMIN.test(req.referrer)) event.respondWith(staticFile(event));
  } else if (req.mode === "navigate") {
    event.respondWith(navigate(event));
  }
});
