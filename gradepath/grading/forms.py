"""Forms of the grading pages. They only parse input: every change goes through
grading.services (actions) or grading.comments (comments).

:class:`ActionForm` is built from the workflow table: the fields of a move are its declared
inputs (``Move.inputs``), so a new move in the table gets its form without a new class, and the
page and the API take exactly the same fields.
"""

from __future__ import annotations

import uuid

from django import forms
from django.db.models import Prefetch

from gradepath.core.inputs import InputField
from gradepath.grades.models import Grade, GradeStructure
from gradepath.grading import services, workflow
from gradepath.grading.models import GradingCase, Outcome, Route
from gradepath.jobs.models import AgreedJD
from gradepath.people.models import Appointment, Person

ANY = [("", "Any")]


class CaseFilterForm(forms.Form):
    """Filters of the case list."""

    q = forms.CharField(required=False, max_length=200, label="Search by reference or job title")
    route = forms.ChoiceField(required=False, choices=ANY + list(Route.choices), label="Route")
    state = forms.ChoiceField(required=False, label="Step")
    status = forms.ChoiceField(required=False, label="Open or closed",
                               choices=[("", "Open and closed"), ("open", "Open"), ("closed", "Closed")])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = ANY + sorted(workflow.STATES.items(), key=lambda kv: kv[1])


def _grade_choices() -> list[tuple[str, str]]:
    structure = GradeStructure.objects.in_force()
    grades = Grade.objects.filter(structure=structure).order_by("number") if structure else Grade.objects.none()
    return [("", "Choose a grade…")] + [(str(g.number), g.name) for g in grades]


class AgreedJDChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AgreedJD) -> str:
        return f"{obj.reference} {obj.version.job_title} ({obj.grade.name})"


class PostChoiceField(forms.ModelMultipleChoiceField):
    """Posts with their unit and current holders ("vacant" when nobody holds them)."""

    def label_from_instance(self, obj) -> str:
        holders = ", ".join(a.person.full_name for a in getattr(obj, "current_appointments", []))
        return f"{obj.post_number} {obj.title}, {obj.org_unit.name} ({holders or 'vacant'})"


REQUIRED_REASON = "Give a reason: it is kept with the case and shown to the people involved."


