// The H5P player inside its sandboxed frame (an opaque origin: no cookie, no storage).
// It plays the package with h5p-standalone and hands what the content reports (xAPI
// statements, its resume state) to the learner's page, which sends it to the LMS.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("player-config").textContent);
  var target = config.parentOrigin || "*";

  function send(type, data) {
    window.parent.postMessage({ lmsPackage: config.activity, type: type, data: data }, target);
  }

  var options = {
    id: config.activity,
    h5pJsonPath: config.base + "h5p",
    contentJsonPath: config.base + "h5p/content",
    librariesPath: config.base + "h5p/libraries",
    frameJs: config.frameJs,
    frameCss: config.frameCss,
    frame: false,
    copyright: false,
    export: false,
    embed: false,
    icon: false,
    fullScreen: false,
    // Statements name the activity, never the address (it holds the learner's key).
    xAPIObjectIRI: "urn:lms:activity:" + config.activity,
    saveFreq: 10,
    // In the same document: a frame nested in an opaque-origin sandbox gets an origin of
    // its own, which the player could not script.
    embedType: "div"
  };
  // H5P keeps user data by sub-content and data type ({"0": {"state": "..."}}).
  var saved = config.state && config.state.contentUserData;
  if (saved && typeof saved === "object") options.contentUserData = saved;

  var lastSaved = JSON.stringify(options.contentUserData || null);
  function saveState() {
    var integration = window.H5PIntegration;
    var content = integration && integration.contents && integration.contents["cid-" + config.activity];
    if (!content || !content.contentUserData) return;
    var now = JSON.stringify(content.contentUserData);
    if (now === lastSaved) return;
    lastSaved = now;
    send("state", { contentUserData: content.contentUserData });
  }

  function resize() {
    send("height", { height: document.documentElement.scrollHeight });
  }

  new H5PStandalone.H5P(document.getElementById("h5p-container"), options).then(function () {
    H5P.externalDispatcher.on("xAPI", function (event) {
      send("xapi", event.data.statement);
      setTimeout(saveState, 300);
    });
    setInterval(saveState, 10000);
    setInterval(resize, 1000);
    resize();
    send("ready", {});
  }).catch(function (error) {
    window.lmsPlayerError = String(error && error.stack || error);
    send("error", { message: String(error && error.message || error) });
  });
})();
