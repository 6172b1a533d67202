"""Admin building blocks shared by every app, and the (read-only) history table.

Gradepath's admin site is for administrators: members of the Administrator group (or
superusers) with staff status. Access is decided by the organisational role, not by Django's
per-model permissions, so a new administrator needs no permission fiddling.

Every change to a domain record goes through a service (permission checks, history rows,
notifications). Admin pages whose model has services call them from the form (see
:class:`ServiceForm`); models without services are read-only here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from gradepath.core.errors import PermissionDenied, ServiceError
from gradepath.core.groups import is_administrator
from gradepath.core.models import HistoryEntry


def is_admin_user(user) -> bool:
    """Staff status plus the Administrator group (or a superuser)."""
    return bool(user and user.is_authenticated and user.is_active and user.is_staff and is_administrator(user))


class AdministratorAdmin(admin.ModelAdmin):
    """A model admin open to administrators; adding, changing and deleting are off unless a
    subclass switches them on (and then writes through a service)."""

    allow_add = False
    allow_change = False
    allow_delete = False  # no service deletes records: deletion would leave no history

    def has_module_permission(self, request) -> bool:
        return is_admin_user(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_admin_user(request.user)

    def has_add_permission(self, request) -> bool:
        return self.allow_add and is_admin_user(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.allow_change and is_admin_user(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.allow_delete and is_admin_user(request.user)


class ServiceForm(forms.ModelForm):
    """A model form that saves through a service instead of ``instance.save()``.

    After every field and model check has passed, :meth:`apply` calls the service (inside the
    admin's transaction); a ServiceError or PermissionDenied becomes a form error, so the page
    shows it next to the user's input and nothing is saved. ``actor`` is set by
    :class:`ServiceAdmin`.
    """

    actor: Any = None
    service_result: Any = None

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.errors:
            return
        try:
            self.service_result = self.apply()
        except (ServiceError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ServiceError) else [str(exc)]
            self.add_error(None, messages)

    @property
    def adding(self) -> bool:
        return self.instance._state.adding

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_data if name in self.cleaned_data}

    def apply(self):  # pragma: no cover - every subclass defines it
        raise NotImplementedError


class ServiceAdmin(AdministratorAdmin):
    """A model admin whose form is a :class:`ServiceForm`: the service has already saved by the
    time ``save_model`` runs, so it only hands the saved record back to the admin."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change) -> None:
        result = form.service_result
        if result is not None and result.pk is not None:
            obj.pk = result.pk
            obj._state.adding = False

    def save_related(self, request, form, formsets, change) -> None:
        """No many-to-many fields are edited through services here."""


@admin.register(HistoryEntry)
class HistoryEntryAdmin(AdministratorAdmin):
    """The audit history: readable by administrators, never changeable (the database refuses too)."""

    list_display = ("created_at", "actor_label", "capacity", "action", "object_type", "object_repr", "summary")
    list_filter = ("action", "object_type")
    search_fields = ("summary", "actor_label", "object_repr", "object_id", "action")
    date_hierarchy = "created_at"
    list_select_related = False
    fields = ("created_at", "actor", "actor_label", "capacity", "action", "object_type", "object_id",
              "object_repr", "person_id", "summary", "before", "after", "chain_seq", "prev_hash", "row_hash")
    readonly_fields = fields
    list_per_page = 100

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
