"""Small but real SCORM packages for the tests.

The SCO talks to whatever SCORM runtime hosts it, the way published courses do: it looks
for the API up the frame chain and in the opener, reads the learner's resume data and
reports a score and a status when told to by its buttons. Every call it makes, with its
result and the runtime's last error, is listed in #log so a test can see what failed.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

SCHEMA_VERSIONS = {
    "2nd": "CAM 1.3",
    "3rd": "2004 3rd Edition",
    "4th": "2004 4th Edition",
}
# A fixed date keeps the archive's bytes the same from one run to the next.
_ZIP_DATE = (2024, 1, 1, 0, 0, 0)

_MANIFEST_12 = """\
<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="vn.langson.mau.scorm12" version="1.0"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsproject.org/xsd/imscp_rootv1p1p2 imscp_rootv1p1p2.xsd
        http://www.imsglobal.org/xsd/imsmd_rootv1p2p1 imsmd_rootv1p2p1.xsd
        http://www.adlnet.org/xsd/adlcp_rootv1p2 adlcp_rootv1p2.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>1.2</schemaversion>
  </metadata>
  <organizations default="ORG-1">
    <organization identifier="ORG-1">
      <title>{title}</title>
      <item identifier="ITEM-1" identifierref="RES-SCO" isvisible="true">
        <title>{title}</title>{mastery}
      </item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-SCO" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/>
      <file href="sco.js"/>
      <file href="style.css"/>
    </resource>
  </resources>
</manifest>
"""

_MANIFEST_2004 = """\
<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="vn.langson.mau.scorm2004" version="1.0"
    xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
    xmlns:adlseq="http://www.adlnet.org/xsd/adlseq_v1p3"
    xmlns:adlnav="http://www.adlnet.org/xsd/adlnav_v1p3"
    xmlns:imsss="http://www.imsglobal.org/xsd/imsss"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd
        http://www.adlnet.org/xsd/adlcp_v1p3 adlcp_v1p3.xsd
        http://www.adlnet.org/xsd/adlseq_v1p3 adlseq_v1p3.xsd
        http://www.adlnet.org/xsd/adlnav_v1p3 adlnav_v1p3.xsd
        http://www.imsglobal.org/xsd/imsss imsss_v1p0.xsd">
  <metadata>
    <schema>ADL SCORM</schema>
    <schemaversion>{schemaversion}</schemaversion>
  </metadata>
  <organizations default="ORG-1">
    <organization identifier="ORG-1">
      <title>{title}</title>
      <item identifier="ITEM-1" identifierref="RES-SCO">
        <title>{title}</title>{mastery}
      </item>
      <imsss:sequencing>
        <imsss:controlMode choice="true" flow="true"/>
      </imsss:sequencing>
    </organization>
  </organizations>
  <resources>
    <resource identifier="RES-SCO" type="webcontent" adlcp:scormType="sco" href="index.html">
      <file href="index.html"/>
      <file href="sco.js"/>
      <file href="style.css"/>
    </resource>
  </resources>
</manifest>
"""

_MASTERY_12 = """
        <adlcp:masteryscore>{score}</adlcp:masteryscore>"""

_MASTERY_2004 = """
        <imsss:sequencing>
          <imsss:objectives>
            <imsss:primaryObjective objectiveID="PRIMARY" satisfiedByMeasure="true">
              <imsss:minNormalizedMeasure>{measure}</imsss:minNormalizedMeasure>
            </imsss:primaryObjective>
          </imsss:objectives>
        </imsss:sequencing>"""

_INDEX_HTML = """\
<!DOCTYPE html>
<html lang="vi">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="stylesheet" href="style.css">
  <script src="sco.js" defer></script>
</head>
<body>
  <h1>{title}</h1>
  <p>Trạng thái: <output id="status">loading</output></p>
  <p>Vị trí: <output id="location"></output></p>
  <p>Dữ liệu tạm: <output id="suspend"></output></p>
  <p>
    <button type="button" id="page2">Sang trang 2</button>
    <button type="button" id="pass">Làm đúng (90 điểm)</button>
    <button type="button" id="fail">Làm sai (20 điểm)</button>
    <button type="button" id="finish">Kết thúc</button>
  </p>
  <ol id="log"></ol>
