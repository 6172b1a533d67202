"""Errors that services raise, with messages written for the person using the system."""

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["PermissionDenied", "ServiceError", "StaleStateError", "ValidationError", "user_message"]


class ServiceError(ValidationError):
    """The request is understood but cannot be done; the message says why, in plain words."""


class StaleStateError(ServiceError):
    """The record changed since the page was loaded (answered with HTTP 409)."""


def user_message(error: Exception) -> str:
    """The sentence to show for a refused change (ServiceError, ValidationError or PermissionDenied)."""
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error) or "You are not allowed to do that."
