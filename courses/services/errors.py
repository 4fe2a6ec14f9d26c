from lms.errors import Conflict, NotAvailable, ServiceError

__all__ = ["Conflict", "NotAvailable", "ServiceError"]
