"""The measured load: the learners' client processes, driven by the bench, against the
server, in two phases (the product's room and the relay baseline) that connect the same
learners, send the same chat lines at the same pace from the host's socket, and are
measured the same way; the room then runs a poll.

* bench.live.load.phases: the room and the relay, each from its first learner to the
  server settling after the last has left;
* bench.live.load.steps: the steps both take alike;
* bench.live.load.poll: the room's poll and its figures;
* bench.live.load.workers: the client processes (bench.live.clients);
* bench.live.load.figures: their answers merged, and the chat lines' figures;
* bench.live.load.probes: the server process's memory and CPU, from /proc.
"""

from bench.live.load.figures import chat_figures, merge_analyses, summed
from bench.live.load.phases import relay_phase, room_phase
from bench.live.load.poll import POLL_OPTIONS, POLL_QUESTION
from bench.live.load.probes import ServerProbe, server_quiet
from bench.live.load.steps import Phase, connect_learners, send_lines
from bench.live.load.workers import Workers
from bench.live.quantiles import quantiles

__all__ = [
    "POLL_OPTIONS",
    "POLL_QUESTION",
    "Phase",
    "ServerProbe",
    "Workers",
    "chat_figures",
    "connect_learners",
    "merge_analyses",
    "quantiles",
    "relay_phase",
    "room_phase",
    "send_lines",
    "server_quiet",
    "summed",
]
