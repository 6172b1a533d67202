"""Admin pages for the pay spine, grade structures and pay history.

The grade structure has no services yet, so it is read-only here (a new structure is loaded by
its command or data migration, never edited in place: it is effective-dated). Pay changes are
added through :func:`gradepath.grades.services.record_pay_change` and never edited or deleted.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone

from gradepath.core.admin import AdministratorAdmin, ServiceAdmin, ServiceForm, is_admin_user
from gradepath.grades.models import Grade, GradeStructure, PayRecord, SpinePoint, SpineSalary
from gradepath.grades.services import record_pay_change


@admin.register(SpinePoint)
class SpinePointAdmin(AdministratorAdmin):
    """Points of the pay spine (read-only)."""

    list_display = ("number",)
    search_fields = ("number",)
    fields = ("number",)


@admin.register(SpineSalary)
class SpineSalaryAdmin(AdministratorAdmin):
    """The salary of each spine point per pay year (read-only)."""

    list_display = ("point", "effective_from", "annual_salary")
    list_filter = ("effective_from",)
    search_fields = ("point__number",)
    list_select_related = ("point",)
    fields = ("point", "effective_from", "annual_salary")


class GradeInline(admin.TabularInline):
    model = Grade
    fields = ("number", "name", "bottom_point", "top_automatic_point", "top_point", "has_increments")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return is_admin_user(request.user)


@admin.register(GradeStructure)
class GradeStructureAdmin(AdministratorAdmin):
    """Effective-dated grade structures with their grades (read-only)."""

    list_display = ("name", "effective_from", "effective_to")
    search_fields = ("name",)
    fields = ("name", "effective_from", "effective_to")
    inlines = [GradeInline]


@admin.register(Grade)
class GradeAdmin(AdministratorAdmin):
    """A grade's automatic zone and contribution points (read-only)."""

    list_display = ("name", "number", "structure", "bottom_point", "top_automatic_point", "top_point",
                    "has_increments")
    list_filter = ("structure", "has_increments")
    search_fields = ("name",)
    list_select_related = ("structure",)
    fields = ("structure", "number", "name", "bottom_point", "top_automatic_point", "top_point", "has_increments")


class PayRecordForm(ServiceForm):
    class Meta:
        model = PayRecord
        fields = ("person", "grade", "spine_point", "effective_from", "reason", "post", "note")

    def apply(self):
        data = self.cleaned_data
        return record_pay_change(actor=self.actor, person=data["person"], grade=data["grade"],
                                 spine_point=data["spine_point"], effective_from=data["effective_from"],
                                 reason=data["reason"], post=data["post"], note=data["note"])


@admin.register(PayRecord)
class PayRecordAdmin(ServiceAdmin):
    """Pay history: lines are added (through record_pay_change), never changed or deleted."""

    form = PayRecordForm
    allow_add = True
    list_display = ("person", "grade", "spine_point", "effective_from", "takes_effect", "reason", "recorded_by",
                    "recorded_at")
    list_filter = ("reason", "grade__structure")
    search_fields = ("person__employee_number", "person__last_name", "person__first_name")
    list_select_related = ("person", "grade", "recorded_by")
    autocomplete_fields = ("person", "post")
    date_hierarchy = "effective_from"
    fields = ("person", "grade", "spine_point", "effective_from", "reason", "post", "note", "recorded_at",
              "recorded_by")
    readonly_fields = ("recorded_at", "recorded_by")

    @admin.display(description="in force")
    def takes_effect(self, record: PayRecord) -> str:
        """A line dated after today is coming: the line before it stays in force until then (policy §3.4)."""
        return "coming" if record.effective_from > timezone.localdate() else ""
