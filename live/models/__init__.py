from .room import (
    ChatMessage,
    Connection,
    Participant,
    Poll,
    PollVote,
    Question,
    QuestionVote,
    RoomEvent,
    SlideDeck,
)
from .sessions import CalendarFeed, LiveSession

__all__ = [
    "CalendarFeed",
    "ChatMessage",
    "Connection",
    "LiveSession",
    "Participant",
    "Poll",
    "PollVote",
    "Question",
    "QuestionVote",
    "RoomEvent",
    "SlideDeck",
]
