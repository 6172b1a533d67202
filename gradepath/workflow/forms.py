"""The form of a move, built from its declared input fields (``Move.inputs``): the same declarations
the engine checks every request against, web or API, so a new move gets its form without a new class
and the page and the API take exactly the same fields.

A process subclasses :class:`MoveForm` only to give a field a widget of its own: a method
``_field_<name>(spec)`` replaces the default for that input (a picker, a list of grades, a date
prefilled by policy).
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms

from gradepath.core.inputs import INTEGER, SCORES, InputField
from gradepath.workflow.process import Move

REQUIRED_REASON = "Give a reason: it is kept with the record and shown to the people involved."


class MoveForm(forms.Form):
    """One available move on one object, rendered at ``obj.step`` with a fresh idempotency key."""

    step = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)
    required_reason = REQUIRED_REASON

    def __init__(self, *args, obj, move: Move, **kwargs):
        kwargs.setdefault("prefix", move.action)
        super().__init__(*args, **kwargs)
        self.obj, self.move = obj, move
        if not self.is_bound:
            self.initial.update(step=obj.step, idempotency_key=uuid.uuid4())
        for spec in move.inputs:
            build = getattr(self, f"_field_{spec.name}", None) or getattr(self, f"_kind_{spec.kind}")
            build(spec)
        for f in self.fields.values():
            if isinstance(f.widget, forms.HiddenInput):
                continue
            if isinstance(f.widget, (forms.RadioSelect, forms.CheckboxInput, forms.CheckboxSelectMultiple)):
                f.widget.attrs.setdefault("class", "form-check-input")
            else:
                f.widget.attrs.setdefault("class", "form-select" if isinstance(f.widget, forms.Select)
                                          else "form-control")

    def initial_for(self, spec: InputField) -> Any:
        """What a field starts with (none unless a process says otherwise)."""
        return None

    # --- fields by kind -----------------------------------------------------------------------

    def _kind_text(self, spec: InputField) -> None:
        required = spec.required_message or (self.required_reason if spec.name == "reason"
                                             else f"{spec.label}: this is required.")
        self.fields[spec.name] = forms.CharField(
            label=spec.label, required=spec.required, max_length=spec.max_length,
            error_messages={"required": required}, initial=self.initial_for(spec),
            widget=forms.Textarea(attrs={"rows": 3 if spec.required else 2}),
            help_text="" if spec.name == "reason" else spec.help_text)

    def _kind_integer(self, spec: InputField) -> None:
        self.fields[spec.name] = forms.IntegerField(label=spec.label, required=spec.required,
                                                    min_value=spec.min_value, max_value=spec.max_value,
                                                    initial=self.initial_for(spec))

    def _kind_boolean(self, spec: InputField) -> None:
        self.fields[spec.name] = forms.BooleanField(label=spec.label, required=False, initial=self.initial_for(spec))

    def _kind_date(self, spec: InputField) -> None:
        self.fields[spec.name] = forms.DateField(label=spec.label, required=spec.required, initial=self.initial_for(spec),
                                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def _kind_choice(self, spec: InputField) -> None:
        self.fields[spec.name] = forms.ChoiceField(label=spec.label, required=spec.required,
                                                   choices=[("", "Choose…"), *spec.choices],
                                                   initial=self.initial_for(spec))

    def _kind_id_list(self, spec: InputField) -> None:
        self.fields[spec.name] = forms.CharField(label=spec.label, required=spec.required,
                                                 help_text="Ids, separated by commas.")

    def _kind_scores(self, spec: InputField) -> None:
        given = self.initial_for(spec) or {}
        word = "score" if spec.name == "scores" else "level"
        for index, key in enumerate(spec.keys):
            self.fields[f"{word}_{index}"] = forms.IntegerField(
                label=f"{key.capitalize()}: {word}", required=spec.required, min_value=spec.min_value,
                max_value=spec.max_value, initial=given.get(key))

    # --- reading it back ----------------------------------------------------------------------

    @property
    def score_fields(self):
        return [self[name] for name in self.fields if name.startswith(("score_", "level_"))]

    @property
    def other_fields(self):
        return [self[name] for name in self.fields
                if not name.startswith(("score_", "level_")) and name not in ("step", "idempotency_key")]

    def service_data(self) -> dict:
        """The move's inputs, by name, from the cleaned fields (what the engine checks and reads): records
        chosen become their ids, numbers chosen from a list become numbers."""
        c = self.cleaned_data
        data: dict = {}
        for spec in self.move.inputs:
            name = spec.name
            if spec.kind == SCORES:
                word = "score" if name == "scores" else "level"
                values = {key: c.get(f"{word}_{i}") for i, key in enumerate(spec.keys)}
                if any(v is not None for v in values.values()):
                    data[name] = values
                continue
            if name not in self.fields:
                continue  # offered only when it applies
            value = c.get(name)
            if value is None or value == "":
                continue
            if hasattr(value, "pk"):
                value = value.pk
            elif isinstance(value, (list, tuple)) or hasattr(value, "values_list"):
                value = [getattr(item, "pk", item) for item in value]
            elif spec.kind == INTEGER and isinstance(value, str):
                value = int(value)
            elif isinstance(value, str) and spec.kind == "id_list":
                value = [int(part) for part in value.replace(" ", "").split(",") if part.isdigit()]
            data[name] = value
        return data
