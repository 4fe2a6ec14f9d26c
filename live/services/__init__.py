"""Writes of the live classroom, by area: the room's ordered log (events), who is in
the room and their attendance (presence), what participants do there (room, polls,
slides), the session's place in its course and its end (sessions), audio and video
access (media) and the replay lesson (replay)."""
