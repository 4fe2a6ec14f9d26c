"""What happens in a session's room. Each change is stored in its own table (the
transcript, the attendance report) and as a RoomEvent with the room's next sequence
number, from which a reconnecting client replays exactly what it missed."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

User = settings.AUTH_USER_MODEL


class RoomEvent(models.Model):
    session = models.ForeignKey("live.LiveSession", on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="one_event_per_room_seq")
        ]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq} {self.type}"


class Participant(models.Model):
    """Someone who entered the room, with what the room knows of them."""

    class Role(models.TextChoices):
        HOST = "host", _("người dạy")
        LEARNER = "learner", _("học viên")

    session = models.ForeignKey(
        "live.LiveSession", on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="live_participations")
    name = models.CharField(max_length=255)
    role = models.CharField(max_length=10, choices=Role.choices)
    muted = models.BooleanField(default=False)
    hand_raised = models.BooleanField(default=False)
    # Has a socket open now...
    online = models.BooleanField(default=False)
    # ...and as the room was last told (presence changes reach the room in batches).
    listed = models.BooleanField(default=False)
    first_joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session_id", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="one_participant_per_user")
        ]

    def __str__(self) -> str:
        return self.name


class Connection(models.Model):
    """One socket of one participant: an attendance interval as the server saw it.

    ``last_seen_at`` moves with the client's heartbeat, so a socket whose phone died
    without a goodbye still ends: at its last heartbeat, by the sweep.
    """

    session = models.ForeignKey(
        "live.LiveSession", on_delete=models.CASCADE, related_name="connections"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200)
    joined_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["session_id", "joined_at", "pk"]
        indexes = [
            models.Index(
                fields=["session", "user"],
                name="live_open_connection",
                condition=models.Q(left_at__isnull=True),
            ),
            models.Index(
                fields=["last_seen_at"],
                name="live_connection_seen",
                condition=models.Q(left_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.session_id} {self.joined_at:%H:%M:%S}"

    @property
    def ended_at(self):
        return self.left_at or self.last_seen_at


class ChatMessage(models.Model):
    session = models.ForeignKey("live.LiveSession", on_delete=models.CASCADE, related_name="chat")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["session_id", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class Question(models.Model):
    session = models.ForeignKey(
        "live.LiveSession", on_delete=models.CASCADE, related_name="questions"
    )
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=255)
    text = models.TextField()
    votes = models.PositiveIntegerField(default=0)
    answered_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session_id", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class QuestionVote(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="one_vote_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.question_id}"


class Poll(models.Model):
    """A poll, or a quick quiz when it has a correct option (shown when it closes)."""

    session = models.ForeignKey("live.LiveSession", on_delete=models.CASCADE, related_name="polls")
    question = models.CharField(max_length=500)
    options = models.JSONField()
    correct_option = models.PositiveSmallIntegerField(null=True, blank=True)
    counts = models.JSONField()
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session_id", "pk"]

    def __str__(self) -> str:
        return self.question[:60]


class PollVote(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    option = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poll", "user"], name="one_vote_per_poll")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.poll_id}: {self.option}"


class SlideDeck(models.Model):
    """A PDF the host uploaded; a background task renders its pages to images."""

    class Status(models.TextChoices):
        PENDING = "pending", _("đang xử lý")
        READY = "ready", _("sẵn sàng")
        FAILED = "failed", _("lỗi")

    session = models.ForeignKey(
        "live.LiveSession", on_delete=models.CASCADE, related_name="slide_decks"
    )
    title = models.CharField(max_length=255)
    # Relative to PRIVATE_ROOT: slides are the course's, not the public's.
    path = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    pages = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session_id", "pk"]

    def __str__(self) -> str:
        return self.title