class ActionForm(forms.Form):
    """The form of one available move on one case, rendered at ``case.step``.

    Its fields are built from the move's declared inputs (``Move.inputs``: the same declarations the
    service checks every request against, web or API); ``service_data()`` turns the cleaned fields back
    into those inputs, by name, for :func:`gradepath.grading.services.perform_action`.
    """

    step = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, case: GradingCase, move: workflow.Move, **kwargs):
        kwargs.setdefault("prefix", move.action)
        super().__init__(*args, **kwargs)
        self.case, self.move = case, move
        if not self.is_bound:
            self.initial.update(step=case.step, idempotency_key=uuid.uuid4())
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

    # --- fields by kind -----------------------------------------------------------------------

    def _kind_text(self, spec: InputField) -> None:
        errors = {"required": REQUIRED_REASON if spec.name == "reason" else f"{spec.label}: this is required."}
        self.fields[spec.name] = forms.CharField(
            label=spec.label, required=spec.required, max_length=spec.max_length, error_messages=errors,
            widget=forms.Textarea(attrs={"rows": 3 if spec.required else 2}), help_text=self._help(spec))

    def _kind_integer(self, spec: InputField) -> None:
        self.fields[spec.name] = forms.IntegerField(label=spec.label, required=spec.required,
                                                    min_value=spec.min_value, max_value=spec.max_value)

    def _kind_boolean(self, spec: InputField) -> None:
        self.fields[spec.name] = forms.BooleanField(label=spec.label, required=False)

    def _kind_date(self, spec: InputField) -> None:
        self.fields[spec.name] = forms.DateField(label=spec.label, required=spec.required,
                                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def _kind_choice(self, spec: InputField) -> None:
        self.fields[spec.name] = forms.ChoiceField(label=spec.label, required=spec.required,
                                                   choices=[("", "Choose…"), *spec.choices])

    def _kind_scores(self, spec: InputField) -> None:
        scores = (self.case.evaluation or {}).get(spec.name, {})
        word = "score" if spec.name == "scores" else "level"
        for index, element in enumerate(spec.keys):
            self.fields[f"{word}_{index}"] = forms.IntegerField(
                label=f"{element.capitalize()}: {word}", required=spec.required, min_value=spec.min_value,
                max_value=spec.max_value, initial=scores.get(element))

    # --- fields with a widget of their own ----------------------------------------------------

    @staticmethod
    def _help(spec: InputField) -> str:
        return "" if spec.name == "reason" else spec.help_text if spec.kind != "integer" else ""

    def _grade(self, spec: InputField, initial, required_message: str) -> None:
        self.fields[spec.name] = forms.ChoiceField(
            label=spec.label, choices=_grade_choices(), required=spec.required,
            initial=str(initial.number) if initial else "", error_messages={"required": required_message})

    def _field_recommended_grade(self, spec: InputField) -> None:
        self._grade(spec, self.case.recommended_grade, "Choose a recommended grade.")

    def _field_grade(self, spec: InputField) -> None:
        initial = services.checked_grade(self.case) if self.move.action == "decide" else None
        self._grade(spec, initial, "Choose the grade decided on appeal." if self.move.action == "uphold_appeal"
                    else "Choose the grade.")

    def _field_matched_agreed(self, spec: InputField) -> None:
        # Preselect the case's match, or else the match recorded on the JD's match page.
        case = self.case
        needed = "matched_agreed" in self.move.requires
        current = case.matched_agreed_id or (
            case.proposed_version.match_decisions.values_list("agreed_jd_id", flat=True).first())
        self.fields["matched_agreed"] = AgreedJDChoiceField(
            label="Agreed job description it matches" + ("" if needed else " (if any)"),
            queryset=AgreedJD.objects.filter(is_current=True).select_related("version", "grade")
            .order_by("grade__number", "version__job_title"),
            required=needed and case.matched_agreed_id is None,
            empty_label="Choose an agreed job description…" if needed else "No agreed job description",
            initial=current, error_messages={"required": "Choose the agreed job description it matches."})

    def _field_fairness_issue(self, spec: InputField) -> None:
        self.fields["fairness_issue"] = forms.TypedChoiceField(
            label=spec.label, widget=forms.RadioSelect, choices=[("no", "No"), ("yes", "Yes")],
            coerce=lambda v: v == "yes",
            error_messages={"required": "Say whether there is a knock-on fairness issue for other post holders."})

    def _field_assessment(self, spec: InputField) -> None:
        self.fields["assessment"] = forms.CharField(
            label=spec.label, widget=forms.Textarea(attrs={"rows": 3}), max_length=spec.max_length,
            error_messages={"required": "Record the fairness assessment."})

    def _field_resolution(self, spec: InputField) -> None:
        self.fields["resolution"] = forms.CharField(
            label=spec.label if spec.required else "How the issue was resolved (leave empty while it is still open)",
            required=spec.required, widget=forms.Textarea(attrs={"rows": 2}), max_length=spec.max_length,
            error_messages={"required": "Record how the knock-on fairness issue was resolved."},
            help_text="" if spec.required else "With an open issue the case waits at the fairness step, and "
                                               "HR Services cannot act, until you record the resolution.")

    def _field_also_regrade(self, spec: InputField) -> None:
        sharing = services.posts_sharing_baseline(self.case).prefetch_related(Prefetch(
            "appointments", to_attr="current_appointments",
            queryset=Appointment.objects.current().filter(kind=Appointment.Kind.SUBSTANTIVE)
            .select_related("person").order_by("person__last_name")))
        if sharing.exists():
            self.fields["also_regrade"] = PostChoiceField(
                label="Other posts on the same JD version to regrade with this one (if that is the resolution)",
                queryset=sharing, required=False, widget=forms.CheckboxSelectMultiple,
                initial=list(self.case.also_regraded.values_list("pk", flat=True)) if self.case.pk else [],
                help_text="HR Services will update these posts and their holders' pay together with this one.")

    def _field_outcome(self, spec: InputField) -> None:
        outcomes = list(spec.choices)
        if self.case.route == Route.NEW_JOB:
            outcomes = [c for c in outcomes if c[0] not in (Outcome.REALLOCATION, Outcome.NO_CHANGE)]
        self.fields["outcome"] = forms.ChoiceField(label=spec.label, choices=[("", "Choose the outcome…"), *outcomes],
                                                   error_messages={"required": "Choose the outcome."})

    def _field_grade_difference_reason(self, spec: InputField) -> None:
        check = self.case.checked_grade
        self.fields[spec.name] = forms.CharField(
            label=spec.label + (f" ({check})" if check else ""), required=False, max_length=spec.max_length,
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text=f"Needed only when the grade decided is not {check}." if check else "")

    def _field_effective_date(self, spec: InputField) -> None:
        self.fields["effective_date"] = forms.DateField(
            label=spec.label, initial=services.effective_date_for(self.case), required=spec.required,
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            help_text="Policy §4.4: " + services.effective_date_rule_words() + ".")

    def _field_panel(self, spec: InputField) -> None:
        involved = services.involved_people(self.case)
        self.fields["panel"] = forms.ModelMultipleChoiceField(
            label=spec.label, queryset=Person.objects.filter(is_active=True).exclude(pk__in=involved)
            .order_by("last_name", "first_name"),
            widget=forms.SelectMultiple(attrs={"size": 8}),
            error_messages={"required": "Choose the members of the appeal panel."})

    # --- reading it back ----------------------------------------------------------------------

    @property
    def score_fields(self):
        return [self[name] for name in self.fields if name.startswith(("score_", "level_"))]

    @property
    def other_fields(self):
        return [self[name] for name in self.fields
                if not name.startswith(("score_", "level_")) and name not in ("step", "idempotency_key")]

    def service_data(self) -> dict:
        """The move's inputs, by name, from the cleaned fields (what ``perform_action`` checks and reads)."""
        c = self.cleaned_data
        data: dict = {}
        for spec in self.move.inputs:
            name = spec.name
            if spec.kind == "scores":
                word = "score" if name == "scores" else "level"
                values = {element: c.get(f"{word}_{i}") for i, element in enumerate(spec.keys)}
                if any(v is not None for v in values.values()):
                    data[name] = values
            elif name not in self.fields:
                continue  # offered only when it applies (other posts on the same JD version)
            elif name in ("also_regrade", "panel"):
                data[name] = [obj.pk for obj in c.get(name) or []]
            elif name == "matched_agreed":
                if c.get(name) is not None:
                    data[name] = c[name].pk
            elif name in ("recommended_grade", "grade"):
                if c.get(name):
                    data[name] = int(c[name])
            elif c.get(name) not in (None, ""):
                data[name] = c[name]
        return data


class CommentForm(forms.Form):
    """A comment on a case; the confidential box is only offered to HR."""

    text = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
                           max_length=5000, error_messages={"required": "Write the comment before adding it."})
    confidential = forms.BooleanField(label="Confidential HR note (never shown to the staff member)",
                                      required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def __init__(self, *args, allow_confidential: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not allow_confidential:
            del self.fields["confidential"]


class StartAgreedForm(forms.Form):
    """Whose job the Agreed Route request is about: yours, or one of your reports'."""

    subject = forms.ModelChoiceField(queryset=Person.objects.none(), label="Whose job is it about?",
                                     empty_label=None, widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = people


class DraftChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.jd.reference} v{obj.number}: {obj.job_title} ({obj.jd.org_unit.name})"


class StartNewJobForm(forms.Form):
    """Which JD draft the new job is graded from."""

    version = DraftChoiceField(queryset=None, label="Job description draft", empty_label="Choose a draft…",
                               widget=forms.Select(attrs={"class": "form-select"}),
                               error_messages={"required": "Choose the job description draft of the new job.",
                                               "invalid_choice": "Choose one of your job description drafts."})

    grant_funded = forms.BooleanField(
        label="The new post is funded by a grant (HR Services needs a finance approval before completing)",
        required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))
    funding_source = forms.CharField(label="Grant that funds the post", required=False, max_length=200,
                                     widget=forms.TextInput(attrs={"class": "form-control"}))

    def __init__(self, *args, drafts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = drafts

    def clean(self):
        data = super().clean()
        if data.get("grant_funded") and not (data.get("funding_source") or "").strip():
            self.add_error("funding_source", "Name the grant that funds the new post.")
        return data
