"""Secondment pages: the opportunity board, an opportunity (applying, the host's applications), posting
one, the applications list, an application with its moves, and the redeployment register.

Every lookup goes through the gates of :mod:`gradepath.secondments.permissions` (strangers get 404);
every change through :mod:`gradepath.secondments.services`; the buttons come from
``services.available_actions`` and nowhere else.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from gradepath.core.errors import PermissionDenied, ServiceError, StaleStateError, user_message
from gradepath.people.models import Person
from gradepath.people.relations import person_of
from gradepath.secondments import selectors, services, workflow
from gradepath.secondments.forms import (
    ApplyForm,
    MoveActionForm,
    OpportunityForm,
    ReasonForm,
    RegisterForm,
)
from gradepath.secondments.models import Opportunity, Secondment, SecondmentEvent
from gradepath.secondments.permissions import (
    get_opportunity_for_user,
    get_secondment_for_user,
    keeps_register,
    manages_opportunity,
    on_register,
    sees_all,
    visible_register,
)
from gradepath.workflow import engine
from gradepath.workflow import selectors as flow

PAGE_SIZE = 25


def _errors(form) -> str:
    seen: list[str] = []
    for errors in form.errors.values():
        for error in errors:
            if error not in seen:
                seen.append(error)
    return " ".join(e if e.endswith(".") else f"{e}." for e in seen)


# --- The board --------------------------------------------------------------------------------------------


def board_view(request: HttpRequest) -> HttpResponse:
    """Open opportunities I may apply for, what is waiting for me, and the opportunities I host."""
    me = person_of(request.user)
    q = (request.GET.get("q") or "").strip()[:100]
    page = Paginator(selectors.board(request.user, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "secondments/board.html", {
        "page": page, "q": q, "today": timezone.localdate(),
        "tasks": list(selectors.my_tasks(request.user, me)[:50]) if me else [],
        "hosted": list(selectors.hosted(request.user, me)[:20]) if me else [],
        "states": workflow.STATES, "has_person": me is not None,
        "on_register": on_register(me), "keeps_register": keeps_register(request.user),
        "priority_days": services.setting("REDEPLOYMENT_PRIORITY_DAYS"),
    })


def applications_view(request: HttpRequest) -> HttpResponse:
    """Every application and secondment I may see (my own, my reports', my units', those I host)."""
    state = request.GET.get("state", "")
    if state not in workflow.STATES:
        state = ""
    page = Paginator(selectors.secondment_list(request.user, state=state), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "secondments/applications.html", {
        "page": page, "state": state, "states": workflow.STATES, "today": timezone.localdate()})


# --- Opportunities --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def opportunity_new_view(request: HttpRequest) -> HttpResponse:
    me = person_of(request.user)
    if me is None:
        raise Http404("No such page.")
    for_hr = sees_all(request.user)
    form = OpportunityForm(request.POST or None, posts=None if for_hr else selectors.postable_posts(me), for_hr=for_hr)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                opportunity = services.post_opportunity(actor=request.user, data=form.service_data())
            except (ServiceError, PermissionDenied) as exc:
                error = user_message(exc)
            else:
                messages.success(request, f"Posted {opportunity.reference}. People on the redeployment register see it "
                                          f"first, until {engine.day(opportunity.register_until)}; then everyone.")
                return redirect("secondments:opportunity-detail", opportunity.pk)
        else:
            error = _errors(form)
    return render(request, "secondments/opportunity_form.html", {"form": form, "error": error, "for_hr": for_hr},
                  status=400 if request.method == "POST" else 200)


def _render_opportunity(request: HttpRequest, opportunity: Opportunity, *, apply_form: ApplyForm | None = None,
                        alert: str = "", status: int = 200) -> HttpResponse:
    me = person_of(request.user)
    manages = manages_opportunity(request.user, opportunity)
    mine = Secondment.objects.filter(opportunity=opportunity, applicant=me).first() if me else None
    applications = (list(selectors.secondment_list(request.user, opportunity=opportunity)[:200])
                    if manages or not mine else [])
    return render(request, "secondments/opportunity_detail.html", {
        "opportunity": opportunity, "manages": manages, "mine": mine, "applications": applications,
        "apply_form": apply_form or ApplyForm(), "withdraw_form": ReasonForm(label="Why it is withdrawn"),
        "can_apply": (mine is None and me is not None and opportunity.status == Opportunity.Status.OPEN
                      and opportunity.closing_date >= timezone.localdate()
                      and me.pk not in (opportunity.host_manager_id, opportunity.posted_by_id)),
        "states": workflow.STATES, "today": timezone.localdate(), "alert": alert,
    }, status=status)


def opportunity_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_opportunity(request, get_opportunity_for_user(request.user, pk))


@require_POST
def opportunity_apply_view(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = get_opportunity_for_user(request.user, pk)
    form = ApplyForm(request.POST)
    if not form.is_valid():
        return _render_opportunity(request, opportunity, apply_form=form, status=400,
                                   alert="Nothing was sent: " + _errors(form))
    try:
        secondment = services.apply(actor=request.user, opportunity=opportunity, data=form.cleaned_data)
    except (ServiceError, PermissionDenied) as exc:
        return _render_opportunity(request, opportunity, apply_form=form, status=400,
                                   alert="Nothing was sent: " + user_message(exc))
    messages.success(request, f"You applied ({secondment.reference}). {services.what_next(secondment)} Your line "
                              "manager is told; if you are selected, they are asked to release you.")
    return redirect("secondments:secondment-detail", secondment.pk)


@require_POST
def opportunity_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = get_opportunity_for_user(request.user, pk)
    try:
        services.close_opportunity(actor=request.user, opportunity=opportunity)
    except (ServiceError, PermissionDenied) as exc:
        return _render_opportunity(request, opportunity, alert=user_message(exc), status=400)
    messages.success(request, f"{opportunity.reference} is closed to applications: select from those made.")
    return redirect("secondments:opportunity-detail", opportunity.pk)


@require_POST
def opportunity_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = get_opportunity_for_user(request.user, pk)
    try:
        services.withdraw_opportunity(actor=request.user, opportunity=opportunity,
                                      reason=request.POST.get("reason", ""))
    except (ServiceError, PermissionDenied) as exc:
        return _render_opportunity(request, opportunity, alert="Nothing was changed: " + user_message(exc), status=400)
    messages.success(request, f"{opportunity.reference} was withdrawn from the board.")
    return redirect("secondments:opportunity-detail", opportunity.pk)


# --- An application ---------------------------------------------------------------------------------------


def _render_secondment(request: HttpRequest, secondment: Secondment, *, bound: MoveActionForm | None = None,
                       alert: str = "", status: int = 200) -> HttpResponse:
    events = selectors.events_of(secondment)
    actions, later, not_yet = [], [], []
    for available in services.available_actions(secondment, request.user, with_unmet=True,
                                                acts=engine.Acts.of(workflow.SECONDMENTS, secondment, events)):
        move = available.move
        if (why := engine.unmet_condition(workflow.SECONDMENTS, secondment, move)) is not None:
            not_yet.append({"label": move.label, "why": why})
            continue
        form = bound if bound is not None and bound.move.action == move.action else MoveActionForm(obj=secondment,
                                                                                                   move=move)
        (later if move.style == "danger" else actions).append({"available": available, "move": move, "form": form})
    closed = secondment.state in workflow.SECONDMENTS.closed_states
    return render(request, "secondments/secondment_detail.html", {
        "s": secondment, "state_label": workflow.STATES[secondment.state], "closed": closed,
        "tasks": engine.open_tasks(secondment), "today": timezone.localdate(),
        "process_map": flow.process_map(workflow.SECONDMENTS, secondment, events),
        "timeline": flow.timeline(workflow.SECONDMENTS, secondment, events),
        "actions": actions, "later_actions": later, "not_yet": not_yet, "alert": alert,
        "alert_level": "warning" if status == 409 else "danger", "latest_end": (
            services.latest_end(secondment.start_date) if secondment.start_date else None),
        "max_months": services.setting("MAX_MONTHS"),
    }, status=status)


def secondment_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_secondment(request, get_secondment_for_user(request.user, pk))


@require_POST
def secondment_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Take one move. The form names the step it was rendered at (stale: 409, nothing changes) and carries
    an idempotency key (the same request twice: one effect)."""
    secondment = get_secondment_for_user(request.user, pk)
    move = workflow.MOVES_BY_ACTION.get(action)
    if move is None:
        raise Http404("No such action.")
    key = request.POST.get(f"{action}-idempotency_key", "")
    if key and SecondmentEvent.objects.filter(secondment=secondment, idempotency_key=key).exists():
        messages.info(request, "That was already recorded.")
        return redirect("secondments:secondment-detail", secondment.pk)
    if request.POST.get(f"{action}-step", "") != str(secondment.step):
        return _stale(request, secondment)
    form = MoveActionForm(request.POST, obj=secondment, move=move)
    if not form.is_valid():
        return _render_secondment(request, secondment, bound=form, status=400,
                                  alert="Nothing was recorded: " + _errors(form))
    try:
        secondment = services.perform_action(actor=request.user, secondment=secondment, action=action,
                                             step=form.cleaned_data["step"], data=form.service_data(),
                                             idempotency_key=str(form.cleaned_data["idempotency_key"]))
    except StaleStateError:
        return _stale(request, get_secondment_for_user(request.user, pk))
    except PermissionDenied as exc:
        return _render_secondment(request, secondment, alert=user_message(exc), status=403)
    except ServiceError as exc:
        return _render_secondment(request, secondment, bound=form, status=400,
                                  alert="Nothing was recorded: " + user_message(exc))
    messages.success(request, f"{workflow.SENTENCES[action][0]} {services.what_next(secondment)}".rstrip())
    return redirect("secondments:secondment-detail", secondment.pk)


