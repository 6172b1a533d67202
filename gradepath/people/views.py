"""Web pages for people, org units and delegations: thin views over the access gates
(people.permissions), the selectors and the services."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gradepath.core.errors import PermissionDenied, ServiceError, user_message
from gradepath.core.widgets import search_response, search_words
from gradepath.people import selectors, services
from gradepath.people.equality import purpose_sentence
from gradepath.people.filters import PersonFilter
from gradepath.people.forms import (
    DelegationForm,
    EqualityReadForm,
    EqualitySearchForm,
    PersonEditForm,
)
from gradepath.people.lookup import find_people
from gradepath.people.permissions import (
    can_manage_structure,
    can_view_equality_data,
    editable_person_fields,
    get_delegation_for_user,
    get_equality_data_for_user,
    get_person_for_equality_viewer,
    get_person_for_user,
    get_unit_for_user,
    unit_subtree,
    visible_delegations,
    visible_people,
    visible_units,
)
from gradepath.people.relations import person_of
from gradepath.people.search import picker_rows

PAGE_SIZE = 50


def _querystring(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def home(request: HttpRequest) -> HttpResponse:
    """My home: my jobs, my manager and reports, what is waiting for me, and what other apps add
    (``home_main``, ``home``: grades shows my grade and pay)."""
    me = person_of(request.user)
    if me is None:
        return render(request, "people/home_no_person.html")
    today = timezone.localdate()
    reports = selectors.with_job_facts(me.reports.filter(is_active=True), today).order_by("last_name", "first_name")
    appointments = selectors.current_appointments(me, today)
    return render(request, "people/home.html", {
        "person": me,
        "appointments": appointments,  # also for the panels other apps add (grades: my grade and pay)
        "line_manager": me.line_manager,
        "line_manager_visible": bool(me.line_manager_id)
        and visible_people(request.user).filter(pk=me.line_manager_id).exists(),
        "reports": list(reports),
        "waiting": selectors.waiting_for(me, today),
        "today": today,
    })


def person_list(request: HttpRequest) -> HttpResponse:
    """The people directory: only people this user may see; search, filters, 50 a page."""
    people = selectors.directory(visible_people(request.user))
    person_filter = PersonFilter(request.GET or None, queryset=people, request=request)
    results = person_filter.qs if person_filter.is_bound else people
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filter": person_filter, "page_obj": page, "querystring": _querystring(request)}
    if request.htmx and request.htmx.target == "person-results":
        return render(request, "people/_person_results.html", context)
    return render(request, "people/person_list.html", context)


@require_GET
def person_search(request: HttpRequest) -> HttpResponse:
    """The people pickers' search (JSON): up to 20 current members of staff this user may see, by
    surname, first name or staff number (``?q=``); ``?not_me=1`` leaves the user out (a delegate)."""
    people = visible_people(request.user).filter(is_active=True)
    me = person_of(request.user)
    if request.GET.get("not_me") and me is not None:
        people = people.exclude(pk=me.pk)
    return search_response(picker_rows(people, search_words(request)))


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's record: jobs (with their grades over time), manager, reports, roles, timeline,
    and what other apps add (``person_summary``, ``person_page``, ``person_career``: grades shows
    the grade and spine point, what is coming and the pay history)."""
    person = get_person_for_user(request.user, pk)
    user = request.user
    today = timezone.localdate()
    visible_ids = set(visible_people(user).filter(
        pk__in=[p for p in [person.line_manager_id] if p] + list(person.reports.values_list("pk", flat=True))
    ).values_list("pk", flat=True))
    appointments = selectors.career_appointments(person, today)
    current = sorted((a for a in appointments if a.is_current(today)),
                     key=lambda a: (a.kind != "substantive", -a.start_date.toordinal()))
    unit_roles = selectors.person_unit_roles(person, today)
    return render(request, "people/person_detail.html", {
        "person": person,
        "today": today,
        "current": current,  # also for the panels other apps add (grades: pay, pay history, what is coming)
        "appointments": appointments,
        "line_manager": person.line_manager,
        "reports": list(selectors.with_job_facts(person.reports.filter(is_active=True)).order_by("last_name")),
        "visible_ids": visible_ids,
        "unit_roles": unit_roles,
        "units_linkable": set(visible_units(user).filter(pk__in={r.unit_id for r in unit_roles})
                              .values_list("pk", flat=True)) if unit_roles else set(),
        "timeline": selectors.person_timeline(person, include_equality_reads=can_view_equality_data(user)),
        "can_edit": bool(editable_person_fields(user, person)),
        "can_view_equality": can_view_equality_data(user),
        "is_me": person.user_id == user.pk,
    })


