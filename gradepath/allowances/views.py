"""Acting up and honoraria pages: the list, proposing each kind, the allowance page with its moves, and
HR Services' payroll list of honoraria payable in a month (page and CSV).

Every lookup goes through the access gate (``permissions``: strangers get 404); every change through
``services`` (the proposals and the engine's moves); the buttons come from ``services.available_actions``.
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from gradepath.allowances import services, workflow
from gradepath.allowances.forms import (
    ActingUpForm,
    ActionForm,
    FilterForm,
    HonorariumForm,
    MonthForm,
)
from gradepath.allowances.models import Allowance, AllowanceEvent, Kind
from gradepath.allowances.panels import my_open_tasks
from gradepath.allowances.permissions import get_allowance_for_user, visible_allowances
from gradepath.core.downloads import attachment
from gradepath.core.errors import PermissionDenied, ServiceError, StaleStateError, user_message
from gradepath.people import roles
from gradepath.people.models import Person
from gradepath.people.relations import person_of
from gradepath.workflow import engine
from gradepath.workflow import selectors as wf_selectors
from gradepath.workflow.models import Task

PAGE_SIZE = 25


def _is_hr_services(user) -> bool:
    return roles.in_group(user, roles.HR_SERVICES)


def list_view(request: HttpRequest) -> HttpResponse:
    """Waiting for me, and every acting-up allowance and honorarium I may see (open first, newest change)."""
    me = person_of(request.user)
    form = FilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = visible_allowances(request.user)
    if kind := filters.get("kind"):
        rows = rows.filter(kind=kind)
    if state := filters.get("state"):
        rows = rows.filter(state=state)
    due = (Task.objects.filter(content_type=ContentType.objects.get_for_model(Allowance), object_id=OuterRef("pk"),
                               completed_at__isnull=True)
           .order_by("due_date").values("due_date")[:1])
    rows = (rows.select_related("person", "org_unit").annotate(next_due=Subquery(due))
            .order_by("-updated_at", "-id"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for allowance in page.object_list:
        allowance.state_label = workflow.STATES[allowance.state]
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "allowances/list.html", {
        "form": form, "page": page, "querystring": params.urlencode(),
        # Each row's page is the list's address and its id: one reverse() for the page, not one a row.
        "detail_base": reverse("allowances:list"),
        "tasks": list(my_open_tasks(request.user)[:50]) if me else [], "today": timezone.localdate(),
        "manages": me is not None and Person.objects.filter(line_manager=me, is_active=True).exists(),
        "hr_services": _is_hr_services(request.user),
    })


def _reports(me: Person):
    return Person.objects.filter(line_manager=me, is_active=True).order_by("last_name", "first_name")


@require_http_methods(["GET", "POST"])
def propose_acting_up_view(request: HttpRequest) -> HttpResponse:
    me = person_of(request.user)
    if me is None:
        raise Http404("No such page.")
    form = ActingUpForm(request.POST or None, reports=_reports(me))
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            allowance = services.propose_acting_up(actor=request.user, person=c["person"], post=c["post_number"],
                                                   start_date=c["start_date"], end_date=c["end_date"],
                                                   duties=c["duties"], long_reason=c["long_reason"])
        except (ServiceError, PermissionDenied) as exc:
            form.add_error(None, user_message(exc))
        else:
            messages.success(request, f"{workflow.SENTENCES['propose'][0]} {services.what_next(allowance)}")
            return redirect("allowances:detail", allowance.pk)
    return render(request, "allowances/propose.html", {"form": form, "kind": Kind.ACTING_UP},
                  status=400 if request.method == "POST" else 200)


@require_http_methods(["GET", "POST"])
def propose_honorarium_view(request: HttpRequest) -> HttpResponse:
    me = person_of(request.user)
    if me is None:
        raise Http404("No such page.")
    form = HonorariumForm(request.POST or None, reports=_reports(me))
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            allowance = services.propose_honorarium(actor=request.user, person=c["person"], duties=c["duties"],
                                                    amount=c["amount"], payment=c["payment"],
                                                    start_date=c["start_date"], end_date=c["end_date"])
        except (ServiceError, PermissionDenied) as exc:
            form.add_error(None, user_message(exc))
        else:
            messages.success(request, f"{workflow.SENTENCES['propose'][0]} {services.what_next(allowance)}")
            return redirect("allowances:detail", allowance.pk)
    return render(request, "allowances/propose.html", {"form": form, "kind": Kind.HONORARIUM},
                  status=400 if request.method == "POST" else 200)


def _render(request: HttpRequest, allowance: Allowance, *, bound: ActionForm | None = None, alert: str = "",
            status: int = 200) -> HttpResponse:
    events = list(allowance.events.select_related("actor").order_by("step"))
    actions, not_yet = [], []
    for available in services.available_actions(allowance, request.user, with_unmet=True,
                                                acts=services.engine.Acts.of(workflow.ALLOWANCES, allowance, events)):
        move = available.move
        if (why := services.unmet_condition(allowance, move)) is not None:
            not_yet.append({"label": move.label, "why": why})
            continue
        form = bound if bound is not None and bound.move.action == move.action else ActionForm(
            allowance=allowance, move=move)
        actions.append({"available": available, "move": move, "form": form})
    return render(request, "allowances/detail.html", {
        "allowance": allowance, "state_label": workflow.STATES[allowance.state],
        "closed": allowance.state in workflow.CLOSED_STATES, "actions": actions, "not_yet": not_yet,
        "tasks": engine.open_tasks(allowance),
        "today": timezone.localdate(), "role_labels": workflow.ROLE_LABELS,
        "process_map": wf_selectors.process_map(workflow.ALLOWANCES, allowance, events),
        "timeline": wf_selectors.timeline(workflow.ALLOWANCES, allowance, events),
        "alert": alert, "alert_level": "warning" if status == 409 else "danger",
    }, status=status)


def detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, get_allowance_for_user(request.user, pk))


def _errors(form) -> str:
    seen: list[str] = []
    for errors in form.errors.values():
        seen += [e for e in errors if e not in seen]
    return " ".join(e if e.endswith(".") else f"{e}." for e in seen)


@require_POST
def act_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Take one move. The form names the step it was rendered at (stale: 409) and carries an idempotency key."""
    allowance = get_allowance_for_user(request.user, pk)
    move = workflow.MOVES_BY_ACTION.get(action)
    if move is None:
        raise Http404("No such action.")
    key = request.POST.get(f"{action}-idempotency_key", "")
    if key and AllowanceEvent.objects.filter(allowance=allowance, idempotency_key=key).exists():
        messages.info(request, "That was already recorded.")
        return redirect("allowances:detail", allowance.pk)
    if request.POST.get(f"{action}-step", "") != str(allowance.step):
        return _stale(request, allowance)
    form = ActionForm(request.POST, allowance=allowance, move=move)
    if not form.is_valid():
        return _render(request, allowance, bound=form, status=400, alert="Nothing was recorded: " + _errors(form))
    try:
        allowance = services.perform_action(actor=request.user, allowance=allowance, action=action,
                                            step=form.cleaned_data["step"], data=form.service_data(),
                                            idempotency_key=str(form.cleaned_data["idempotency_key"]))
    except StaleStateError:
        return _stale(request, get_allowance_for_user(request.user, pk))
    except PermissionDenied as exc:
        return _render(request, allowance, alert=user_message(exc), status=403)
    except ServiceError as exc:
        return _render(request, allowance, bound=form, alert="Nothing was recorded: " + user_message(exc), status=400)
    messages.success(request, f"{workflow.SENTENCES[action][0]} {services.what_next(allowance)}".rstrip())
    return redirect("allowances:detail", allowance.pk)


