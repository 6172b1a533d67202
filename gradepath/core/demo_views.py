"""The demo persona switcher: sign in as one of the demo university's logins in one click.

Registered only when ``settings.DEMO_MODE`` is on (see gradepath/config/urls.py), so in any
other mode the URL does not exist. POST only, CSRF-protected, and only for the usernames in
:data:`gradepath.demo.logins.DEMO_LOGINS`: it can never be used to become anyone else.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from gradepath.demo.logins import DEMO_LOGINS

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@login_not_required
@require_POST
def switch_persona(request: HttpRequest) -> HttpResponse:
    """Sign in as a demo login (demo mode only), with a fresh session, and open My home."""
    if not settings.DEMO_MODE:
        raise Http404("The persona switcher exists only in demo mode.")
    username = (request.POST.get("username") or "").strip()
    demo = {d.username: d for d in DEMO_LOGINS}.get(username)
    if demo is None:
        messages.error(request, "Choose one of the demo logins listed on this page.")
        return redirect("login")
    user = get_user_model().objects.filter(username=demo.username, is_active=True).first()
    if user is None:
        messages.error(
            request,
            f"The demo login {demo.username} does not exist yet. Load the demo data with "
            "\u201cgradepath demo\u201d and try again.",
        )
        return redirect("login")
    # login() gives the session a new key (and empties it when another user was signed in).
    login(request, user, backend=MODEL_BACKEND)
    messages.success(request, f"You are now signed in as {demo.username}: {demo.role}.")
    return redirect("people:home")