EQUALITY_PAGE_SIZE = 25


def equality_search(request: HttpRequest) -> HttpResponse:
    """The equality data viewer's way in (policy §2.8): find a member of staff by surname or staff
    number, then open their record (which asks for the purpose first). Equality data viewers only;
    404 for everyone else. Index lookups and 25 a page, whatever the number of staff."""
    if not can_view_equality_data(request.user):
        raise Http404("No such page.")
    form = EqualitySearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_bound and form.is_valid() else ""
    page = None
    if q:
        people = selectors.with_job_facts(find_people(q))
        page = Paginator(people, EQUALITY_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/equality_search.html", {
        "form": form, "q": q, "page_obj": page, "querystring": _querystring(request),
    })


@require_http_methods(["GET", "POST"])
def person_equality(request: HttpRequest, pk: int) -> HttpResponse:
    """Equality-monitoring data of one person: equality data viewers only (404 for anyone else).

    Every read states its purpose first (policy §6.2): GET shows the purpose form and nothing of
    the record; a POST with a purpose records the read with that purpose and shows the data. The
    viewer group's role is to read this data for any member of staff, so the person is looked up
    among everyone once the group check in the gate has passed.
    """
    person = get_person_for_equality_viewer(request.user, pk)
    form = EqualityReadForm(request.POST or None)
    context = {"person": person, "form": form, "shown": False}
    if request.method == "POST" and form.is_valid():
        try:
            data = get_equality_data_for_user(request.user, person, purpose=form.cleaned_data["purpose"],
                                              detail=form.cleaned_data["detail"])
        except ServiceError as error:
            form.add_error(None, user_message(error))
        else:
            context.update(shown=True, data=data,
                           purpose=purpose_sentence(form.cleaned_data["purpose"], form.cleaned_data["detail"]))
    response = render(request, "people/person_equality.html", context,
                      status=400 if request.method == "POST" and not context["shown"] else 200)
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a person record: only the fields this user may change (none: 403)."""
    person = get_person_for_user(request.user, pk)
    fields = editable_person_fields(request.user, person)
    if not fields:
        raise DjangoPermissionDenied("You can read this record but not change it.")
    form = PersonEditForm(request.POST or None, person=person, field_names=fields,
                          line_manager_choices=visible_people(request.user).filter(is_active=True))
    if request.method == "POST" and form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, "Nothing was changed.")
            return redirect("people:person-detail", pk=person.pk)
        try:
            services.update_person(actor=request.user, person=person, changes=changes)
        except (ServiceError, PermissionDenied) as error:
            form.add_error(None, user_message(error))
        else:
            messages.success(request, f"The record of {person.full_name} has been saved.")
            return redirect("people:person-detail", pk=person.pk)
    return render(request, "people/person_edit.html", {"person": person, "form": form})




def unit_list(request: HttpRequest) -> HttpResponse:
    """The org structure: the units this user may see, as a tree."""
    units = visible_units(request.user)
    return render(request, "people/unit_list.html", {"tree": selectors.unit_tree(units)})


def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One org unit: its place in the tree, role holders, delegations and people."""
    unit = get_unit_for_user(request.user, pk)
    units_seen = visible_units(request.user)
    people_seen = visible_people(request.user)
    parent_visible = unit.parent_id is not None and units_seen.filter(pk=unit.parent_id).exists()
    children = list(units_seen.filter(parent=unit).order_by("name"))
    holders = selectors.unit_role_holders(unit)
    role_history = selectors.unit_role_history(unit)
    delegations = list(selectors.delegations_covering(unit))
    linkable = set(people_seen.filter(
        pk__in={h.person.pk for h in holders if h.person} | {a.person_id for a in role_history}
        | {d.delegate_id for d in delegations} | {d.delegator_id for d in delegations}
    ).values_list("pk", flat=True))
    units_linkable = set(units_seen.filter(
        pk__in={h.from_unit.pk for h in holders if h.from_unit is not None}).values_list("pk", flat=True))
    people = selectors.directory(selectors.people_in_unit_tree(people_seen, unit_subtree(unit)))
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/unit_detail.html", {
        "unit": unit,
        "parent_visible": parent_visible,
        "children": children,
        "holders": holders,
        "role_history": role_history,
        "units_linkable": units_linkable,
        "delegations": delegations,
        "linkable": linkable,
        "page_obj": page,
        "querystring": _querystring(request),
    })


