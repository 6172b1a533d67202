"""Demo-only pages: the persona switcher, and the e-mails the system has sent.

Registered only when ``settings.DEMO_MODE`` is on (see gradepath/config/urls.py), so in any
other mode the URLs do not exist; each view refuses again outside demo mode.

* The persona switcher signs in as one of the demo university's logins in one click. POST
  only, CSRF-protected, and only for the usernames in :data:`gradepath.demo.logins.DEMO_LOGINS`:
  it can never be used to become anyone else.
* The e-mails page lists every e-mail sent or queued (the outbox), newest first, so a visitor
  switching personas can follow a whole conversation. The demo data is made up, which is the
  only reason any signed-in user may read every message here.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from gradepath.demo.logins import DEMO_LOGINS
from gradepath.notifications.models import OutboxAttachment, OutboxEmail

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


EMAILS_PER_PAGE = 25


@require_GET
def email_list(request: HttpRequest) -> HttpResponse:
    """Every e-mail the system has sent or queued, newest first (demo mode only, signed in).

    ``?to=`` narrows the list to the addresses containing that text (one persona's mailbox).
    """
    if not settings.DEMO_MODE:
        raise Http404("The e-mails page exists only in demo mode.")
    to = (request.GET.get("to") or "").strip()[:200]
    emails = OutboxEmail.objects.order_by("-created_at", "-id").prefetch_related(
        Prefetch("attachments", queryset=OutboxAttachment.objects.only("id", "email_id", "filename")
                 .order_by("id"))
    )
    if to:
        emails = emails.filter(to_address__icontains=to)
    page = Paginator(emails, EMAILS_PER_PAGE).get_page(request.GET.get("page"))
    querystring = urlencode({"to": to}) if to else ""
    return render(request, "demo/emails.html", {"page_obj": page, "to": to, "querystring": querystring})
