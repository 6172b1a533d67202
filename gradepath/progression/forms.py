"""The forms of accelerated increment requests: a move's form (the engine's, from its declared inputs), the
application form (from the service's declared inputs, so the page and the API take the same fields) and the
round form."""

from __future__ import annotations

from types import SimpleNamespace

from django import forms

from gradepath.core.inputs import InputField
from gradepath.core.widgets import SearchSelect
from gradepath.people.search import person_label
from gradepath.progression.services import ROUND_INPUTS, START_INPUTS
from gradepath.workflow.forms import MoveForm
from gradepath.workflow.process import Move

START_MOVE = Move("apply", "Apply", (), (), None, (), "§4.6", inputs=START_INPUTS)
ROUND_MOVE = Move("round", "Open the round", (), (), None, (), "§4.6 step 7", inputs=ROUND_INPUTS)


class SameWordsMixin:
    """Text over its limit is refused on the page in the API's words (core.inputs)."""

    def same_words(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            if isinstance(field, forms.CharField) and field.max_length:
                field.error_messages["max_length"] = (f"{field.label}: at most {field.max_length:,} characters "
                                                      "(this has %(show_value)d).")


class RequestMoveForm(SameWordsMixin, MoveForm):
    """A move on a request (the engine's form)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.same_words()


class DeclaredForm(SameWordsMixin, MoveForm):
    """A form built from a service's declared inputs (the same declarations the service checks)."""

    declared: Move = START_MOVE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, obj=SimpleNamespace(step=0), move=self.declared, **kwargs)
        self.same_words()

    def _field_points(self, spec: InputField) -> None:
        self.fields["points"] = forms.TypedChoiceField(
            label=spec.label, coerce=int, choices=[(1, "One point"), (2, "Two points (highly exceptional)")],
            initial=1, widget=forms.RadioSelect, help_text=spec.help_text,
            error_messages={"required": spec.required_message})

    def _field_local_round(self, spec: InputField) -> None:
        rounds = getattr(self, "rounds", None)
        if not rounds:
            return  # no open round of the faculty: not offered
        self.fields["local_round"] = forms.TypedChoiceField(
            label=spec.label, coerce=int, required=False, empty_value=None,
            choices=[("", "Not in a round"), *[(r.pk, f"{r.name} (deadline {r.deadline:%d %b %Y})") for r in rounds]])


class StartForm(DeclaredForm):
    declared = START_MOVE

    def __init__(self, *args, rounds=(), people=None, search_url: str = "", **kwargs):
        self.rounds = list(rounds)
        super().__init__(*args, **kwargs)
        if people is not None:
            self.fields = {"subject": forms.ModelChoiceField(
                queryset=people, label="Whom the request is for", empty_label="Choose a member of staff…",
                error_messages={"required": "Choose the member of staff the request is for.",
                                "invalid_choice": "Choose a member of staff of your department."},
                widget=SearchSelect(search_url=search_url, noun="people", label=person_label,
                                    placeholder="Type a surname or a staff number…",
                                    attrs={"class": "form-select"}),
                help_text="Type the start of their surname or first name, or their staff number."), **self.fields}
            self.fields["subject"].widget.choices = self.fields["subject"].choices

    @property
    def other_fields(self):
        return [self[name] for name in self.fields if name not in ("step", "idempotency_key")]


class RoundForm(DeclaredForm):
    declared = ROUND_MOVE

    def _field_name(self, spec: InputField) -> None:
        self.fields["name"] = forms.CharField(label=spec.label, max_length=spec.max_length,
                                              error_messages={"required": spec.required_message})

    def _field_budget(self, spec: InputField) -> None:
        self.fields["budget"] = forms.CharField(label=spec.label, max_length=spec.max_length,
                                                error_messages={"required": spec.required_message},
                                                widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    def __init__(self, *args, faculties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = {"faculty": forms.ModelChoiceField(
            queryset=faculties, label="Faculty", empty_label=None,
            error_messages={"required": "Choose the faculty.", "invalid_choice": "Choose one of your faculties."}),
            **self.fields}
        self.fields["faculty"].widget.attrs["class"] = "form-select"
        # The choices read once: the select would read them twice (its options, and its first option to decide
        # whether it may be marked required). Through iter(): list() of the choices would count them first.
        self.fields["faculty"].widget.choices = list(iter(self.fields["faculty"].choices))

