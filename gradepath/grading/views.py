"""Grading pages: the case list, starting a request, and the case page with its actions.

Every lookup goes through ``services.get_case_for_user`` (strangers get 404); every change
through ``services.perform_action`` and the start services; the buttons come from
``services.available_actions`` and nowhere else.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Q, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gradepath.core.downloads import attachment
from gradepath.core.errors import PermissionDenied, ServiceError, StaleStateError, user_message
from gradepath.core.widgets import search_response, search_words
from gradepath.grading import selectors, services, workflow
from gradepath.grading.comments import add_comment
from gradepath.grading.forms import (
    ActionForm,
    CaseFilterForm,
    CommentForm,
    StartAgreedForm,
    StartNewJobForm,
)
from gradepath.grading.models import CaseEvent, GradingCase
from gradepath.grading.payroll import parse_period
from gradepath.jobs.fairness import PANEL_LIMIT, fairness_lookup
from gradepath.jobs.models import JDVersion
from gradepath.jobs.permissions import can_edit_jd, can_read_version
from gradepath.jobs.redline import compare_versions, render_comparison_html
from gradepath.jobs.word import DOCX_CONTENT_TYPE, comparison_docx, comparison_filename
from gradepath.people import roles
from gradepath.people.models import Appointment, Person
from gradepath.people.permissions import visible_people
from gradepath.people.relations import person_of
from gradepath.people.search import picker_rows

PAGE_SIZE = 25


# --- The case list ------------------------------------------------------------------------------


def case_list_view(request: HttpRequest) -> HttpResponse:
    """Waiting for me (my open tasks, and the HR Services queue) and the cases I can see."""
    me = person_of(request.user)
    form = CaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    cases = selectors.case_list(services.visible_cases(request.user), route=filters.get("route", ""),
                                state=filters.get("state", ""), status=filters.get("status", ""),
                                q=(filters.get("q") or "").strip())
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "grading/case_list.html", {
        "form": form,
        "page": page,
        "querystring": params.urlencode(),
        "tasks": list(selectors.my_open_tasks(request.user, me)[:50]),
        "today": timezone.localdate(),
        "states": workflow.STATES,
        "has_person": me is not None,
        "payroll": _payroll_period(request.user),
    })


def _payroll_period(user) -> dict | None:
    """For HR Services: the payroll change export's default period (this month), for the form that
    downloads it from the case list. None for everyone else (the export is theirs only)."""
    if not roles.in_group(user, roles.HR_SERVICES):
        return None
    start, end = parse_period(None, None, today=timezone.localdate())
    return {"start": start, "end": end}


# --- Starting a request ---------------------------------------------------------------------------


def _current_job(person: Person) -> Appointment | None:
    return (Appointment.objects.current().filter(person=person, kind=Appointment.Kind.SUBSTANTIVE)
            .select_related("post__org_unit", "post__grade", "post__jd_version").first())


@require_http_methods(["GET", "POST"])
def start_direct_view(request: HttpRequest) -> HttpResponse:
    """The staff member starts a Direct Route request about their own job."""
    me = person_of(request.user)
    if me is None:
        raise Http404("No such page.")
    error = ""
    if request.method == "POST":
        try:
            case = services.start_direct_route_case(actor=request.user, subject=me)
        except (ServiceError, PermissionDenied) as exc:
            error = user_message(exc)
        else:
            messages.success(request, f"Started {case.reference}. Your line manager or FM/HPS records the "
                                      "discussion with you first; then you propose the changes to your job description.")
            return redirect("grading:case-detail", case.pk)
    return render(request, "grading/start_direct.html", {"me": me, "appointment": _current_job(me), "error": error},
                  status=400 if error else 200)


@require_http_methods(["GET", "POST"])
def start_agreed_view(request: HttpRequest) -> HttpResponse:
    """The staff member, or their line manager, starts an Agreed Route request."""
    me = person_of(request.user)
    if me is None:
        raise Http404("No such page.")
    form = StartAgreedForm(request.POST or None, people=_agreed_route_subjects(request.user, me), me=me,
                           search_url=reverse("grading:start-agreed-people"), initial={"subject": me.pk})
    if request.method == "POST" and form.is_valid():
        try:
            case = services.start_agreed_route_case(actor=request.user, subject=form.cleaned_data["subject"])
        except (ServiceError, PermissionDenied) as exc:
            form.add_error(None, user_message(exc))
        else:
            messages.success(request, f"Started {case.reference}. The staff member, the line manager and the FM/HPS "
                                      "now each record whether they agree that the duties have changed significantly.")
            return redirect("grading:case-detail", case.pk)
    return render(request, "grading/start_agreed.html", {"form": form, "me": me},
                  status=400 if request.method == "POST" else 200)


def _agreed_route_subjects(user, me: Person):
    """Whom an Agreed Route request of this user can be about: themselves and their current reports
    (through the people gate)."""
    return (visible_people(user).filter(Q(pk=me.pk) | Q(line_manager=me, is_active=True))
            .order_by(Case(When(pk=me.pk, then=0), default=1), "last_name", "first_name"))


@require_GET
def start_agreed_people_view(request: HttpRequest) -> HttpResponse:
    """The Agreed Route start page's search (JSON): you and your reports, by name or staff number."""
    me = person_of(request.user)
    if me is None:
        raise Http404("No such page.")
    return search_response(picker_rows(_agreed_route_subjects(request.user, me), search_words(request)))


