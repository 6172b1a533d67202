"""Pages of accelerated increments and contribution points: the list, applying on either route, the request
page with its moves, and the faculties' local rounds with their panel.

Every lookup goes through the access gates (``permissions``: strangers get 404); every change through
``services``; the buttons come from ``services.available_actions`` and nowhere else.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gradepath.core.errors import PermissionDenied, ServiceError, StaleStateError, user_message
from gradepath.core.widgets import search_response, search_words
from gradepath.people import roles
from gradepath.people.models import OrgUnit, Person, UnitRole, UnitRoleAssignment
from gradepath.people.permissions import visible_people
from gradepath.people.relations import people_in_units, person_of, scope_unit_ids, subtree_q
from gradepath.people.search import picker_rows
from gradepath.progression import effects, services, spine, workflow
from gradepath.progression.forms import RequestMoveForm, RoundForm, StartForm
from gradepath.progression.models import LocalRound, ProgressionEvent, ProgressionRequest, Route
from gradepath.workflow import engine, selectors
from gradepath.workflow.engine import Acts
from gradepath.workflow.models import Task

PAGE_SIZE = 25


def _form_errors(form) -> str:
    seen: list[str] = []
    for errors in form.errors.values():
        for error in errors:
            if error not in seen:
                seen.append(error)
    text = " ".join(e if e.endswith(".") else f"{e}." for e in seen)
    return text[:1].lower() + text[1:]


# --- The list ---------------------------------------------------------------------------------------------


def request_list_view(request: HttpRequest) -> HttpResponse:
    """What waits for me, and the requests I may see (newest first, paged; filter by state)."""
    me = person_of(request.user)
    requests = services.visible_requests(request.user)
    state = request.GET.get("state", "")
    if state in workflow.STATES:
        requests = requests.filter(state=state)
    requests = requests.select_related("subject", "org_unit", "grade").order_by("-created_at", "-id")
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    tasks = []
    if me is not None:
        mine = Q(assignee=me)
        if roles.in_group(request.user, roles.HR_SERVICES):
            mine |= Q(assignee__isnull=True, team="HR Services")
        tasks = list(Task.objects.filter(mine, process="progression", completed_at__isnull=True)
                     .order_by("due_date", "id")[:50])
    return render(request, "progression/request_list.html", {
        "page": page, "tasks": tasks, "states": workflow.STATES, "state": state, "today": timezone.localdate(),
        "has_person": me is not None, "querystring": f"state={state}" if state in workflow.STATES else "",
    })


# --- Applying ------------------------------------------------------------------------------------------------


def _head_units(me: Person) -> list[int]:
    """Units where ``me`` is the HoD or departmental contact today (applies for their people)."""
    return list(UnitRoleAssignment.objects.on().filter(person=me, role=UnitRole.HEAD).values_list("unit_id", flat=True))


def _people_for_hod(user, me: Person):
    units = _head_units(me)
    if not units:
        return Person.objects.none()
    unit_ids = set(OrgUnit.objects.filter(subtree_q(units)).values_list("pk", flat=True))
    return visible_people(user).filter(pk__in=people_in_units(unit_ids).values("pk"), is_active=True).exclude(pk=me.pk)


def _open_rounds(unit: OrgUnit | None):
    if unit is None or not unit.ancestor_ids:
        return []
    return list(LocalRound.objects.filter(faculty_id=unit.ancestor_ids[0], deadline__gte=timezone.localdate())
                .order_by("deadline", "id"))


@require_http_methods(["GET", "POST"])
def start_view(request: HttpRequest, route: str) -> HttpResponse:
    """Apply: the HoD for a member of their department, or the staff member directly to the Dean."""
    me = person_of(request.user)
    if me is None or route not in Route.values:
        raise Http404("No such page.")
    hod = route == Route.HOD
    people = _people_for_hod(request.user, me) if hod else None
    appointment = services._current_appointment(me) if not hod else None
    unit = appointment.post.org_unit if appointment is not None else None
    if hod:
        units = _head_units(me)
        unit = OrgUnit.objects.filter(pk__in=units).first() if units else None
    form = StartForm(request.POST or None, people=people, rounds=_open_rounds(unit),
                     search_url=reverse("progression:subject-search"))
    if request.method == "POST" and form.is_valid():
        subject = form.cleaned_data["subject"] if hod else me
        try:
            created = services.start_request(actor=request.user, route=route, subject=subject,
                                             data=form.service_data())
        except (ServiceError, PermissionDenied) as exc:
            form.add_error(None, user_message(exc))
        else:
            messages.success(request, f"Applied: {created.reference}. {services.what_next(created)}")
            return redirect("progression:request-detail", created.pk)
    pay = services.current_pay(me) if not hod else None
    return render(request, "progression/start.html", {
        "form": form, "route": route, "hod": hod, "me": me, "pay": pay, "appointment": appointment,
        "can_apply": (not hod) or bool(_head_units(me)), "review": services.latest_review(me) if not hod else None,
    }, status=400 if request.method == "POST" else 200)


@require_GET
def subject_search_view(request: HttpRequest) -> HttpResponse:
    """The HoD's picker (JSON): members of staff of the departments they head, by name or staff number."""
    me = person_of(request.user)
    if me is None:
        raise Http404("No such page.")
    return search_response(picker_rows(_people_for_hod(request.user, me), search_words(request)))


# --- The request page ---------------------------------------------------------------------------------------

LATER = ("withdraw",)


