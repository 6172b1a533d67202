"""Session expiry, the login requirement, refusing text that cannot be stored, and no-store caching."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from gradepath.core.text import texts_problem


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


FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _request_texts(request: HttpRequest):
    """Every piece of text a view might store or search for, except a JSON body (see api.parsers)."""
    yield request.path
    for name, value in request.META.items():
        if name.startswith("HTTP_") and isinstance(value, str):
            yield value  # django-axes stores the User-Agent and Accept headers of a failed login
    for key, values in request.GET.lists():
        yield key
        yield from values
    if request.method == "POST" and request.content_type in FORM_CONTENT_TYPES:
        for key, values in request.POST.lists():
            yield key
            yield from values
        for key, files in request.FILES.lists():
            yield key
            yield from (f.name or "" for f in files)


def bad_input_response(request: HttpRequest, message: str) -> HttpResponse:
    """400 with ``message``: JSON under /api/, an error page everywhere else."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return render(request, "core/bad_input.html", {"message": message}, status=400)


class UnstorableTextMiddleware:
    """Refuse a request whose path, headers, query string, form fields or uploaded file names hold
    text that no database can store (a NUL, an unpaired surrogate): 400 with a message, before any
    view runs, so SQLite and PostgreSQL refuse the same input (core.text; ADR 0017).

    JSON bodies are checked by the API's parser (gradepath.api.parsers) and file contents by each
    import, so this is one check for every web form and every query string.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # After the login requirement (anonymous users are sent to the login page first).
        problem = texts_problem(_request_texts(request))
        return None if problem is None else bad_input_response(request, problem)


class NoStoreMiddleware:
    """Responses to a signed-in user carry personal or pay data: ``Cache-Control: no-store,
    private``, so neither the browser nor a proxy keeps a copy. A response that sets its own
    caching (the health check's never_cache, a file download that chose otherwise) is left alone;
    static files are answered by WhiteNoise before this middleware runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response
