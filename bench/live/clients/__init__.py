"""Learner clients: one process holding a share of the learners' sockets.

Started by the bench (bench.live.load.workers) as ``python -m bench.live.clients``,
several at once when one Python process would be too slow to take every frame as it
arrives. It reads one JSON command a line on stdin and answers each with one JSON line
on stdout (bench.live.clients.commands):

* ``setup``: the learners (user id, session key), the socket's URL and Origin, the mode
  (``room``: the product's classroom; ``relay``: the baseline), whether to offer
  permessage-deflate (browsers do) and how long learners take to vote;
* ``join``: every learner opens its socket (``concurrency`` handshakes in flight at
  most), all at once or arriving evenly over ``spread`` seconds, and in the room sends
  ``register`` at once and waits for its ``state``, as the page does;
* ``wait``: until every learner has ``chats`` chat lines, or an event numbered ``seq``
  or later, or has its vote acknowledged, or ``timeout`` seconds pass;
* ``analyze``: what each learner received, checked and summed up
  (bench.live.clients.received);
* ``close``, then ``exit``.

While a socket is open its reader only notes the time (``time.time()``: the sender is
another process on the same machine) and keeps the frame; the frames are parsed in
``analyze``, after the measurement, so that a client's own work delays the next
frame's timestamp as little as possible. Room sockets ping every 20 s, as the
product's page does (a socket silent for 60 s is closed by the server), and vote when
a poll opens, after a random pause of up to ``vote_within`` seconds (people read the
question first). Relay sockets send nothing: the relay would send it to everyone.
"""

from bench.live.clients.commands import main, serve
from bench.live.clients.learner import HEARTBEAT_SECONDS, Learner, heartbeat
from bench.live.clients.pool import Pool

__all__ = ["HEARTBEAT_SECONDS", "Learner", "Pool", "heartbeat", "main", "serve"]