def _render(request: HttpRequest, obj: ProgressionRequest, *, bound: RequestMoveForm | None = None, alert: str = "",
            status: int = 200) -> HttpResponse:
    events = list(ProgressionEvent.objects.filter(request=obj).select_related("actor").order_by("step"))
    acts = Acts.of(workflow.PROGRESSION, obj, events)
    actions, later, not_yet = [], [], []
    for available in services.available_actions(obj, request.user, with_unmet=True, acts=acts):
        move = available.move
        if (why := services.engine.unmet_condition(workflow.PROGRESSION, obj, move)) is not None:
            not_yet.append({"label": move.label, "why": why})
            continue
        form = bound if bound is not None and bound.move.action == move.action else RequestMoveForm(obj=obj, move=move)
        (later if move.action in LATER else actions).append({"available": available, "move": move, "form": form})
    closed = obj.state in workflow.CLOSED_STATES
    return render(request, "progression/request_detail.html", {
        "obj": obj, "state_label": workflow.STATES.get(obj.state, obj.state), "closed": closed,
        "award_words": effects.award_words(obj), "pay_year_end": effects.pay_year_end(
            obj.effective_date or spine.first_of_next_month(timezone.localdate(obj.created_at))),
        "tasks": engine.open_tasks(obj),
        "today": timezone.localdate(),
        "process_map": selectors.process_map(workflow.PROGRESSION, obj, events),
        "agreements": selectors.agreements_so_far(workflow.PROGRESSION, obj, events),
        "actions": actions, "later_actions": later, "not_yet": not_yet,
        "timeline": selectors.timeline(workflow.PROGRESSION, obj, events),
        "decider_label": obj.get_decider_role_display(),
        "alert": alert, "alert_level": "warning" if status == 409 else "danger",
    }, status=status)


def request_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, services.get_request_for_user(request.user, pk))


@require_POST
def request_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Take one move (the form names the step it was drawn at: stale → 409; a repeat of the same key → one
    effect)."""
    obj = services.get_request_for_user(request.user, pk)
    move = workflow.MOVES_BY_ACTION.get(action)
    if move is None:
        raise Http404("No such action.")
    key = request.POST.get(f"{action}-idempotency_key", "")
    if key and ProgressionEvent.objects.filter(request=obj, idempotency_key=key).exists():
        messages.info(request, "That was already recorded.")
        return redirect("progression:request-detail", obj.pk)
    if request.POST.get(f"{action}-step", "") != str(obj.step):
        return _stale(request, obj)
    form = RequestMoveForm(request.POST, obj=obj, move=move)
    if not form.is_valid():
        return _render(request, obj, bound=form, status=400, alert="Nothing was recorded: " + _form_errors(form))
    try:
        obj = services.perform_action(actor=request.user, request=obj, action=action,
                                      step=form.cleaned_data["step"], data=form.service_data(),
                                      idempotency_key=str(form.cleaned_data["idempotency_key"]))
    except StaleStateError:
        return _stale(request, services.get_request_for_user(request.user, pk))
    except PermissionDenied as exc:
        return _render(request, obj, alert=user_message(exc), status=403)
    except ServiceError as exc:
        return _render(request, obj, bound=form, alert="Nothing was recorded: " + user_message(exc), status=400)
    messages.success(request, f"{workflow.SENTENCES[action][0]} {services.what_next(obj)}".rstrip())
    return redirect("progression:request-detail", obj.pk)


def _stale(request: HttpRequest, obj: ProgressionRequest) -> HttpResponse:
    return _render(request, obj, status=409, alert=(
        f"This request has moved on since you opened it: it is now at the step "
        f"“{workflow.STATES.get(obj.state, obj.state)}”. Nothing was changed. Check what happened below."))


# --- Local rounds ------------------------------------------------------------------------------------------


def _round_faculties(user):
    """The faculties whose rounds this user may open (None: not one)."""
    faculties = OrgUnit.objects.filter(parent__isnull=True, kind=OrgUnit.Kind.FACULTY, is_active=True)
    if not roles.in_group(user, roles.HR_SERVICES, roles.ADMINISTRATOR):
        # Only a faculty the user holds a role over (or a live delegation of one) can be theirs to open: the
        # gate is asked for those alone, so the page's queries do not grow with the number of faculties.
        me = person_of(user)
        faculties = faculties.filter(pk__in=scope_unit_ids(me) if me is not None else [])
    allowed = [f.pk for f in faculties if services.can_open_round(user, f)]
    return faculties.filter(pk__in=allowed) if allowed else None


@require_http_methods(["GET", "POST"])
def round_list_view(request: HttpRequest) -> HttpResponse:
    """The local rounds I may see, and opening one (the faculty's Dean or FM/HPS, or HR Services)."""
    if person_of(request.user) is None:
        raise Http404("No such page.")
    faculties = _round_faculties(request.user)
    form = RoundForm(request.POST or None, faculties=faculties) if faculties is not None else None
    if request.method == "POST":
        if form is None:
            raise Http404("No such page.")
        if form.is_valid():
            try:
                found = services.open_round(actor=request.user, faculty=form.cleaned_data["faculty"],
                                            data=form.service_data())
            except (ServiceError, PermissionDenied) as exc:
                form.add_error(None, user_message(exc))
            else:
                messages.success(request, f"Opened the round “{found.name}”.")
                return redirect("progression:round-panel", found.pk)
    rounds = services.visible_rounds(request.user).select_related("faculty").order_by("-deadline", "-id")[:100]
    return render(request, "progression/round_list.html", {"rounds": rounds, "form": form},
                  status=400 if request.method == "POST" else 200)


def round_panel_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's panel: its requests ranked against what remains of the budget."""
    found = services.get_round_for_user(request.user, pk)
    return render(request, "progression/round_panel.html", {"panel": services.round_panel(found),
                                                           "states": workflow.STATES})
