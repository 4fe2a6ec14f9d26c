class ServiceError(Exception):
    """A request the service refuses. ``status`` is the HTTP status a view should answer."""

    status = 400

    def __init__(self, message: str, *, code: str = "invalid", details: list | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or []


class NotAvailable(ServiceError):
    """The object does not exist or the user may not act on it; the two look the same."""

    status = 403


class Conflict(ServiceError):
    status = 409
