"""Errors that services raise, with messages written for the person using the system."""

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["PermissionDenied", "ServiceError", "StaleStateError", "ValidationError"]


class ServiceError(ValidationError):
    """The request is understood but cannot be done; the message says why, in plain words."""


class StaleStateError(ServiceError):
    """The record changed since the page was loaded (answered with HTTP 409)."""
