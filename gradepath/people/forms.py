"""Forms for the people pages. They parse input only; the services decide and save."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from gradepath.core.text import clean_text
from gradepath.core.widgets import SearchSelect
from gradepath.people.equality import DETAIL_MAX_LENGTH, OTHER, PURPOSES
from gradepath.people.models import OrgUnit, Person, UnitRole
from gradepath.people.search import person_label

LABELS = {
    "work_email": ("Work e-mail", ""),
    "probation_end": ("Probation ends", "Leave empty if the person is not on probation."),
    "is_active": ("Currently employed", "Untick when the person leaves; their record and history are kept."),
    "known_as": ("Known as", "The name the person likes to be called, if not their first name."),
}


class PersonEditForm(forms.Form):
    """A person record form with exactly the fields this user may change.

    The fields come from ``people.permissions.editable_person_fields(user, person)``; the
    form never offers anything else, and the service checks again when it saves.
    """

    def __init__(self, *args, person: Person, field_names: tuple[str, ...],
                 line_manager_choices: QuerySet[Person] | None = None, **kwargs):
        initial = {name: getattr(person, name) for name in field_names}
        super().__init__(*args, initial=initial, **kwargs)
        self.person = person
        for name in field_names:
            model_field = Person._meta.get_field(name)
            if name == "line_manager":
                choices = (line_manager_choices if line_manager_choices is not None else Person.objects.all())
                self.fields[name] = forms.ModelChoiceField(
                    queryset=choices.exclude(pk=person.pk).order_by("last_name", "first_name"),
                    required=False, label="Line manager", empty_label="No line manager",
                    widget=SearchSelect(search_url=reverse("people:person-search"), noun="people",
                                        label=person_label, placeholder="Type a surname or a staff number…"),
                    error_messages={"invalid_choice": "Choose a current member of staff other than "
                                                      f"{person.full_name} as the line manager."},
                )
            else:
                self.fields[name] = model_field.formfield()
                if isinstance(self.fields[name], forms.DateField):
                    self.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        for name, (label, help_text) in LABELS.items():
            if name in self.fields:
                self.fields[name].label = label
                self.fields[name].help_text = help_text or self.fields[name].help_text

    def changes(self) -> dict:
        """Only the fields whose value differs from the record."""
        return {
            name: value for name, value in self.cleaned_data.items()
            if getattr(self.person, name) != value
        }


class DelegationForm(forms.Form):
    """Lend one of your unit roles to someone for a period."""

    role_unit = forms.ChoiceField(label="Role to delegate")
    delegate = forms.ModelChoiceField(queryset=Person.objects.none(), label="Delegate",
                                      help_text="The person who will act for you.")
    start_date = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end_date = forms.DateField(label="Until (inclusive)", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    reason = forms.CharField(label="Reason", max_length=300, required=False,
                             help_text="For example \u201cannual leave cover\u201d. The delegate sees it.")

    def __init__(self, *args, roles: list[tuple[str, OrgUnit]], delegates: QuerySet[Person], **kwargs):
        kwargs.setdefault("initial", {"start_date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self._units = {unit.pk: unit for _, unit in roles}
        self.fields["role_unit"].choices = [
            (f"{role}:{unit.pk}", f"{UnitRole(role).label} of {unit.name}") for role, unit in roles
        ]
        delegate = self.fields["delegate"]
        delegate.queryset = delegates.order_by("last_name", "first_name")
        # A search picker over the same people (everyone you can see but yourself), never a full list.
        delegate.widget = SearchSelect(search_url=reverse("people:person-search") + "?not_me=1", noun="people",
                                       label=person_label, placeholder="Type a surname or a staff number…")
        delegate.widget.choices = delegate.choices
        delegate.error_messages["invalid_choice"] = "Choose a current member of staff you can see, other than yourself."

    def clean_role_unit(self) -> tuple[str, OrgUnit]:
        role, _, unit_pk = self.cleaned_data["role_unit"].partition(":")
        unit = self._units.get(int(unit_pk)) if unit_pk.isdigit() else None
        if role not in UnitRole.values or unit is None:
            raise forms.ValidationError("Choose one of the roles you hold.")
        return role, unit

    def clean(self):
        data = super().clean()
        start: dt.date | None = data.get("start_date")
        end: dt.date | None = data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The delegation cannot end before it starts.")
        return data


class EqualitySearchForm(forms.Form):
    """The equality data viewer's search: a surname (with the first name if you like) or a staff number."""

    q = forms.CharField(
        label="Surname or staff number", max_length=100, required=False,
        help_text="For example \u201cPatel\u201d, \u201cSam Patel\u201d or a staff number. Surnames are matched "
                  "from their first letters.",
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off", "class": "form-control"}),
    )

    def clean_q(self) -> str:
        return clean_text(self.cleaned_data.get("q") or "", label="The search", max_length=100)


class EqualityReadForm(forms.Form):
    """Why the equality data viewer needs to read this person's record (asked before every read)."""

    purpose = forms.ChoiceField(
        label="Why do you need to read this record?", widget=forms.RadioSelect,
        choices=[(code, label) for code, label, _ in PURPOSES],
        error_messages={"required": "Choose why you need to read this record."},
    )
    detail = forms.CharField(
        label="Reference or details", required=False, max_length=DETAIL_MAX_LENGTH,
        help_text="For example the grading case reference or the audit name. Required for another purpose.",
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )

    def clean_detail(self) -> str:
        return clean_text(self.cleaned_data.get("detail") or "", label="The details", max_length=DETAIL_MAX_LENGTH)

    def clean(self):
        data = super().clean()
        if data.get("purpose") == OTHER and not data.get("detail"):
            self.add_error("detail", "Say what the purpose is.")
        return data
