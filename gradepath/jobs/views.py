"""Job description pages: list, JD page, version page, the draft editor, the agreed JD library.

Every lookup goes through the access gates in jobs.permissions; every change through
jobs.services.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gradepath.core import registry
from gradepath.core.downloads import attachment
from gradepath.core.errors import PermissionDenied, ServiceError, StaleStateError, user_message
from gradepath.core.widgets import SEARCH_LIMIT, search_response, search_words
from gradepath.jobs import services
from gradepath.jobs.docx_import import import_jd_from_docx
from gradepath.jobs.fairness import PANEL_LIMIT, fairness_lookup
from gradepath.jobs.forms import (
    CopyJDForm,
    CriteriaFormSet,
    DutiesSectionForm,
    ImportDocxForm,
    LibraryFilterForm,
    LogAgreedForm,
    NewJDForm,
    TextSectionForm,
    TitleSectionForm,
)
from gradepath.jobs.matching import duty_alignment, grade_distribution, match_version, suggest_grade
from gradepath.jobs.models import SECTION_LABELS, JDVersion
from gradepath.jobs.pdf import PDF_CONTENT_TYPE, version_pdf, version_pdf_filename
from gradepath.jobs.permissions import (
    can_create_jd,
    can_edit_jd,
    can_log_agreed,
    can_read_jd_in_full,
    get_agreed_for_user,
    get_jd_for_user,
    get_version_for_user,
    jd_timeline_for_user,
    versions_for_user,
    visible_agreed,
    visible_jds,
    visible_versions,
)
from gradepath.jobs.redline import compare_versions, render_comparison_html
from gradepath.jobs.search import agreed_label, agreed_matching, search_library
from gradepath.jobs.selectors import (
    add_holder_counts,
    holders_by_version,
    jd_list,
    library_queryset,
)
from gradepath.jobs.word import (
    DOCX_CONTENT_TYPE,
    comparison_docx,
    comparison_filename,
    version_docx,
    version_filename,
)
from gradepath.people.permissions import visible_units

TEXT_SECTION_KEYS = ("purpose", "line_management", "working_relationships", "additional_information")
PAGE_SIZE = 50


def _units_for_new_jd(user):
    """Units where the user may start a JD: all for HR; otherwise the units they can see."""
    return visible_units(user).order_by("name")




# --- JD list, JD page, version page -------------------------------------------------------------


def jd_list_view(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:200]
    page = Paginator(jd_list(visible_jds(request.user), q, versions=visible_versions(request.user)),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "jobs/jd_list.html", {"page": page, "q": q, "querystring": urlencode({"q": q}) if q else "",
                                                 "can_create": can_create_jd(request.user)})


@require_http_methods(["GET", "POST"])
def jd_create_view(request: HttpRequest) -> HttpResponse:
    if not can_create_jd(request.user):
        raise Http404("No such page.")
    units = _units_for_new_jd(request.user)
    form = NewJDForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.create_job_description(actor=request.user, **form.cleaned_data)
        except (ServiceError, PermissionDenied) as error:
            form.add_error(None, user_message(error))
        else:
            messages.success(request, f"Started {version.jd.reference}. Fill in each section; drafts save as you type.")
            return redirect("jobs:version-edit", version.pk)
    return render(request, "jobs/jd_create.html", {"form": form})


def jd_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    jd = get_jd_for_user(request.user, pk)
    versions = list(versions_for_user(request.user, jd).select_related("grade", "created_by", "based_on__jd")
                    .order_by("-number"))
    holders = holders_by_version(request.user, versions)
    sources = {v.based_on_id for v in versions if v.based_on_id}
    readable_sources = set(visible_versions(request.user).filter(pk__in=sources).values_list("pk", flat=True)) \
        if sources else set()
    for version in versions:
        version.holder_rows = holders.get(version.pk, [])
        version.source = version.based_on if version.based_on_id in readable_sources else None
        version.library_entry = getattr(version, "agreed_entry", None) if version.status != "draft" else None
    draft = next((v for v in versions if v.status == JDVersion.Status.DRAFT), None)
    return render(request, "jobs/jd_detail.html", {
        "jd": jd,
        "versions": versions,
        "draft": draft,
        "can_edit": can_edit_jd(request.user, jd),
        "timeline": jd_timeline_for_user(request.user, jd)[:50],
        "read_in_full": can_read_jd_in_full(request.user, jd),
    })


def version_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(request.user, pk)
    holders = holders_by_version(request.user, [version]).get(version.pk, [])
    based_on = version.based_on_id and visible_versions(request.user).filter(pk=version.based_on_id).select_related(
        "jd").first()
    return render(request, "jobs/version_detail.html", {
        "version": version,
        "jd": version.jd,
        "based_on": based_on or None,
        "holder_rows": holders,
        "warnings": services.text_warnings(version),
        "match": version.match_decisions.select_related("agreed_jd__version", "agreed_jd__grade").first(),
        "library_entry": getattr(version, "agreed_entry", None) if version.status != "draft" else None,
        "can_edit": can_edit_jd(request.user, version.jd),
        "can_log": can_log_agreed(request.user) and version.status == JDVersion.Status.SUBMITTED,
        "log_form": LogAgreedForm(initial={"grade": version.grade, "area": version.jd.area}),
        "sections": SECTION_LABELS,
    })


@require_POST
def version_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(request.user, pk)
    try:
        services.submit_version(actor=request.user, version=version)
    except (ServiceError, PermissionDenied) as error:
        messages.error(request, user_message(error))
    else:
        messages.success(request, f"Version {version.number} is submitted. Its text can no longer change.")
    return redirect("jobs:version-detail", version.pk)


@require_POST
def version_new_draft_view(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(request.user, pk)
    try:
        draft = services.start_new_draft(actor=request.user, version=version)
    except (ServiceError, PermissionDenied) as error:
        messages.error(request, user_message(error))
        return redirect("jobs:version-detail", version.pk)
    return redirect("jobs:version-edit", draft.pk)


@require_http_methods(["GET", "POST"])
def version_copy_view(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(request.user, pk)
    form = CopyJDForm(request.POST or None, units=_units_for_new_jd(request.user),
                      initial={"org_unit": version.jd.org_unit_id})
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.copy_and_adapt(actor=request.user, version=version, org_unit=form.cleaned_data["org_unit"])
        except (ServiceError, PermissionDenied) as error:
            form.add_error(None, user_message(error))
        else:
            messages.success(request, f"Started {draft.jd.reference} from {version.jd.reference} v{version.number}. "
                                      "Adapt it to the new job.")
            return redirect("jobs:version-edit", draft.pk)
    return render(request, "jobs/version_copy.html", {"form": form, "version": version})


@require_POST
def version_log_agreed_view(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(request.user, pk)
    form = LogAgreedForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the agreed grade.")
        return redirect("jobs:version-detail", version.pk)
    try:
        entry = services.log_agreed_jd(actor=request.user, version=version, grade=form.cleaned_data["grade"],
                                       area=form.cleaned_data["area"] or None)
    except (ServiceError, PermissionDenied) as error:
        messages.error(request, user_message(error))
        return redirect("jobs:version-detail", version.pk)
    messages.success(request, f"Logged in the agreed JD library as {entry.reference}.")
    return redirect("jobs:library-detail", entry.pk)


# --- The draft editor ---------------------------------------------------------------------------


def _section_forms(version: JDVersion) -> dict:
    criteria = [{"text": c["text"], "kind": c["kind"], "assessed": c["assessed"]} for c in version.person_spec]
    return {
        "title": TitleSectionForm(initial={"revision": version.revision, "job_title": version.job_title,
                                           "job_family": version.job_family_id, "grade": version.grade_id},
                                  prefix="title"),
        "texts": [
            (key, SECTION_LABELS[key],
             TextSectionForm(initial={"revision": version.revision, "text": getattr(version, key)}, prefix=key),
             getattr(version, key))
            for key in TEXT_SECTION_KEYS
        ],
        "duties": DutiesSectionForm(initial={"revision": version.revision, "text": "\n".join(version.duties)},
                                    prefix="duties"),
        "criteria": CriteriaFormSet(initial=criteria, prefix="spec"),
    }


def version_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_version_for_user(request.user, pk)
    if not can_edit_jd(request.user, version.jd):
        raise Http404("No such page.")
    if version.status != JDVersion.Status.DRAFT:
        messages.info(request, f"Version {version.number} is {version.get_status_display().lower()} and cannot be "
                               "edited. Start a new draft from it to make changes.")
        return redirect("jobs:version-detail", version.pk)
    return render(request, "jobs/version_edit.html", {
        "version": version,
        "jd": version.jd,
        # A process may hold this draft (a grading case's proposal, contributed through the
        # registry): it is then submitted, with its grade, from that process's page.
        "held": any(context.get("holds_draft")
                    for _, context in registry.shown_panels("jd_version", request, version=version)),
        "forms": _section_forms(version),
        "warnings": services.text_warnings(version),
        "spec_base": json.dumps(version.person_spec),
    })


def _parse_section(request: HttpRequest, section: str, version: JDVersion):
    """(changes, base_values) from the posted section form, or raise ServiceError."""
    if section == "title":
        form = TitleSectionForm(request.POST, prefix="title")
        if not form.is_valid():
            raise ServiceError(" ".join(e for errors in form.errors.values() for e in errors))
        changes = {"job_title": form.cleaned_data["job_title"], "job_family": form.cleaned_data["job_family"]}
        if "title-grade" in request.POST:  # not offered for a grading case's proposal: the case page gives it
            changes["grade"] = form.cleaned_data["grade"]
        return changes, {"job_title": request.POST.get("base", "")}
    if section in TEXT_SECTION_KEYS:
        return ({section: request.POST.get(f"{section}-text", "")}, {section: request.POST.get("base", "")})
    if section == "duties":
        return ({"duties": request.POST.get("duties-text", "")}, {"duties": request.POST.get("base", "")})
    if section == "person_spec":
        formset = CriteriaFormSet(request.POST, prefix="spec")
        if not formset.is_valid():
            raise ServiceError("Check the person specification: each criterion needs text, a kind and when it is "
                               "assessed.")
        criteria = [f.cleaned_data for f in formset.forms if f.cleaned_data.get("text", "").strip()]
        try:
            base = json.loads(request.POST.get("base", "[]"))
        except ValueError:
            base = None
        return ({"person_spec": criteria}, {"person_spec": base} if isinstance(base, list) else {})
    raise Http404("No such section.")


@require_POST
def section_save_view(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    """Save one section of a draft (autosave through htmx, or a plain form post).

    htmx gets a fragment: "Saved at …" with the new base text, or the conflict panel (409)
    with the other writer's text; the user's own text stays in the box either way.
    """
    version = get_version_for_user(request.user, pk)
    if section not in ("title", "duties", "person_spec", *TEXT_SECTION_KEYS):
        raise Http404("No such section.")
    context = {"version": version, "section": section, "label": SECTION_LABELS.get(section, "Job title")}
    status = 200
    try:
        changes, base = _parse_section(request, section, version)
        version = services.save_draft(actor=request.user, version=version, changes=changes, base_values=base)
        context.update(saved_at=timezone.localtime(), version=version)
    except StaleStateError as error:
        status = 409
        current = error.current  # type: ignore[attr-defined]
        context.update(conflict=True, message=user_message(error), current=current,
                       theirs=_readable_text(current, section), mine=_posted_text(request, section))
    except (ServiceError, PermissionDenied) as error:
        status = 400
        context.update(error=user_message(error))
    context["base_text"] = _section_text(context.get("current") or version, section)
    if request.htmx:
        return render(request, "jobs/_section_status.html", context, status=status)
    if status == 200:
        messages.success(request, f"Saved {context['label'].lower()}.")
    else:
        messages.error(request, context.get("message") or context.get("error"))
    return redirect(reverse("jobs:version-edit", args=[version.pk]) + f"#section-{section}")


def _section_text(version: JDVersion, section: str) -> str:
    if section == "duties":
        return "\n".join(version.duties)
    if section == "person_spec":
        return json.dumps(version.person_spec)
    if section == "title":
        return version.job_title
    return getattr(version, section, "")


ASSESSED_WORDS = {"application": "from the application", "interview": "at interview",
                  "both": "from the application and at interview"}


def _readable_text(version: JDVersion, section: str) -> str:
    """A section as a person reads it (the person specification one criterion a line, not its data)."""
    if section != "person_spec":
        return _section_text(version, section)
    return "\n".join(f"{c.get('text', '')} ({str(c.get('kind', '')).capitalize()}, assessed "
                     f"{ASSESSED_WORDS.get(c.get('assessed'), c.get('assessed', ''))})" for c in version.person_spec)


def _posted_text(request: HttpRequest, section: str) -> str:
    if section == "title":
        return request.POST.get("title-job_title", "")
    if section == "person_spec":
        return ""
    return request.POST.get(f"{section}-text", "")


# --- Agreed JD library ----------------------------------------------------------------------------


def library_view(request: HttpRequest) -> HttpResponse:
    form = LibraryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = library_queryset(job_family=filters.get("job_family"), grade=filters.get("grade"),
                          area=filters.get("area", ""), staff_category=filters.get("staff_category", ""))
    q = (filters.get("q") or "").strip()
    entries = search_library(q, qs) if q else qs.order_by("grade__number", "version__job_title", "pk")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    add_holder_counts(page.object_list)
    params = request.GET.copy()
    params.pop("page", None)
    template = "jobs/_library_results.html" if request.htmx else "jobs/library.html"
    return render(request, template, {"form": form, "page": page, "q": q, "querystring": params.urlencode()})


@require_GET
def agreed_search_view(request: HttpRequest) -> HttpResponse:
    """The agreed JD pickers' search (JSON): up to 20 current agreed JDs this user may see whose
    job title holds every word typed, or whose reference starts with it (``?q=``)."""
    found = agreed_matching(visible_agreed(request.user), search_words(request))[:SEARCH_LIMIT + 1]
    return search_response({"value": entry.pk, "text": agreed_label(entry),
                            "detail": ", ".join(filter(None, [entry.area, str(entry.job_family)]))}
                           for entry in found)


def library_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_agreed_for_user(request.user, pk)
    version = entry.version
    holders = holders_by_version(request.user, [version]).get(version.pk, [])
    return render(request, "jobs/library_detail.html", {
        "entry": entry,
        "version": version,
        "holder_rows": holders,
        "can_see_jd": can_read_jd_in_full(request.user, version.jd),
        "can_copy": can_create_jd(request.user),
    })


# --- Tracked changes, Word and PDF ----------------------------------------------------------------


def compare_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Any two versions of a JD side by side as tracked changes (default: the latest two), among
    the versions this user may read."""

    jd = get_jd_for_user(request.user, pk)
    versions = list(versions_for_user(request.user, jd).select_related("grade", "job_family", "created_by")
                    .order_by("number"))
    by_number = {v.number: v for v in versions}
    error = ""
    try:
        old_n = int(request.GET.get("old") or (versions[-2].number if len(versions) > 1 else versions[0].number))
        new_n = int(request.GET.get("new") or versions[-1].number)
    except ValueError:
        old_n, new_n = versions[0].number, versions[-1].number
        error = "Choose two versions from the lists."
    old, new = by_number.get(old_n), by_number.get(new_n)
    if old is None or new is None:
        old, new = versions[0], versions[-1]
        error = "That version does not exist; showing the first and latest versions instead."
    comparison = compare_versions(old, new)
    return render(request, "jobs/compare.html", {
        "jd": jd, "versions": versions, "old": old, "new": new, "error": error,
        "comparison": comparison,
        "redline": render_comparison_html(comparison, only_changed=request.GET.get("changed") == "1",
                                          heading_level=2),
        "only_changed": request.GET.get("changed") == "1",
    })


