"""Secondments in the admin: read-only. Every change goes through the services (the pages and the API)."""

from django.contrib import admin

from gradepath.secondments.models import Opportunity, RedeploymentEntry, Secondment


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnly):
    list_display = ("reference", "title", "host_unit", "grade", "start_date", "end_date", "status")
    list_filter = ("status", "reason")
    search_fields = ("reference", "title")
    fields = ("reference", "title", "reason", "description", "host_unit", "post", "grade", "fte", "start_date",
              "end_date", "closing_date", "register_until", "host_manager", "posted_by", "status", "status_reason")


@admin.register(Secondment)
class SecondmentAdmin(ReadOnly):
    list_display = ("reference", "applicant", "title", "state", "start_date", "end_date")
    list_filter = ("state",)
    search_fields = ("reference", "title")
    fields = ("reference", "state", "step", "opportunity", "applicant", "home_manager", "host_manager", "home_unit",
              "host_unit", "start_date", "end_date", "original_end_date", "returned_on")


@admin.register(RedeploymentEntry)
class RedeploymentEntryAdmin(ReadOnly):
    list_display = ("person", "since", "removed_at")
    fields = ("person", "since", "note", "added_by", "removed_at", "removed_by", "removal_reason")
