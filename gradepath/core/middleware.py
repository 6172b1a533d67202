"""Session expiry and the login requirement."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import JsonResponse


def start_session_clock(sender, request, user, **kwargs) -> None:
    """At every login the 12-hour and 30-minute clocks start again."""
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session["gp_login_at"] = now
        request.session["gp_last_seen"] = now


class SessionTimeoutMiddleware:
    """Log out after 30 minutes idle or 12 hours after login (both settings)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if session.get("_auth_user_id"):
            now = int(time.time())
            started = session.setdefault("gp_login_at", now)
            last = session.get("gp_last_seen", now)
            idle = now - last > settings.SESSION_IDLE_TIMEOUT.total_seconds()
            too_old = now - started > settings.SESSION_ABSOLUTE_TIMEOUT.total_seconds()
            if idle or too_old:
                logout(request)
                request.session["gp_expired"] = "idle" if idle else "max_age"
            elif now - last >= 30:  # avoid a session write on every request
                session["gp_last_seen"] = now
            elif "gp_last_seen" not in session:
                session["gp_last_seen"] = now
        return self.get_response(request)


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every URL needs a login unless its view is marked ``login_not_required``.

    API clients get a JSON 401 instead of a redirect to the login page.
    """

    def handle_no_permission(self, request, view_func):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
        return super().handle_no_permission(request, view_func)