def delegation_list(request: HttpRequest) -> HttpResponse:
    """Delegations this user gave, holds, or (HR and administrators) may see."""
    me = person_of(request.user)
    delegations = visible_delegations(request.user).select_related("delegator", "delegate", "org_unit")
    page = Paginator(delegations.order_by("-start_date", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/delegation_list.html", {
        "page_obj": page,
        "today": timezone.localdate(),
        "can_delegate": bool(me and selectors.delegable_roles(me)),
        "me": me,
    })


@require_http_methods(["GET", "POST"])
def delegation_create(request: HttpRequest) -> HttpResponse:
    """Lend one of my unit roles to someone for a period."""
    me = person_of(request.user)
    roles = selectors.delegable_roles(me) if me else []
    if not roles:
        if request.method == "POST":
            messages.error(request, "You do not hold a role you can delegate.")
            return redirect("people:delegation-list")
        return render(request, "people/delegation_form.html", {"form": None})
    delegates = visible_people(request.user).filter(is_active=True).exclude(pk=me.pk)
    form = DelegationForm(request.POST or None, roles=roles, delegates=delegates)
    if request.method == "POST" and form.is_valid():
        role, unit = form.cleaned_data["role_unit"]
        try:
            delegation = services.grant_delegation(
                actor=request.user, delegator=me, delegate=form.cleaned_data["delegate"], role=role,
                org_unit=unit, start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data["end_date"], reason=form.cleaned_data["reason"],
            )
        except (ServiceError, PermissionDenied) as error:
            form.add_error(None, user_message(error))
        else:
            messages.success(request, f"{delegation.delegate.full_name} is now your delegate as "
                                      f"{delegation.get_role_display()} of {unit.name}. They have been told.")
            return redirect("people:delegation-detail", pk=delegation.pk)
    return render(request, "people/delegation_form.html", {"form": form})


def delegation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One delegation, with a button to revoke it for the delegator (or an administrator)."""
    delegation = get_delegation_for_user(request.user, pk)
    me = person_of(request.user)
    today = timezone.localdate()
    may_revoke = (
        delegation.revoked_at is None and delegation.end_date >= today
        and (can_manage_structure(request.user) or (me is not None and me.pk == delegation.delegator_id))
    )
    linkable = set(visible_people(request.user).filter(
        pk__in=[delegation.delegator_id, delegation.delegate_id]).values_list("pk", flat=True))
    return render(request, "people/delegation_detail.html", {
        "delegation": delegation,
        "may_revoke": may_revoke,
        "linkable": linkable,
        "unit_visible": visible_units(request.user).filter(pk=delegation.org_unit_id).exists(),
        "timeline": selectors.timeline_for_delegation(delegation),
        "today": today,
    })


@require_POST
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """End a delegation now (POST only)."""
    delegation = get_delegation_for_user(request.user, pk)
    try:
        services.revoke_delegation(actor=request.user, delegation=delegation)
    except (ServiceError, PermissionDenied) as error:
        messages.error(request, user_message(error))
    else:
        messages.success(request, f"The delegation to {delegation.delegate.full_name} has been revoked. "
                                  "They have been told.")
    return redirect(reverse("people:delegation-detail", kwargs={"pk": delegation.pk}))
