"""Appraisal pages: the list, starting one, the appraisal page (its moves, the JD review and the
regrading flag), and completion by unit.

Every lookup goes through the access gate (``get_appraisal_for_user``: strangers get 404); every change
through the services; the buttons come from ``services.available_actions`` and nowhere else.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gradepath.appraisal import selectors, services, workflow
from gradepath.appraisal.forms import ActionForm, ChangeForm, FlagForm, StartForm
from gradepath.appraisal.models import Appraisal, AppraisalEvent
from gradepath.appraisal.permissions import (
    completion_units,
    get_appraisal_for_user,
    visible_appraisals,
)
from gradepath.core.errors import PermissionDenied, ServiceError, StaleStateError, user_message
from gradepath.core.widgets import search_response, search_words
from gradepath.people.models import OrgUnit
from gradepath.people.permissions import visible_people
from gradepath.people.relations import person_of
from gradepath.people.search import picker_rows
from gradepath.workflow import engine

PAGE_SIZE = 25


def _year(request: HttpRequest, default: int | None) -> int | None:
    given = request.GET.get("year", "")
    if given.isascii() and given.isdigit() and len(given) == 4 and 2000 <= int(given) <= 2100:
        return int(given)
    return default


# --- The list --------------------------------------------------------------------------------------


@require_GET
def list_view(request: HttpRequest) -> HttpResponse:
    """Waiting for me, and the appraisals I can see (filtered by year and step)."""
    me = person_of(request.user)
    year = _year(request, None)
    state = request.GET.get("state", "")
    if state not in workflow.STATES:
        state = ""
    rows = selectors.appraisal_list(visible_appraisals(request.user), year=year, state=state)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "appraisal/list.html", {
        "page": page, "querystring": params.urlencode(), "year": year, "state": state,
        "states": workflow.STATES, "tasks": selectors.my_open_tasks(me, 50) if me else [],
        "today": timezone.localdate(), "has_person": me is not None,
        "follows_units": completion_units(request.user) is not None,
    })


# --- Starting one ------------------------------------------------------------------------------------


def _start_form(request: HttpRequest, data=None) -> StartForm:
    people = visible_people(request.user).filter(is_active=True)
    return StartForm(data, people=people, appraisers=people, search_url=reverse("appraisal:start-people"),
                     appraiser_search_url=reverse("appraisal:start-people"),
                     initial={"year": timezone.localdate().year})


@require_http_methods(["GET", "POST"])
def start_view(request: HttpRequest) -> HttpResponse:
    if person_of(request.user) is None:
        raise Http404("No such page.")
    form = _start_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            appraisal = services.start_appraisal(actor=request.user, subject=form.cleaned_data["subject"],
                                                 year=form.cleaned_data["year"],
                                                 appraiser=form.cleaned_data.get("appraiser"))
        except (ServiceError, PermissionDenied) as exc:
            form.add_error(None, user_message(exc))
        else:
            messages.success(request, f"Started {appraisal.reference}. {services.what_next(appraisal)}")
            return redirect("appraisal:detail", appraisal.pk)
    return render(request, "appraisal/start.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


@require_GET
def start_people_view(request: HttpRequest) -> HttpResponse:
    """The start page's people search (JSON): current staff this user can see."""
    if person_of(request.user) is None:
        raise Http404("No such page.")
    return search_response(picker_rows(visible_people(request.user).filter(is_active=True), search_words(request)))


# --- The appraisal page ------------------------------------------------------------------------------


