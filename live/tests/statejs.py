"""Run the browser's own reducer (static/js/live-state.js) under Node."""

import json
import subprocess
from pathlib import Path

REDUCER = Path(__file__).resolve().parents[2] / "static" / "js" / "live-state.js"
DRIVER = """
const LiveState = require(process.argv[1]);
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const { room, events } = JSON.parse(input);
  const unknown = events.filter((e) => !LiveState.apply(room, e)).map((e) => e.type);
  process.stdout.write(JSON.stringify({ room, unknown, types: LiveState.types }));
});
"""


def apply_in_browser_reducer(room: dict, events: list[dict]) -> dict:
    done = subprocess.run(
        ["node", "-e", DRIVER, str(REDUCER)],
        input=json.dumps({"room": room, "events": events}),
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(done.stdout)
