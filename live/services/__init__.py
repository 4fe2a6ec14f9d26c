"""Writes of the live classroom, by area: the room's ordered log (events), who is in
the room and their attendance (presence), what participants do there (room), the
session's activity in its course (sessions) and its slides (slides)."""