def _render(request: HttpRequest, appraisal: Appraisal, *, bound: ActionForm | None = None,
            change_form: ChangeForm | None = None, flag_form: FlagForm | None = None, alert: str = "",
            status: int = 200) -> HttpResponse:
    user = request.user
    me = person_of(user)
    events = list(appraisal.events.select_related("actor").order_by("step"))
    acts = engine.Acts.of(workflow.APPRAISAL, appraisal, events)
    actions = []
    for available in services.available_actions(appraisal, user, acts=acts):
        move = available.move
        form = bound if bound is not None and bound.move.action == move.action else ActionForm(appraisal=appraisal,
                                                                                               move=move)
        actions.append({"available": available, "move": move, "form": form})
    reviewer = me is not None and me.pk in (appraisal.subject_id, appraisal.appraiser_id)
    duties = services.jd_duties(appraisal)
    can_review = reviewer and appraisal.state in workflow.REVIEW_STATES
    is_staff_member = me is not None and me.pk == appraisal.subject_id
    can_flag = (reviewer and appraisal.state in workflow.FLAG_STATES and not appraisal.regrading_reference)
    changes = list(appraisal.changes.select_related("recorded_by"))
    return render(request, "appraisal/detail.html", {
        "appraisal": appraisal, "state_label": selectors.state_label(appraisal.state),
        "closed": services.is_closed(appraisal), "overdue": appraisal.is_overdue(),
        "tasks": engine.open_tasks(appraisal),
        "today": timezone.localdate(), "actions": actions, "events": events,
        "labels": {m.action: m.label for m in workflow.MOVES},
        "process_map": [(s, workflow.STATES[s]) for s in workflow.PROCESS_MAP[workflow.ANNUAL]],
        "duties": duties, "changes": changes, "can_review": can_review,
        "change_form": change_form or (ChangeForm(duties=duties) if can_review else None),
        "can_flag": can_flag, "has_changes": bool(changes),
        "flag_form": flag_form or (FlagForm(is_staff_member=is_staff_member) if can_flag else None),
        "alert": alert, "alert_level": "warning" if status == 409 else "danger",
    }, status=status)


@require_GET
def detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, get_appraisal_for_user(request.user, pk))


def _form_errors(form) -> str:
    seen: list[str] = []
    for errors in form.errors.values():
        for error in errors:
            if error not in seen:
                seen.append(error)
    return " ".join(e if e.endswith(".") else f"{e}." for e in seen)