def _stale(request: HttpRequest, secondment: Secondment) -> HttpResponse:
    return _render_secondment(request, secondment, status=409, alert=(
        f"This application has moved on since you opened it: it is now at the step "
        f"“{workflow.STATES[secondment.state]}”. Nothing was changed. Check what happened below before you act."))


# --- The redeployment register ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register_view(request: HttpRequest) -> HttpResponse:
    """HR Services keep the redeployment register (anyone else: 404)."""
    if not keeps_register(request.user):
        raise Http404("No such page.")
    form = RegisterForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            person = Person.objects.filter(employee_number=form.cleaned_data["employee_number"].strip()).first()
            try:
                if person is None:
                    raise ServiceError("No member of staff has that staff number.")
                services.add_to_register(actor=request.user, data={"person": person.pk,
                                                                   "note": form.cleaned_data["note"]})
            except (ServiceError, PermissionDenied) as exc:
                error = user_message(exc)
            else:
                messages.success(request, f"{person.full_name} is on the redeployment register and has been told.")
                return redirect("secondments:register")
        else:
            error = _errors(form)
    entries = Paginator(visible_register(request.user).filter(removed_at__isnull=True)
                        .select_related("person", "added_by").order_by("person__last_name", "person__first_name", "id"),
                        PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "secondments/register.html", {
        "form": form, "error": error, "entries": entries, "remove_form": ReasonForm(label="Why they come off it"),
        "priority_days": services.setting("REDEPLOYMENT_PRIORITY_DAYS")}, status=400 if error else 200)


@require_POST
def register_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not keeps_register(request.user):
        raise Http404("No such page.")
    entry = visible_register(request.user).select_related("person").filter(pk=pk).first()
    if entry is None:
        raise Http404("No such entry.")
    try:
        services.remove_from_register(actor=request.user, entry=entry, reason=request.POST.get("reason", ""))
    except (ServiceError, PermissionDenied) as exc:
        messages.error(request, "Nothing was changed: " + user_message(exc))
    else:
        messages.success(request, f"{entry.person.full_name} is off the redeployment register.")
    return redirect("secondments:register")

