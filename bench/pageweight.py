"""Page weight and time to text of the lesson page, as Chromium loads it cold.

``python -m bench.pageweight --base URL --path /lesson/url/ --session SESSIONID --out FILE``

Drives Debian's Chromium (never a downloaded browser) through Playwright, logged in as a
bench learner by its session cookie, each load in a fresh browser context (empty cache):

1. one unthrottled load: every request the page makes until the network is idle (the
   progress script's first POST included), and the bytes on the wire for each
   (CDP Network.loadingFinished encodedDataLength: headers plus the body as sent,
   compressed where the server compressed it) and decoded body bytes;
2. the same responses fetched again outside the browser without compression, to give
   the raw size and what gzip (level 5, as the nginx config) would make of each;
3. three loads under emulated 400 ms latency and 50 KB/s each way (CDP
   Network.emulateNetworkConditions): first contentful paint, largest contentful paint,
   the first frame with the lesson's h1 laid out, DOMContentLoaded and load. Time to
   text is the later of the first paint and the h1 frame; the median of the three loads
   is reported.
"""

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

from bench.traffic import http_request

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
SLOW = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 50 * 1024,
    "uploadThroughput": 50 * 1024,
}

TIMING_SCRIPT = """
(() => {
  const b = window.__bench = {fcp: null, lcp: null, lcpTag: null, h1: null};
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.name === "first-contentful-paint") b.fcp = e.startTime;
    }).observe({type: "paint", buffered: true});
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        b.lcp = e.renderTime || e.startTime;
        b.lcpTag = e.element ? e.element.tagName.toLowerCase() : null;
      }
    }).observe({type: "largest-contentful-paint", buffered: true});
  } catch (e) {}
  const poll = () => {
    const h1 = document.querySelector("article h1") || document.querySelector("h1");
    if (h1 && h1.getBoundingClientRect().height > 0) {
      requestAnimationFrame(() => { b.h1 = performance.now(); });
      return;
    }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
})();
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True, help="e.g. http://127.0.0.1:18000")
    parser.add_argument("--path", required=True, help="the lesson's URL path")
    parser.add_argument("--session", required=True, help="a logged-in learner's sessionid")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--slow-loads", type=int, default=3)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"pageweight: {CHROMIUM} not found (apt-get install chromium)", file=sys.stderr)
        return 1

    from playwright.sync_api import sync_playwright

    url = urljoin(args.base, args.path)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=30_000
        )
        try:
            cold = _load(browser, url, args.base, args.session, throttle=False)
            slow = [
                _load(browser, url, args.base, args.session, throttle=True)
                for _ in range(args.slow_loads)
            ]
        finally:
            browser.close()

    document = next((r for r in cold["requests"] if r["url"] == url), None)
    if document is None or document["status"] != 200:
        print(f"pageweight: the lesson answered {document and document['status']}", file=sys.stderr)
        return 1
    # data: URLs (the media players' own icons) never cross the network.
    requests = [r for r in cold["requests"] if not r["url"].startswith("data:")]
    _add_raw_sizes(requests, args.session)
    result = {
        "url": url,
        "requests": len(requests),
        "transferred_bytes": sum(r["encoded_bytes"] for r in requests),
        "body_bytes_decoded": sum(r["decoded_bytes"] for r in requests),
        "raw_bytes": sum(r.get("raw_bytes") or 0 for r in requests),
        "gzip5_bytes": sum(r.get("gzip5_bytes") or 0 for r in requests),
        "compressed_on_wire": [r["url"] for r in requests if r.get("content_encoding")],
        "by_request": requests,
        "slow": {
            "conditions": SLOW,
            "loads": [s["timing"] for s in slow],
        },
    }
    for key in ("time_to_text_ms", "fcp_ms", "lcp_ms", "h1_frame_ms", "dcl_ms", "load_ms"):
        values = [s["timing"][key] for s in slow if s["timing"].get(key) is not None]
        result["slow"][key] = round(statistics.median(values)) if values else None
    args.out.write_text(json.dumps(result, indent=1), "utf-8")
    print(
        f"pageweight: {result['requests']} requests, {result['transferred_bytes']} B on the wire "
        f"({result['raw_bytes']} B uncompressed, {result['gzip5_bytes']} B if gzipped); "
        f"time to text at 400 ms / 50 KB/s: {result['slow']['time_to_text_ms']} ms"
    )
    return 0


def _load(browser, url: str, base: str, session: str, *, throttle: bool) -> dict:
    context = browser.new_context()
    try:
        context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        if throttle:
            cdp.send("Network.emulateNetworkConditions", SLOW)
        seen: dict[str, dict] = {}
        hops: list[dict] = []  # redirect responses, each its own request on the wire

        def sent(event):
            request = event["request"]
            key = event["requestId"]
            redirect = event.get("redirectResponse")
            if redirect is not None and key in seen:
                hop = seen.pop(key)
                hop["status"] = redirect["status"]
                hop["encoded_bytes"] = int(redirect.get("encodedDataLength", 0))
                hops.append(hop)
            seen[key] = {
                "url": request["url"],
                "method": request["method"],
                "type": event.get("type"),
                "status": None,
                "content_encoding": None,
                "encoded_bytes": 0,
                "decoded_bytes": 0,
                "failed": None,
            }

        def received(event):
            entry = seen.get(event["requestId"])
            if entry is not None:
                response = event["response"]
                headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
                entry["status"] = response["status"]
                entry["content_encoding"] = headers.get("content-encoding")
                entry["mime"] = response.get("mimeType")

        def data(event):
            entry = seen.get(event["requestId"])
            if entry is not None:
                entry["decoded_bytes"] += event.get("dataLength", 0)

        def finished(event):
            entry = seen.get(event["requestId"])
            if entry is not None:
                entry["encoded_bytes"] = int(event.get("encodedDataLength", 0))

        def failed(event):
            entry = seen.get(event["requestId"])
            if entry is not None:
                entry["failed"] = event.get("errorText")

        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.responseReceived", received)
        cdp.on("Network.dataReceived", data)
        cdp.on("Network.loadingFinished", finished)
        cdp.on("Network.loadingFailed", failed)
        page.add_init_script(TIMING_SCRIPT)
        started = time.monotonic()
        page.goto(url, wait_until="load", timeout=120_000)
        loaded = time.monotonic() - started
        if page.url != url or page.locator("article[data-activity] h1").count() != 1:
            raise SystemExit(f"pageweight: {url} did not show the lesson (ended at {page.url})")
        try:
            page.wait_for_load_state("networkidle", timeout=30_000)
        except Exception:  # noqa: BLE001 - a page that never idles still has its numbers
            pass
        page.wait_for_timeout(300)
        marks = page.evaluate(
            """() => {
              const nav = performance.getEntriesByType("navigation")[0] || {};
              return Object.assign({}, window.__bench || {}, {
                dcl: nav.domContentLoadedEventEnd || null, load: nav.loadEventEnd || null,
                responseEnd: nav.responseEnd || null});
            }"""
        )
        fcp, h1 = marks.get("fcp"), marks.get("h1")
        text = max(v for v in (fcp, h1) if v is not None) if (fcp or h1) else None
        timing = {
            "time_to_text_ms": _ms(text),
            "fcp_ms": _ms(fcp),
            "lcp_ms": _ms(marks.get("lcp")),
            "lcp_element": marks.get("lcpTag"),
            "h1_frame_ms": _ms(h1),
            "dcl_ms": _ms(marks.get("dcl")),
            "load_ms": _ms(marks.get("load")),
            "document_response_end_ms": _ms(marks.get("responseEnd")),
            "wall_until_load_ms": round(loaded * 1000),
        }
        return {"requests": hops + list(seen.values()), "timing": timing}
    finally:
        context.close()


def _ms(value):
    return round(value) if isinstance(value, int | float) else None


def _add_raw_sizes(requests: list[dict], session: str) -> None:
    """Fetch each GET again without compression: raw size and a gzip -5 estimate."""
    for entry in requests:
        if entry["method"] != "GET" or entry["status"] != 200:
            continue
        _, _, body = http_request(
            entry["url"],
            headers={"Cookie": f"sessionid={session}", "Accept-Encoding": "identity"},
        )
        entry["raw_bytes"] = len(body)
        entry["gzip5_bytes"] = len(gzip.compress(body, compresslevel=5))


if __name__ == "__main__":
    sys.exit(main())