@require_POST
def act_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Take one move. The form names the step it was rendered at (stale: 409, nothing changes) and
    carries an idempotency key (the same request twice: one effect)."""
    appraisal = get_appraisal_for_user(request.user, pk)
    move = workflow.MOVES_BY_ACTION.get(action)
    if move is None:
        raise Http404("No such action.")
    key = request.POST.get(f"{action}-idempotency_key", "")
    if key and AppraisalEvent.objects.filter(appraisal=appraisal, idempotency_key=key).exists():
        messages.info(request, "That was already recorded.")
        return redirect("appraisal:detail", appraisal.pk)
    if request.POST.get(f"{action}-step", "") != str(appraisal.step):
        return _stale(request, appraisal)
    form = ActionForm(request.POST, appraisal=appraisal, move=move)
    if not form.is_valid():
        return _render(request, appraisal, bound=form, status=400, alert="Nothing was recorded: " + _form_errors(form))
    try:
        appraisal = services.perform_action(actor=request.user, appraisal=appraisal, action=action,
                                            step=form.cleaned_data["step"], data=form.service_data(),
                                            idempotency_key=str(form.cleaned_data["idempotency_key"]))
    except StaleStateError:
        return _stale(request, get_appraisal_for_user(request.user, pk))
    except PermissionDenied as exc:
        return _render(request, appraisal, alert=user_message(exc), status=403)
    except ServiceError as exc:
        return _render(request, appraisal, bound=form, alert="Nothing was recorded: " + user_message(exc), status=400)
    messages.success(request, f"{workflow.SENTENCES[action][0]} {services.what_next(appraisal)}".rstrip())
    return redirect("appraisal:detail", appraisal.pk)


def _stale(request: HttpRequest, appraisal: Appraisal) -> HttpResponse:
    return _render(request, appraisal, status=409, alert=(
        f"This appraisal has moved on since you opened it: it is now at the step "
        f"“{selectors.state_label(appraisal.state)}”. Nothing was changed. Check what happened below before you act."))


def _refusal_status(exc: Exception) -> int:
    return 403 if isinstance(exc, PermissionDenied) else 400


@require_POST
def change_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    appraisal = get_appraisal_for_user(request.user, pk)
    form = ChangeForm(request.POST, duties=services.jd_duties(appraisal))
    if not form.is_valid():
        return _render(request, appraisal, change_form=form, status=400,
                       alert="Nothing was recorded: " + _form_errors(form))
    try:
        services.add_change(actor=request.user, appraisal=appraisal, data=form.service_data())
    except (ServiceError, PermissionDenied) as exc:
        return _render(request, appraisal, change_form=form, status=_refusal_status(exc),
                       alert="Nothing was recorded: " + user_message(exc))
    messages.success(request, "The change of responsibility was added to the JD review.")
    return redirect("appraisal:detail", appraisal.pk)


@require_POST
def change_remove_view(request: HttpRequest, pk: int, change_id: int) -> HttpResponse:
    appraisal = get_appraisal_for_user(request.user, pk)
    try:
        services.remove_change(actor=request.user, appraisal=appraisal, change_id=change_id)
    except (ServiceError, PermissionDenied) as exc:
        return _render(request, appraisal, status=_refusal_status(exc), alert="Nothing was changed: " + user_message(exc))
    messages.success(request, "The change was taken out of the JD review.")
    return redirect("appraisal:detail", appraisal.pk)


@require_POST
def flag_view(request: HttpRequest, pk: int) -> HttpResponse:
    appraisal = get_appraisal_for_user(request.user, pk)
    me = person_of(request.user)
    is_staff_member = me is not None and me.pk == appraisal.subject_id
    form = FlagForm(request.POST, is_staff_member=is_staff_member)
    if request.POST.get("flag-route") == services.DIRECT and not is_staff_member:
        # The form offers the Direct Route to the staff member only: the service says why, in its words.
        return _render(request, appraisal, flag_form=FlagForm(is_staff_member=False), status=403,
                       alert="Nothing was started: " + services.DIRECT_ONLY)
    if not form.is_valid():
        return _render(request, appraisal, flag_form=form, status=400, alert="Nothing was started: " + _form_errors(form))
    try:
        appraisal = services.flag_regrading_check(actor=request.user, appraisal=appraisal, data=form.service_data())
    except (ServiceError, PermissionDenied) as exc:
        return _render(request, appraisal, flag_form=form, status=_refusal_status(exc),
                       alert="Nothing was started: " + user_message(exc))
    messages.success(request, f"Started the regrading check {appraisal.regrading_reference}: its proposed JD shows the "
                              "responsibilities taken on and relinquished as tracked changes.")
    return redirect("appraisal:detail", appraisal.pk)


# --- Completion by unit ----------------------------------------------------------------------------


@require_GET
def completion_view(request: HttpRequest) -> HttpResponse:
    """Per unit: this season's appraisals done, open and overdue, each unit's overdue count linking to its
    overdue list (FM/HPS, HoD and HRBP for their units; HR for all). 404 for everyone else."""
    units = completion_units(request.user)
    if units is None:
        raise Http404("No such page.")
    today = timezone.localdate()
    year = _year(request, today.year) or today.year
    # Counts only (one query): naming up to 25 overdue people in every unit made HR Services' page some 1,600
    # names long at 50,000 staff; each unit's overdue people are on its own page, a link away.
    rows = selectors.completion_by_unit(units, year=year, today=today, with_people=False)
    return render(request, "appraisal/completion.html", {
        "rows": rows, "year": year, "today": today, "season": services.season(year),
        "totals": {k: sum(getattr(r, k) for r in rows) for k in ("done", "open", "overdue")},
    })


@require_GET
def completion_unit_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    """One unit's overdue appraisals of the season, by name and a page at a time, with the unit's counts: for
    whoever follows the unit's completion (a unit outside their units, or no such unit: 404)."""
    units = completion_units(request.user)
    unit = units.filter(pk=unit_id).first() if units is not None else None
    if unit is None:
        raise Http404("No such page.")
    today = timezone.localdate()
    year = _year(request, today.year) or today.year
    # The gate has found the unit: its counts read by its id (not through the user's units' path conditions again).
    counts = selectors.completion_by_unit(OrgUnit.objects.filter(pk=unit.pk), year=year, today=today,
                                          with_people=False)
    page = Paginator(selectors.overdue_in_unit(unit.pk, year=year, today=today), PAGE_SIZE).get_page(
        request.GET.get("page"))
    for appraisal in page.object_list:
        appraisal.state_label = selectors.state_label(appraisal.state)
    return render(request, "appraisal/completion_unit.html", {
        "unit": unit, "counts": counts[0] if counts else None, "page": page, "querystring": f"year={year}",
        "year": year, "today": today, "season": services.season(year),
        # Each appraisal's page is the list's address and its id: one reverse() for the page, not one a row.
        "detail_base": reverse("appraisal:list"),
    })
