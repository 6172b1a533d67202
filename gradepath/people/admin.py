"""Admin pages for org units, people, posts, appointments, delegations, logins and equality data,
and the "Import from the HR system" page.

Edits go through :mod:`gradepath.people.services` (via :class:`gradepath.core.admin.ServiceForm`),
so every change is checked and written to the history. Nothing here deletes: no service does.
Equality-monitoring data is shown only to equality data viewers, and opening a record is audited.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import transaction
from django.db.models import Q
from django.forms.formsets import INITIAL_FORM_COUNT, TOTAL_FORM_COUNT, ManagementForm
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from gradepath.core.admin import ServiceAdmin, ServiceForm, is_admin_user
from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.people import services
from gradepath.people.importer import FileError, check_size, max_upload_bytes
from gradepath.people.importer.runs import STALLED_AFTER, progress_of, run_import
from gradepath.people.models import (
    DELEGABLE_ROLES,
    Appointment,
    Delegation,
    EqualityData,
    ImportRun,
    OrgUnit,
    Person,
    Post,
    PostGrade,
    UnitRole,
    UnitRoleAssignment,
    User,
)
from gradepath.people.permissions import (
    PERSON_FIELDS_ADMIN,
    can_view_equality_data,
)

# --- Org units ------------------------------------------------------------------------------------


class RoleFilter(admin.SimpleListFilter):
    """Rows by unit role, in the role's words."""

    title = "role"
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return UnitRole.choices

    def queryset(self, request, queryset):
        return queryset.filter(role=self.value()) if self.value() else queryset


class OrgUnitForm(ServiceForm):
    class Meta:
        model = OrgUnit
        fields = ("code", "name", "kind", "parent", "is_active")

    def apply(self):
        data = self.cleaned_data
        if self.adding:
            unit = services.create_org_unit(actor=self.actor, code=data["code"], name=data["name"], kind=data["kind"],
                                            parent=data["parent"])
            if not data["is_active"]:
                unit = services.update_org_unit(actor=self.actor, unit=unit, is_active=False)
            return unit
        return services.update_org_unit(actor=self.actor, unit=self.instance, **self.changes())