def _my_drafts(user):
    """JD drafts this user started (or whose JD they started), not already under an open case."""
    on_open_cases = GradingCase.objects.exclude(state__in=workflow.CLOSED_STATES).values("proposed_version")
    return (JDVersion.objects.filter(status=JDVersion.Status.DRAFT)
            .filter(Q(created_by=user) | Q(jd__created_by=user))
            .exclude(pk__in=on_open_cases)
            .select_related("jd__org_unit").order_by("jd__reference"))


@require_http_methods(["GET", "POST"])
def start_new_job_view(request: HttpRequest) -> HttpResponse:
    """A manager grades a new job from a JD draft they can edit."""
    me = person_of(request.user)
    if me is None:
        raise Http404("No such page.")
    form = StartNewJobForm(request.POST or None, drafts=_my_drafts(request.user))
    if request.method == "POST" and form.is_valid():
        version = form.cleaned_data["version"]
        try:
            if not can_edit_jd(request.user, version.jd):
                raise PermissionDenied("You cannot use this job description.")
            case = services.start_new_job_case(actor=request.user, jd_version=version,
                                               grant_funded=form.cleaned_data["grant_funded"],
                                               funding_source=form.cleaned_data["funding_source"])
        except (ServiceError, PermissionDenied) as exc:
            form.add_error(None, user_message(exc))
        else:
            messages.success(request, f"Started {case.reference}. Choose the recommended grade and submit it to the "
                                      "FM/HPS for approval.")
            return redirect("grading:case-detail", case.pk)
    return render(request, "grading/start_new_job.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


# --- The case page ------------------------------------------------------------------------------


NOT_YET_SILENT = ("lodge_appeal", "record_finance_approval")
# Moves that are always there but rarely the thing to do: offered collapsed, below what happens next.
LATER = ("withdraw",)
# At these steps the HRBP assesses the other holders: the fairness panel comes before the JD, open.
FAIRNESS_STATES = ("fairness", "fairness_issue_open")


def _render_case(request: HttpRequest, case: GradingCase, *, bound: ActionForm | None = None,
                 comment_form: CommentForm | None = None, alert: str = "", status: int = 200) -> HttpResponse:
    user = request.user
    confidential = services.can_see_confidential(user, case)
    events = selectors.case_events(case)
    actions, later_actions, not_yet = [], [], []
    for available in services.available_actions(case, user, with_unmet=True,
                                                acts=services.CaseActs.of(case, events)):
        move = available.move
        if (why := services.unmet_condition(case, move)) is not None:
            # A move the user's role allows that must wait for something; the appeal has its own line,
            # and a finance approval a post does not need is not worth a line.
            if move.action not in NOT_YET_SILENT:
                not_yet.append({"label": move.label, "why": why})
            continue
        form = bound if bound is not None and bound.move.action == move.action else ActionForm(case=case, move=move)
        (later_actions if move.action in LATER else actions).append({"available": available, "move": move,
                                                                      "form": form})
    comparison = redline = None
    if case.baseline_version_id:
        comparison = compare_versions(case.baseline_version, case.proposed_version)
        redline = render_comparison_html(comparison, only_changed=False, heading_level=3)
    version = case.proposed_version
    return render(request, "grading/case_detail.html", {
        "case": case,
        "state_label": workflow.STATES.get(case.state, case.state),
        "closed": case.state in workflow.CLOSED_STATES,
        "appeal_status": _appeal_status(case),
        "also_regraded": list(case.also_regraded.order_by("post_number")) if case.fairness_issue is not None else [],
        "tasks": selectors.open_tasks(case),
        "today": timezone.localdate(),
        "process_map": selectors.process_map(case, events),
        "agreements": selectors.agreements_so_far(case, events),
        "actions": actions,
        "later_actions": later_actions,
        "not_yet": not_yet,
        "comparison": comparison,
        "redline": redline,
        "can_edit_draft": version.status == JDVersion.Status.DRAFT and can_edit_jd(user, case.jd),
        # JD pages gate each version: an appeal panel member or a manager two levels up sees the case (and
        # its redline here) without being able to open the version's own pages.
        "can_open_version": can_read_version(user, version),
        "fairness_step": case.state in FAIRNESS_STATES,
        # The first holders of each group; every holder with ?holders=all (the panel's "show all" link).
        "fairness": fairness_lookup(version, exclude_person=case.subject, for_user=user,
                                    holders_of=case.baseline_version,
                                    limit=None if request.GET.get("holders") == "all" else PANEL_LIMIT),
        "comments": selectors.case_comments(case, confidential=confidential),
        "comment_form": comment_form or CommentForm(allow_confidential=confidential),
        "confidential": confidential,
        "timeline": selectors.case_timeline(case, events, confidential=confidential),
        "hera": _hera_rows(case),
        "alert": alert,
        "alert_level": "warning" if status == 409 else "danger",
    }, status=status)


def _appeal_status(case: GradingCase) -> str:
    """What a closed case says about appealing: open until a date, closed, or already heard."""
    if case.state != "closed" or case.decided_at is None or case.appeal_deadline is None:
        return ""
    why_not = services.unmet_condition(case, workflow.MOVES_BY_ACTION["lodge_appeal"])
    if why_not is None:
        return f"An appeal can be lodged until {case.appeal_deadline.day} {case.appeal_deadline:%b %Y}."
    return why_not


def _hera_rows(case: GradingCase) -> list[tuple[str, int]]:
    scores = (case.evaluation or {}).get("scores") or {}
    return [(element, scores[element]) for element in services.HERA_ELEMENTS if element in scores]


def case_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_case(request, services.get_case_for_user(request.user, pk))


@require_GET
def panel_candidates_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The appeal panel picker's search (JSON): up to 20 current members of staff not involved in the
    case (nor the person convening it), by name or staff number. Only for whoever may convene the panel
    now; 404 for anyone else."""
    case = services.get_case_for_user(request.user, pk)
    move = workflow.MOVES_BY_ACTION["convene_panel"]
    if not any(a.move is move for a in services.available_actions(case, request.user)):
        raise Http404("No such page.")
    me = person_of(request.user)
    excluded = services.involved_people(case) | {me.pk}
    people = visible_people(request.user).filter(is_active=True).exclude(pk__in=excluded)
    return search_response(picker_rows(people, search_words(request)))


def case_changes_docx_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The case's proposed JD against the version the post held before, as a Word document with
    real tracked changes (the two may be versions of different JDs: a post's own copy of a shared JD)."""
    case = services.get_case_for_user(request.user, pk)
    if case.baseline_version_id is None:
        raise Http404("A new job has no earlier version to compare with.")
    return attachment(comparison_docx(case.baseline_version, case.proposed_version), DOCX_CONTENT_TYPE,
                      comparison_filename(case.baseline_version, case.proposed_version))


@require_POST
def case_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Take one action. The form names the step it was rendered at (stale: 409, nothing changes)
    and carries an idempotency key (the same request twice: one effect)."""
    case = services.get_case_for_user(request.user, pk)
    move = workflow.MOVES_BY_ACTION.get(action)
    if move is None:
        raise Http404("No such action.")
    key = request.POST.get(f"{action}-idempotency_key", "")
    if key and CaseEvent.objects.filter(case=case, idempotency_key=key).exists():
        messages.info(request, "That was already recorded.")
        return redirect("grading:case-detail", case.pk)
    posted_step = request.POST.get(f"{action}-step", "")
    if posted_step != str(case.step):
        return _stale(request, case)
    form = ActionForm(request.POST, case=case, move=move)
    if not form.is_valid():
        return _render_case(request, case, bound=form, status=400,
                            alert="Nothing was recorded: " + _form_errors(form))
    try:
        case = services.perform_action(actor=request.user, case=case, action=action, step=form.cleaned_data["step"],
                                       data=form.service_data(),
                                       idempotency_key=str(form.cleaned_data["idempotency_key"]))
    except StaleStateError:
        return _stale(request, services.get_case_for_user(request.user, pk))
    except PermissionDenied as exc:
        return _render_case(request, case, alert=user_message(exc), status=403)
    except ServiceError as exc:
        return _render_case(request, case, bound=form, alert="Nothing was recorded: " + user_message(exc), status=400)
    messages.success(request, f"{workflow.SENTENCES[action][0]} {services.what_next(case)}".rstrip())
    return redirect("grading:case-detail", case.pk)


def _stale(request: HttpRequest, case: GradingCase) -> HttpResponse:
    return _render_case(request, case, status=409, alert=(
        f"This case has moved on since you opened it: it is now at the step “{workflow.STATES.get(case.state, case.state)}”. "
        "Nothing was changed. Check what happened below before you act."))


def lower_first(text: str) -> str:
    """“Submit the JD to the FM/HPS” → “submit the JD to the FM/HPS” (keeps JD, FM/HPS, HRBP)."""
    return text[:1].lower() + text[1:]


def _form_errors(form) -> str:
    seen: list[str] = []
    for errors in form.errors.values():
        for error in errors:
            if error not in seen:
                seen.append(error)
    return lower_first(" ".join(e if e.endswith(".") else f"{e}." for e in seen))


@require_POST
def case_comment_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = services.get_case_for_user(request.user, pk)
    confidential = services.can_see_confidential(request.user, case)
    form = CommentForm(request.POST, allow_confidential=confidential)
    if not form.is_valid():
        return _render_case(request, case, comment_form=form, status=400, alert="Nothing was added: "
                            + _form_errors(form))
    try:
        add_comment(actor=request.user, case=case, text=form.cleaned_data["text"],
                    confidential=form.cleaned_data.get("confidential", False))
    except (ServiceError, PermissionDenied) as exc:
        return _render_case(request, case, comment_form=form, status=400, alert=user_message(exc))
    messages.success(request, "Your comment was added.")
    return redirect("grading:case-detail", case.pk)
