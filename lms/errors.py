"""The one error type services raise, for every app. Its HTTP meaning is decided in one
place (``lms.http.error_status``), not by each view."""


class ServiceError(Exception):
    """A request the service refuses, with a message for the person who made it."""

    def __init__(self, message: str, *, code: str = "invalid", details: list | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or []


class NotAvailable(ServiceError):
    """The object does not exist or the user may not act on it; the two look the same."""


class Conflict(ServiceError):
    """The request collides with the current state (a full course, an id in use)."""
