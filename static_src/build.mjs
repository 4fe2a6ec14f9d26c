// Copies the front-end libraries the pages use from node_modules into
// node_modules_dist/, which Django's staticfiles serves as /static/vendor/.
import { copyFileSync, cpSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";

const out = "node_modules_dist";
const files = [
  ["htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"],
  // Live classes: janus.js (a classic script defining window.Janus) and the WebRTC
  // adapter it expects as window.adapter, loaded before it.
  ["webrtc-adapter/out/adapter.js", "janus/adapter.js"],
  ["webrtc-adapter/LICENSE.md", "janus/adapter.LICENSE.md"],
  ["janus-gateway/src/janus.js", "janus/janus.js"],
  // Lesson video and audio: HLS through Media Source Extensions where the browser has
  // no HLS of its own (the light build: no DRM nor alternate audio, which we never use).
  ["hls.js/dist/hls.light.min.js", "hls/hls.light.min.js"],
  ["hls.js/dist/hls.light.min.js.map", "hls/hls.light.min.js.map"],
  ["hls.js/LICENSE", "hls/LICENSE"],
  // SCORM packages: the runtime (the SCORM 1.2 and 2004 APIs) that plays them.
  ["scorm-again/dist/scorm12.min.js", "scorm-again/scorm12.min.js"],
  ["scorm-again/dist/scorm12.min.js.map", "scorm-again/scorm12.min.js.map"],
  ["scorm-again/dist/scorm2004.min.js", "scorm-again/scorm2004.min.js"],
  ["scorm-again/dist/scorm2004.min.js.map", "scorm-again/scorm2004.min.js.map"],
  ["scorm-again/LICENSE", "scorm-again/LICENSE"],
  // Manager reports: the charts of the dashboard (the UMD build, one classic script).
  ["chart.js/dist/chart.umd.min.js", "chartjs/chart.umd.min.js"],
  ["chart.js/dist/chart.umd.min.js.map", "chartjs/chart.umd.min.js.map"],
  ["chart.js/LICENSE.md", "chartjs/LICENSE.md"],
];
// H5P packages: the standalone player, with the styles, fonts and images it loads.
const folders = [["h5p-standalone/dist", "h5p"]];
for (const family of ["noto-sans", "noto-serif"]) {
  for (const subset of ["latin", "latin-ext", "vietnamese"]) {
    for (const weight of ["400", "700"]) {
      const name = `${family}-${subset}-${weight}-normal.woff2`;
      files.push([`@fontsource/${family}/files/${name}`, `fonts/${name}`]);
    }
  }
}

rmSync(out, { recursive: true, force: true });
for (const [from, to] of files) {
  const target = join(out, to);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join("node_modules", from), target);
}
for (const [from, to] of folders) {
  cpSync(join("node_modules", from), join(out, to), {
    recursive: true,
    filter: (source) => !source.endsWith(".d.ts"),
  });
}
copyFileSync("node_modules/h5p-standalone/LICENSE", join(out, "h5p/LICENSE"));
console.log(`copied ${files.length} front-end files and ${folders.length} folders into ${out}/`);