def _stale(request: HttpRequest, allowance: Allowance) -> HttpResponse:
    return _render(request, allowance, status=409, alert=(
        f"This has moved on since you opened it: it is now at the step “{workflow.STATES[allowance.state]}”. "
        "Nothing was changed. Check what happened below before you act."))


def payroll_view(request: HttpRequest) -> HttpResponse:
    """HR Services: the agreed honoraria payable in a month (the page, or ``?format=csv`` for payroll)."""
    if not _is_hr_services(request.user):
        raise Http404("No such page.")
    form = MonthForm(request.GET or None)
    month = form.month_or(timezone.localdate())
    rows = list(services.payable_in(visible_allowances(request.user), month))
    if request.GET.get("format") == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["Reference", "Staff number", "Name", "Unit", "Amount (GBP)", "Paid", "Period from",
                         "Period to"])
        for a in rows:
            writer.writerow([a.reference, a.person.employee_number, a.person.full_name, a.org_unit.name,
                             a.agreed_amount, a.get_payment_display(), a.start_date.isoformat(),
                             a.end_date.isoformat() if a.end_date else ""])
        return attachment(out.getvalue().encode(), "text/csv; charset=utf-8", f"honoraria-{month:%Y-%m}.csv")
    return render(request, "allowances/payroll.html", {
        "form": form, "month": month, "rows": rows, "total": sum(a.agreed_amount or 0 for a in rows),
        "invalid": form.is_bound and not form.is_valid()}, status=400 if form.is_bound and not form.is_valid() else 200)