</body>
</html>
"""

_STYLE_CSS = """\
body { font-family: system-ui, sans-serif; margin: 1.5rem; }
output { font-weight: bold; }
button { margin-right: 0.5rem; padding: 0.4rem 0.8rem; }
#log { font-family: monospace; font-size: 0.85rem; }
"""

# The SCORM 1.2 and 2004 runtimes differ in names only, for what this SCO does.
_SCO_JS = """\
(function () {
  "use strict";

  var VERSION = "__VERSION__";
  var SCORM12 = VERSION === "1.2";
  var API_NAME = SCORM12 ? "API" : "API_1484_11";
  var CALLS = SCORM12
    ? {init: "LMSInitialize", get: "LMSGetValue", set: "LMSSetValue", commit: "LMSCommit",
       finish: "LMSFinish", error: "LMSGetLastError"}
    : {init: "Initialize", get: "GetValue", set: "SetValue", commit: "Commit",
       finish: "Terminate", error: "GetLastError"};
  var CMI = SCORM12
    ? {location: "cmi.core.lesson_location", suspend: "cmi.suspend_data",
       raw: "cmi.core.score.raw", min: "cmi.core.score.min", max: "cmi.core.score.max",
       exit: "cmi.core.exit", sessionTime: "cmi.core.session_time"}
    : {location: "cmi.location", suspend: "cmi.suspend_data",
       raw: "cmi.score.raw", min: "cmi.score.min", max: "cmi.score.max",
       exit: "cmi.exit", sessionTime: "cmi.session_time"};
  var api = null;
  var startedAt = Date.now();

  // The search the SCORM run-time documents: up the parents, at most 7 steps, then the
  // window that opened this one.
  function searchFrom(win) {
    for (var steps = 0; win && steps <= 7; steps++) {
      try {
        if (win[API_NAME]) {
          return win[API_NAME];
        }
      } catch (e) {
        // A frame from another origin: keep climbing.
      }
      if (!win.parent || win.parent === win) {
        break;
      }
      win = win.parent;
    }
    return null;
  }

  function findAPI() {
    var found = searchFrom(window);
    if (!found && window.opener) {
      found = searchFrom(window.opener);
    }
    return found;
  }

  function show(id, text) {
    document.getElementById(id).textContent = text;
  }

  function log(call, args, result, error) {
    var entry = document.createElement("li");
    entry.dataset.call = call;
    entry.dataset.result = String(result);
    entry.dataset.error = String(error);
    entry.textContent = call + "(" + args.map(function (a) { return JSON.stringify(a); })
      .join(", ") + ") = " + JSON.stringify(String(result)) + "; error " + error;
    document.getElementById("log").appendChild(entry);
  }

  function call(name) {
    var args = Array.prototype.slice.call(arguments, 1);
    var result;
    var error;
    try {
      result = api[CALLS[name]].apply(api, args);
      error = api[CALLS.error]();
    } catch (e) {
      result = "exception";
      error = String(e);
    }
    log(CALLS[name], args, result, error);
    return result;
  }

  function showResumeData() {
    show("location", call("get", CMI.location));
    show("suspend", call("get", CMI.suspend));
  }

  function setScore(raw) {
    call("set", CMI.min, "0");
    call("set", CMI.max, "100");
    call("set", CMI.raw, String(raw));
    if (!SCORM12) {
      call("set", "cmi.score.scaled", String(raw / 100));
    }
  }

  function sessionTime() {
    var seconds = Math.round((Date.now() - startedAt) / 1000);
    if (!SCORM12) {
      return "PT" + seconds + "S";
    }
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(Math.floor(seconds / 3600)) + ":" + two(Math.floor(seconds / 60) % 60) + ":" +
      two(seconds % 60);
  }

  var actions = {
    page2: function () {
      call("set", CMI.location, "page-2");
      call("set", CMI.suspend, "answered:2");
      call("commit", "");
      showResumeData();
    },
    pass: function () {
      setScore(90);
      if (SCORM12) {
        call("set", "cmi.core.lesson_status", "passed");
      } else {
        call("set", "cmi.completion_status", "completed");
        call("set", "cmi.success_status", "passed");
      }
      call("commit", "");
    },
    fail: function () {
      setScore(20);
      if (SCORM12) {
        call("set", "cmi.core.lesson_status", "failed");
      } else {
        call("set", "cmi.completion_status", "completed");
        call("set", "cmi.success_status", "failed");
      }
      call("commit", "");
    },
    finish: function () {
      call("set", CMI.exit, "suspend");
      call("set", CMI.sessionTime, sessionTime());
      call("finish", "");
    }
  };

  function start() {
    Object.keys(actions).forEach(function (id) {
      document.getElementById(id).addEventListener("click", function () {
        if (api) {
          actions[id]();
        }
      });
    });
    api = findAPI();
    if (!api) {
      show("status", "no-api");
      return;
    }
    var ok = call("init", "");
    if (String(ok) !== "true") {
      show("status", "init-failed");
      return;
    }
    showResumeData();
    show("status", "ready");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
"""


def build_zip(entries: dict[str, bytes]) -> bytes:
    """A .zip holding exactly these names, in this order: hostile names are kept as given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def sample_manifest(
    version: str = "1.2",
    *,
    edition: str = "4th",
    title: str = "Bài học mẫu SCORM",
    mastery_score: float | None = 80,
) -> str:
    """The imsmanifest.xml of `build_scorm_package` with the same arguments."""
    if version == "1.2":
        mastery = "" if mastery_score is None else _MASTERY_12.format(score=f"{mastery_score:g}")
        return _MANIFEST_12.format(title=escape(title), mastery=mastery)
    if version != "2004":
        raise ValueError(f"SCORM version {version!r}: expected '1.2' or '2004'")
    if edition not in SCHEMA_VERSIONS:
        raise ValueError(f"SCORM 2004 edition {edition!r}: expected one of {list(SCHEMA_VERSIONS)}")
    mastery = (
        "" if mastery_score is None else _MASTERY_2004.format(measure=f"{mastery_score / 100:g}")
    )
    return _MANIFEST_2004.format(
        title=escape(title), mastery=mastery, schemaversion=SCHEMA_VERSIONS[edition]
    )


def build_scorm_package(
    version: str = "1.2",
    *,
    edition: str = "4th",
    title: str = "Bài học mẫu SCORM",
    mastery_score: float | None = 80,
    extra_files: dict[str, bytes] | None = None,
    manifest: str | bytes | None = None,
) -> bytes:
    """A SCORM 1.2 or 2004 ("2nd", "3rd" or "4th" edition) package as .zip bytes.

    `manifest` replaces the generated imsmanifest.xml; `extra_files` add to the package
    or replace its files by name.
    """
    generated = sample_manifest(version, edition=edition, title=title, mastery_score=mastery_score)
    if manifest is None:
        manifest = generated
    entries = {
        "imsmanifest.xml": manifest.encode() if isinstance(manifest, str) else manifest,
        "index.html": _INDEX_HTML.format(title=escape(title)).encode(),
        "sco.js": _SCO_JS.replace("__VERSION__", version).encode(),
        "style.css": _STYLE_CSS.encode(),
    }
    entries.update(extra_files or {})
    return build_zip(entries)