class UnitRoleAssignmentInlineForm(forms.ModelForm):
    """One role holder of the unit. A new row names a holder (:func:`services.assign_unit_role`); on a
    recorded row only the last day can change (:func:`services.end_unit_role`): the history of who held a
    role is never rewritten. The service runs when the form is checked, inside the admin's transaction,
    so a refusal shows next to the row (and :meth:`OrgUnitAdmin.changeform_view` then keeps nothing)."""

    role = forms.ChoiceField(choices=UnitRole.choices)
    actor = None
    unit: OrgUnit | None = None

    class Meta:
        model = UnitRoleAssignment
        fields = ("role", "person", "start_date", "end_date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("role", "person", "start_date"):
                self.fields[name].disabled = True

    def _post_clean(self) -> None:
        # No model validation here: the service checks everything, with sentences for the user.
        if self.errors or not self.has_changed():
            return
        data = self.cleaned_data
        if data.get("DELETE"):
            return
        try:
            if self.instance.pk:
                self.instance = services.end_unit_role(actor=self.actor, assignment=self.instance,
                                                       end_date=data.get("end_date"))
            elif self.unit is not None and self.unit.pk is not None:
                self.instance = services.assign_unit_role(
                    actor=self.actor, unit=self.unit, role=data["role"], person=data["person"],
                    start_date=data["start_date"], end_date=data.get("end_date"))
        except (ServiceError, PermissionDenied) as exc:
            self.add_error(None, exc.messages if isinstance(exc, ServiceError) else [str(exc)])


class UnitRoleAssignmentInline(admin.TabularInline):
    """The unit's role holders, past, present and coming: add a row to name a holder, set the last
    day of a row to end one."""

    model = UnitRoleAssignment
    form = UnitRoleAssignmentInlineForm
    fields = ("role", "person", "start_date", "end_date")
    autocomplete_fields = ("person",)
    extra = 1
    can_delete = False
    verbose_name = "role holder"
    verbose_name_plural = "role holders (FM/HPS, HoD or departmental contact, HRBP, Dean …)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("person").order_by("role", "start_date")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        form = type(formset.form.__name__, (formset.form,), {"actor": request.user})
        formset.form = form

        class RoleFormSet(formset):  # type: ignore[valid-type, misc]
            @cached_property
            def management_form(self):
                # A submission that says nothing about role holders (no rows at all) leaves them as they are.
                if self.is_bound and f"{self.prefix}-{TOTAL_FORM_COUNT}" not in self.data:
                    form = ManagementForm({f"{self.prefix}-{TOTAL_FORM_COUNT}": 0,
                                           f"{self.prefix}-{INITIAL_FORM_COUNT}": 0}, prefix=self.prefix)
                    form.full_clean()
                    return form
                return super().management_form

            def _construct_form(self, i, **kw):
                built = super()._construct_form(i, **kw)
                built.unit = self.instance
                return built

        return RoleFormSet

    def has_add_permission(self, request, obj=None) -> bool:
        return is_admin_user(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_admin_user(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_admin_user(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(OrgUnit)
class OrgUnitAdmin(ServiceAdmin):
    """Faculties, PS divisions, departments and sections, with their role holders (inline)."""

    form = OrgUnitForm
    inlines = (UnitRoleAssignmentInline,)
    allow_add = allow_change = True
    list_display = ("name", "code", "kind", "parent", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "code")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    fields = ("code", "name", "kind", "parent", "is_active")

    def save_form(self, request, form, change):
        # The service has saved the unit: the inline rows attach to the saved one (on "add" too).
        return form.service_result if form.service_result is not None else super().save_form(request, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """All or nothing: when a role row (or the unit) is refused, nothing of the submission is kept."""
        with transaction.atomic():
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if request.method == "POST" and response.status_code != 302:
                transaction.set_rollback(True)
        return response

    def save_related(self, request, form, formsets, change) -> None:
        """The role rows were written by the services when the forms were checked; tell the admin's
        change message what they were."""
        for formset in formsets:
            formset.new_objects = [f.instance for f in formset.forms
                                   if f.has_changed() and f.instance.pk and f not in formset.initial_forms]
            formset.changed_objects = [(f.instance, f.changed_data) for f in formset.initial_forms if f.has_changed()]
            formset.deleted_objects = []


@admin.register(UnitRoleAssignment)
class UnitRoleAssignmentAdmin(ServiceAdmin):
    """Every role holder of every unit, to search ("who is the Dean of …?"). Named and ended on the
    unit's page (inline), through the services."""

    list_display = ("person", "role", "unit", "start_date", "end_date")
    list_filter = (RoleFilter, ("end_date", admin.EmptyFieldListFilter))
    search_fields = ("person__last_name", "person__first_name", "person__employee_number", "unit__name",
                     "unit__code")
    list_select_related = ("person", "unit")
    date_hierarchy = "start_date"
    fields = ("unit", "role", "person", "start_date", "end_date")
    readonly_fields = fields


# --- People ------------------------------------------------------------------------------------------


class PersonForm(ServiceForm):
    class Meta:
        model = Person
        fields = ("employee_number",) + PERSON_FIELDS_ADMIN

    def apply(self):
        data = dict(self.cleaned_data)
        if self.adding:
            required = {k: data.pop(k) for k in ("employee_number", "first_name", "last_name", "work_email",
                                                 "staff_category")}
            extra = {k: v for k, v in data.items() if k in PERSON_FIELDS_ADMIN and v not in (None, "")}
            if extra.get("is_active") is True:
                extra.pop("is_active")
            return services.create_person(actor=self.actor, **required, **extra)
        return services.update_person(actor=self.actor, person=self.instance, changes=self.changes())


class ImportForm(forms.Form):
    """The HR extract upload: the file, dry run (on by default) and the mode."""

    MODES = (
        ("all", "All or nothing: import nothing if any row has a problem"),
        ("per_row", "Import the good rows and list the bad ones"),
    )

    file = forms.FileField(label="HR extract (CSV, UTF-8)",
                           help_text="The columns are described in docs/import.md; see the sample file.")
    dry_run = forms.BooleanField(required=False, initial=True, label="Dry run (check the file and write nothing)")
    mode = forms.ChoiceField(choices=MODES, initial="all", widget=forms.RadioSelect)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            check_size(upload.size)  # before reading a byte of it
        except FileError as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


DRY_RUNS_SESSION_KEY = "gp_import_dry_run_ids"  # the dry runs this session started (ImportRun ids)
RUNS_LISTED = 10


def _start_import(request, *, data: bytes, file_name: str, fingerprint: str, dry_run: bool, per_row: bool) -> ImportRun:
    """Keep the file in a new ImportRun and queue it for the worker (which may finish it at once)."""
    ImportRun.objects.filter(created_at__lt=timezone.now() - dt.timedelta(days=1)).exclude(
        status__in=[ImportRun.Status.QUEUED, ImportRun.Status.RUNNING]).update(data=b"")  # files kept a day at most
    run = ImportRun.objects.create(started_by=request.user, file_name=file_name[:255], data=data,
                                   fingerprint=fingerprint, dry_run=dry_run, per_row=per_row)
    if dry_run:
        request.session[DRY_RUNS_SESSION_KEY] = (request.session.get(DRY_RUNS_SESSION_KEY, []) + [run.pk])[-20:]
    run_import.enqueue(run.pk)
    run.refresh_from_db()
    return run


def _checked_in_this_session(request, fingerprint: str) -> bool:
    """Whether this session's dry run of the same file, in the same mode, found it importable."""
    return ImportRun.objects.filter(
        pk__in=request.session.get(DRY_RUNS_SESSION_KEY, []), dry_run=True, fingerprint=fingerprint,
        status=ImportRun.Status.FINISHED,
    ).filter(Q(ok=True) | Q(per_row=True)).exists()


@admin.register(Person)
class PersonAdmin(ServiceAdmin):
    """Members of staff. The employee number and login are set when the person is added."""

    form = PersonForm
    allow_add = allow_change = True
    change_list_template = "admin/people/person/change_list.html"
    list_display = ("employee_number", "last_name", "first_name", "known_as", "work_email", "staff_category",
                    "line_manager", "is_active")
    list_display_links = ("employee_number", "last_name")
    list_filter = ("staff_category", "is_active")
    search_fields = ("employee_number", "first_name", "last_name", "known_as", "work_email")
    list_select_related = ("line_manager",)
    autocomplete_fields = ("line_manager",)
    fields = ("employee_number", "user") + PERSON_FIELDS_ADMIN + ("created_at",)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("user", "created_at")
        return ("employee_number", "user", "created_at")

    def get_urls(self):
        urls = super().get_urls()
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="people_person_import"),
            path("import/<int:run_id>/", self.admin_site.admin_view(self.import_run_view),
                 name="people_person_import_run"),
            path("import/<int:run_id>/import/", self.admin_site.admin_view(self.import_checked_view),
                 name="people_person_import_checked"),
        ] + urls

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": is_admin_user(request.user)}
        return super().changelist_view(request, extra_context=extra_context)

    def import_view(self, request):
        """Upload the HR extract: a dry run first, then the real import of the same file. The worker
        carries it out (ImportRun, people.importer.runs); the answer is the run's page."""
        if not is_admin_user(request.user):
            raise DjangoPermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read(max_upload_bytes() + 1)
            dry_run, per_row = form.cleaned_data["dry_run"], form.cleaned_data["mode"] == "per_row"
            fingerprint = hashlib.sha256(data + form.cleaned_data["mode"].encode()).hexdigest()
            if not dry_run and not _checked_in_this_session(request, fingerprint):
                form.add_error("dry_run", "Do a dry run of this file, in this mode, first: then import it for real.")
            else:
                run = _start_import(request, data=data, file_name=upload.name or "", fingerprint=fingerprint,
                                    dry_run=dry_run, per_row=per_row)
                return self._run_page(request, run)
        context = {
            **self.admin_site.each_context(request),
            "title": "Import from the HR system",
            "opts": self.model._meta,
            "form": form,
            "runs": ImportRun.objects.select_related("started_by")[:RUNS_LISTED],
            "max_upload": max_upload_bytes() // (1024 * 1024),
        }
        return TemplateResponse(request, "admin/people/import.html", context)

    def import_run_view(self, request, run_id: int):
        """One import run: waiting, how far it has got (the page reloads itself), or its report."""
        if not is_admin_user(request.user):
            raise DjangoPermissionDenied
        return self._run_page(request, get_object_or_404(ImportRun, pk=run_id))

    def import_checked_view(self, request, run_id: int):
        """Import the file of a dry run that found it importable (POST), without choosing it again."""
        if not is_admin_user(request.user):
            raise DjangoPermissionDenied
        run = get_object_or_404(ImportRun, pk=run_id, dry_run=True)
        if request.method != "POST":
            return redirect("admin:people_person_import_run", run_id=run.pk)
        if not run.data or not _checked_in_this_session(request, run.fingerprint):
            self.message_user(request, "Choose the file again and import it: this dry run's file is no longer "
                                       "kept, or the dry run was not done in this session.", messages.WARNING)
            return redirect("admin:people_person_import")
        new = _start_import(request, data=bytes(run.data), file_name=run.file_name, fingerprint=run.fingerprint,
                            dry_run=False, per_row=run.per_row)
        return redirect("admin:people_person_import_run", run_id=new.pk)

    def _run_page(self, request, run: ImportRun):
        waiting = run.status in (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING)
        progress = progress_of(run) if run.status == ImportRun.Status.RUNNING else None
        report = run.report or {}
        context = {
            **self.admin_site.each_context(request),
            "title": f"{'Dry run' if run.dry_run else 'Import'} from the HR system",
            "opts": self.model._meta,
            "run": run,
            "waiting": waiting,
            "progress": progress,
            "stalled": bool(progress and progress.seconds_since > STALLED_AFTER),
            "stalled_minutes": int(progress.seconds_since // 60) if progress else 0,
            "report": report,
            "more_changes": report.get("change_count", 0) - len(report.get("changes", [])),
            "more_errors": report.get("error_count", 0) - len(report.get("errors", [])),
            "can_import": (run.dry_run and run.status == ImportRun.Status.FINISHED and (run.ok or run.per_row)
                           and bool(run.data) and run.pk in request.session.get(DRY_RUNS_SESSION_KEY, [])),
            "mode": "Import the good rows" if run.per_row else "All or nothing",
        }
        return TemplateResponse(request, "admin/people/import_run.html", context)


# --- Posts and appointments -----------------------------------------------------------------------------

POST_FORM_FIELDS = tuple(services.POST_FIELDS)


class PostForm(ServiceForm):
    grade_from = forms.DateField(
        required=False, label="Grade from",
        help_text="The day the post exists at this grade (blank: today). Later changes: Post grade changes › Add.",
    )

    class Meta:
        model = Post
        fields = POST_FORM_FIELDS

    def apply(self):
        data = dict(self.cleaned_data)
        if self.adding:
            required = {k: data.pop(k) for k in ("post_number", "org_unit", "title")}
            extra = {k: v for k, v in data.items() if v is not None}
            return services.create_post(actor=self.actor, **required, **extra)
        return services.update_post(actor=self.actor, post=self.instance, changes=self.changes())


class GradeInForceFilter(admin.SimpleListFilter):
    """Posts by the grade in force today (read from their grade history)."""

    title = "grade in force today"
    parameter_name = "grade_on"

    def lookups(self, request, model_admin):
        return [(str(n), f"Grade {n}") for n in range(1, 11)]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(grade_on_number=int(value)) if value and value.isdigit() else queryset


@admin.register(Post)
class PostAdmin(ServiceAdmin):
    """Posts in org units, with the grade in force today (and any coming change), FTE and funding.

    A post's grade is effective-dated (policy §3.4): it is set when the post is added, and changed
    afterwards with a dated line under "Post grade changes", never by overwriting it here.
    """

    form = PostForm
    allow_add = allow_change = True
    list_display = ("post_number", "title", "org_unit", "grade_in_force", "coming_grade", "fte", "grant_funded",
                    "is_active")
    list_filter = ("grant_funded", "is_active", GradeInForceFilter)
    search_fields = ("post_number", "title", "org_unit__name", "org_unit__code")
    list_select_related = ("org_unit",)
    autocomplete_fields = ("org_unit",)
    raw_id_fields = tuple(f for f in POST_FORM_FIELDS if f == "jd_version")
    fields = POST_FORM_FIELDS

    def get_queryset(self, request):
        return super().get_queryset(request).with_grade_on(timezone.localdate())

    def get_fields(self, request, obj=None):
        if obj is None:
            return (*POST_FORM_FIELDS, "grade_from")
        return tuple(f for f in POST_FORM_FIELDS if f != "grade") + ("grade_history",)

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("grade_history",)

    @admin.display(description="grade in force today", ordering="grade_on_number")
    def grade_in_force(self, post):
        return post.grade_on_name or "—"

    @admin.display(description="coming")
    def coming_grade(self, post):
        if not post.coming_grade_name:
            return ""
        return f"{post.coming_grade_name} from {post.coming_grade_from:%d %b %Y}"

    @admin.display(description="grade history")
    def grade_history(self, post):
        today = timezone.localdate()
        lines = list(post.grade_changes.select_related("grade").order_by("effective_from", "pk"))
        if not lines:
            return f"{post.grade} (recorded before the grade history was kept)" if post.grade_id else "—"
        return format_html("<ul class=\"mb-0\">{}</ul>", format_html_join("", "<li>{} from {} ({}){}</li>", (
            (line.grade, f"{line.effective_from:%d %b %Y}",
             line.get_reason_display().lower() + (f", {line.source}" if line.source else ""),
             " — replaced" if line.superseded_at else (" — coming" if line.effective_from > today else ""))
            for line in lines)))


class PostGradeForm(ServiceForm):
    class Meta:
        model = PostGrade
        fields = ("post", "grade", "effective_from", "reason", "source", "note")

    def apply(self):
        data = self.cleaned_data
        return services.change_post_grade(actor=self.actor, post=data["post"], grade=data["grade"],
                                          effective_from=data["effective_from"], reason=data["reason"],
                                          source=data["source"], note=data["note"],
                                          jd_version=data["post"].jd_version)


@admin.register(PostGrade)
class PostGradeAdmin(ServiceAdmin):
    """The dated grade history of posts. Lines are added (through the service that checks the
    date and writes the history) and never changed: a correction is a new line for the same date."""

    form = PostGradeForm
    allow_add = True
    list_display = ("post", "grade", "effective_from", "reason", "source", "recorded_at", "superseded_at")
    list_filter = ("reason",)
    search_fields = ("post__post_number", "post__title", "source")
    list_select_related = ("post", "grade")
    autocomplete_fields = ("post",)
    date_hierarchy = "effective_from"
    fields = ("post", "grade", "effective_from", "reason", "source", "note")

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.fields
        return (*self.fields, "jd_version", "recorded_at", "recorded_by", "superseded_at", "supersedes")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.get_fields(request, obj)


class AppointmentForm(ServiceForm):
    class Meta:
        model = Appointment
        fields = ("person", "post", "kind", "start_date", "end_date")

    def apply(self):
        data = self.cleaned_data
        if self.adding:
            return services.start_appointment(actor=self.actor, person=data["person"], post=data["post"],
                                              kind=data["kind"], start_date=data["start_date"],
                                              end_date=data["end_date"])
        if data["end_date"] is None:
            raise ServiceError("Give the end date: an appointment's end date can be set or changed, not removed.")
        return services.end_appointment(actor=self.actor, appointment=self.instance, end_date=data["end_date"])


@admin.register(Appointment)
class AppointmentAdmin(ServiceAdmin):
    """A person in a post for a period. Once recorded, only the end date can change."""

    form = AppointmentForm
    allow_add = allow_change = True
    list_display = ("person", "post", "kind", "start_date", "end_date")
    list_filter = ("kind",)
    search_fields = ("person__employee_number", "person__last_name", "person__first_name", "post__post_number",
                     "post__title")
    list_select_related = ("person", "post")
    autocomplete_fields = ("person", "post")
    date_hierarchy = "start_date"
    fields = ("person", "post", "kind", "start_date", "end_date")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("person", "post", "kind", "start_date")


# --- Delegations --------------------------------------------------------------------------------------


class DelegationForm(ServiceForm):
    role = forms.ChoiceField(choices=[(role, UnitRole(role).label) for role in DELEGABLE_ROLES])

    class Meta:
        model = Delegation
        fields = ("delegator", "delegate", "role", "org_unit", "start_date", "end_date", "reason")

    def apply(self):
        data = self.cleaned_data
        return services.grant_delegation(actor=self.actor, delegator=data["delegator"], delegate=data["delegate"],
                                         role=data["role"], org_unit=data["org_unit"],
                                         start_date=data["start_date"], end_date=data["end_date"],
                                         reason=data["reason"])


@admin.action(description="Revoke the selected delegations")
def revoke_delegations(modeladmin, request, queryset):
    """Revoke through the service (history row and a notification to the delegate)."""
    done = 0
    for delegation in queryset.filter(revoked_at__isnull=True):
        try:
            services.revoke_delegation(actor=request.user, delegation=delegation)
            done += 1
        except (ServiceError, PermissionDenied) as exc:
            modeladmin.message_user(request, f"{delegation}: {exc}", messages.ERROR)
    modeladmin.message_user(request, f"Revoked {done} delegation{'s' if done != 1 else ''}.", messages.SUCCESS)


@admin.register(Delegation)
class DelegationAdmin(ServiceAdmin):
    """Dated, revocable loans of a unit role. Granted here or by the role holder; never edited, only
    revoked (the "Revoke" action)."""

    form = DelegationForm
    allow_add = True
    actions = [revoke_delegations]
    list_display = ("delegate", "role", "org_unit", "delegator", "start_date", "end_date", "revoked_at")
    list_filter = (RoleFilter, ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("delegate__last_name", "delegator__last_name", "org_unit__name", "org_unit__code")
    list_select_related = ("delegate", "delegator", "org_unit")
    autocomplete_fields = ("delegator", "delegate", "org_unit")
    fields = ("delegator", "delegate", "role", "org_unit", "start_date", "end_date", "reason",
              "created_at", "created_by", "revoked_at", "revoked_by")

    def get_readonly_fields(self, request, obj=None):
        return ("created_at", "created_by", "revoked_at", "revoked_by")


# --- Equality-monitoring data ----------------------------------------------------------------------------


@admin.register(EqualityData)
class EqualityDataAdmin(admin.ModelAdmin):
    """Special-category data: only equality data viewers see it, nobody edits it here, and opening
    a record leads to the people pages, which ask the purpose of the read and record it. The list
    shows names only, and search is by name only, so browsing it reveals nothing sensitive."""

    list_display = ("person", "updated_at")
    search_fields = ("person__last_name", "person__first_name", "person__employee_number")
    list_select_related = ("person",)
    fields = ("person", "sex", "gender_identity_same_as_birth", "ethnicity", "disability", "sexual_orientation",
              "religion", "updated_at")
    readonly_fields = fields

    @staticmethod
    def _viewer(request) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and can_view_equality_data(user))

    def has_module_permission(self, request) -> bool:
        return self._viewer(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return self._viewer(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if not self._viewer(request):
            raise DjangoPermissionDenied
        record = EqualityData.objects.select_related("person").filter(pk=object_id).first() if str(
            object_id).isdigit() else None
        if record is None:
            raise Http404("No such record.")
        # Every individual read states a purpose (policy §6.2): the record is read on the people pages,
        # which ask for it and record it with the read.
        return redirect("people:person-equality", record.person_id)


# --- Logins --------------------------------------------------------------------------------------------------


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Logins. Django's own user admin (its permissions, its change log): accounts are not domain
    records and have no Gradepath service."""

    list_display = ("username", "first_name", "last_name", "email", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("username", "first_name", "last_name", "email")