def version_docx_view(request: HttpRequest, pk: int) -> HttpResponse:

    version = get_version_for_user(request.user, pk)
    return attachment(version_docx(version), DOCX_CONTENT_TYPE, version_filename(version))


def version_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:

    version = get_version_for_user(request.user, pk)
    return attachment(version_pdf(version), PDF_CONTENT_TYPE, version_pdf_filename(version))


def compare_docx_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The comparison as a Word document with real tracked changes (author = who made the later version)."""

    jd = get_jd_for_user(request.user, pk)
    readable = versions_for_user(request.user, jd)
    try:
        old = readable.get(number=int(request.GET.get("old", "")))
        new = readable.get(number=int(request.GET.get("new", "")))
    except (ValueError, OverflowError, JDVersion.DoesNotExist):
        raise Http404("Choose two versions of this job description.") from None
    return attachment(comparison_docx(old, new), DOCX_CONTENT_TYPE, comparison_filename(old, new))


@require_http_methods(["GET", "POST"])
def import_docx_view(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Upload a Word JD: a new JD, or (with ``pk``) new versions of an existing one. Tracked changes
    in the document become two versions: the original and the proposed text."""
    jd = get_jd_for_user(request.user, pk) if pk is not None else None
    if jd is not None and not can_edit_jd(request.user, jd):
        raise Http404("No such page.")
    if jd is None and not can_create_jd(request.user):
        raise Http404("No such page.")
    form = ImportDocxForm(request.POST or None, request.FILES or None, units=_units_for_new_jd(request.user),
                          for_existing=jd is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = import_jd_from_docx(
                actor=request.user, uploaded_file=data["document"], jd=jd,
                org_unit=data.get("org_unit"), job_family=data.get("job_family"),
                staff_category=data.get("staff_category") or "", area=data.get("area") or "",
            )
        except (ServiceError, PermissionDenied) as error:
            form.add_error("document", user_message(error))
        else:
            messages.success(request, result.message)
            return redirect("jobs:version-edit", result.draft.pk)
    return render(request, "jobs/import_docx.html", {"form": form, "jd": jd})


# --- Matching against the agreed JD library ---------------------------------------------------------


@require_http_methods(["GET", "POST"])
def version_match_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The agreed JDs most like this version, the grades near it, a suggested grade with its
    confidence, duties side by side with a chosen match, and recording "matched to" with a reason."""

    version = get_version_for_user(request.user, pk)
    result = match_version(version, k=10)
    matches = result.matches
    by_pk = {m.agreed.pk: m for m in matches}
    form_error = ""
    if request.method == "POST":
        if not can_edit_jd(request.user, version.jd):
            raise Http404("No such page.")
        chosen = by_pk.get(_int(request.POST.get("agreed_jd")))
        reason = request.POST.get("reason", "")
        if chosen is None:
            form_error = "Choose one of the agreed job descriptions listed."
        else:
            try:
                services.record_match(actor=request.user, version=version, agreed_jd=chosen.agreed,
                                      reason=reason, score=chosen.score)
            except (ServiceError, PermissionDenied) as error:
                form_error = user_message(error)
            else:
                messages.success(request, f"Recorded: matched to {chosen.agreed.reference} "
                                          f"“{chosen.agreed.version.job_title}” ({chosen.agreed.grade}).")
                return redirect("jobs:version-detail", version.pk)
    selected = by_pk.get(_int(request.GET.get("with"))) or (matches[0] if matches else None)
    return render(request, "jobs/version_match.html", {
        "version": version,
        "jd": version.jd,
        "result": result,
        "distribution": grade_distribution(matches),
        "suggestion": suggest_grade(matches),
        "selected": selected,
        "alignment": duty_alignment(version, selected.agreed) if selected else None,
        "current_match": version.match_decisions.select_related("agreed_jd__version", "agreed_jd__grade").first(),
        "can_record": can_edit_jd(request.user, version.jd),
        "form_error": form_error,
        "posted_reason": request.POST.get("reason", ""),
    }, status=400 if form_error else 200)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def version_fairness_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Fairness check: other current holders of this version and of closely similar agreed JDs,
    with their grades and units (only the holders this user may see)."""
    version = get_version_for_user(request.user, pk)
    return render(request, "jobs/version_fairness.html", {
        "version": version, "jd": version.jd,
        "lookup": fairness_lookup(version, for_user=request.user,
                                  limit=None if request.GET.get("holders") == "all" else PANEL_LIMIT),
    })
