// The SCORM runtime inside a package's page (an opaque-origin sandbox, put in front of
// the page's own scripts by the LMS). scorm-again is the API the SCO finds on its own
// window, loaded with where the learner left off; each commit and the end of the
// session go to the learner's page by postMessage, which sends them to the LMS.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("lms-scorm-config").textContent);
  var scorm12 = config.version === "1.2";
  var settings = { autocommit: false, lmsCommitUrl: false, logLevel: 5 };
  var api = scorm12 ? new Scorm12API(settings) : new Scorm2004API(settings);

  var resume = config.resume || {};
  if (scorm12) {
    api.loadFromJSON({
      core: {
        student_id: config.learner.id,
        student_name: config.learner.name,
        lesson_location: resume.core.lesson_location,
        lesson_status: resume.core.lesson_status,
        entry: resume.core.entry
      },
      suspend_data: resume.suspend_data
    }, "");
  } else {
    api.loadFromJSON({
      learner_id: config.learner.id,
      learner_name: config.learner.name,
      location: resume.location,
      completion_status: resume.completion_status,
      success_status: resume.success_status,
      entry: resume.entry,
      suspend_data: resume.suspend_data
    }, "");
  }

  function commit() {
    var cmi = JSON.parse(JSON.stringify(api.cmi));
    window.parent.postMessage(
      { lmsPackage: config.activity, type: "scorm", data: { cmi: cmi, attempt: config.attempt } },
      config.parentOrigin
    );
  }
  (scorm12 ? ["LMSCommit", "LMSFinish"] : ["Commit", "Terminate"]).forEach(function (name) {
    api.on(name, commit);
  });
  api.on(scorm12 ? "LMSInitialize" : "Initialize", function () {
    window.parent.postMessage({ lmsPackage: config.activity, type: "ready", data: {} }, config.parentOrigin);
  });

  if (scorm12) window.API = api; else window.API_1484_11 = api;
})();
