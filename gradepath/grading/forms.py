"""Forms of the grading pages. They only parse input: every change goes through
grading.services (actions) or grading.comments (comments).

:class:`ActionForm` is built from the workflow table: the fields of a move are the ones its
``requires`` names (and the few optional ones its service reads), so a new move in the table
gets its form without a new class.
"""

from __future__ import annotations

import uuid

from django import forms
from django.db.models import Prefetch

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


REASON_LABELS = {
    "record_discussion": "Notes of the discussion (when, who, what was said)",
    "record_manager_discussion": "Notes of the discussion with the line manager",
    "record_finance_approval": "Finance approval (who approved, and the reference)",
    "lodge_appeal": "Grounds of appeal",
    "uphold_appeal": "Reasons of the panel",
    "dismiss_appeal": "Reasons of the panel",
}
# Moves that read an optional recommended grade or matched agreed JD as well as the required ones.
OPTIONAL_RECOMMENDATION = ("submit_to_hrbp",)


class PostChoiceField(forms.ModelMultipleChoiceField):
    """Posts with their unit and current holders ("vacant" when nobody holds them)."""

    def label_from_instance(self, obj) -> str:
        holders = ", ".join(a.person.full_name for a in getattr(obj, "current_appointments", []))
        return f"{obj.post_number} {obj.title}, {obj.org_unit.name} ({holders or 'vacant'})"


class ActionForm(forms.Form):
    """The form of one available move on one case, rendered at ``case.step``.

    ``service_data()`` turns the cleaned fields into the data dict that
    :func:`gradepath.grading.services.perform_action` reads.
    """

    step = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, case: GradingCase, move: workflow.Move, **kwargs):
        kwargs.setdefault("prefix", move.action)
        super().__init__(*args, **kwargs)
        self.case, self.move = case, move
        if not self.is_bound:
            self.initial.update(step=case.step, idempotency_key=uuid.uuid4())
        requires, action = move.requires, move.action
        if "recommended_grade" in requires or action in OPTIONAL_RECOMMENDATION:
            self.fields["recommended_grade"] = forms.ChoiceField(
                label="Recommended grade", choices=_grade_choices(), required="recommended_grade" in requires,
                initial=str(case.recommended_grade.number) if case.recommended_grade else "")
        if "recommended_grade" in requires or "matched_agreed" in requires or action in OPTIONAL_RECOMMENDATION:
            # Preselect the case's match, or else the match recorded on the JD's match page.
            current = case.matched_agreed_id or (
                case.proposed_version.match_decisions.values_list("agreed_jd_id", flat=True).first())
            self.fields["matched_agreed"] = AgreedJDChoiceField(
                label="Agreed job description it matches" + ("" if "matched_agreed" in requires else " (if any)"),
                queryset=AgreedJD.objects.filter(is_current=True).select_related("version", "grade")
                .order_by("grade__number", "version__job_title"),
                required="matched_agreed" in requires and case.matched_agreed_id is None,
                empty_label="Choose an agreed job description…" if "matched_agreed" in requires
                else "No agreed job description", initial=current)
        if "evaluation" in requires:
            scores = (case.evaluation or {}).get("scores", {})
            for index, element in enumerate(services.HERA_ELEMENTS):
                self.fields[f"score_{index}"] = forms.IntegerField(
                    label=element.capitalize(), min_value=0, max_value=1000, initial=scores.get(element))
        if "fairness" in requires:
            self.fields["fairness_issue"] = forms.TypedChoiceField(
                label="Is there a knock-on fairness issue for other post holders?", widget=forms.RadioSelect,
                choices=[("no", "No"), ("yes", "Yes")], coerce=lambda v: v == "yes",
                error_messages={"required": "Say whether there is a knock-on fairness issue for other post holders."})
            self.fields["assessment"] = forms.CharField(
                label="Fairness assessment: the impact on other holders of this and similar job descriptions",
                widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                error_messages={"required": "Record the fairness assessment."})
            self.fields["resolution"] = forms.CharField(
                label="How the issue was resolved (if there is one)", required=False,
                widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
            sharing = services.posts_sharing_baseline(case).prefetch_related(Prefetch(
                "appointments", to_attr="current_appointments",
                queryset=Appointment.objects.current().filter(kind=Appointment.Kind.SUBSTANTIVE)
                .select_related("person").order_by("person__last_name")))
            if sharing.exists():
                self.fields["also_regrade"] = PostChoiceField(
                    label="Other posts on the same JD version to regrade with this one (if that is the resolution)",
                    queryset=sharing, required=False, widget=forms.CheckboxSelectMultiple,
                    help_text="HR Services will update these posts and their holders' pay together with this one.")
        if "outcome" in requires:
            outcomes = Outcome.choices
            if case.route == Route.NEW_JOB:
                outcomes = [c for c in outcomes if c[0] not in (Outcome.REALLOCATION, Outcome.NO_CHANGE)]
            self.fields["outcome"] = forms.ChoiceField(label="Outcome", choices=[("", "Choose the outcome…")]
                                                       + list(outcomes),
                                                       error_messages={"required": "Choose the outcome."})
            self.fields["grade"] = forms.ChoiceField(
                label="Grade decided (for a confirmed or different grade)", choices=_grade_choices(), required=False,
                initial=str(case.recommended_grade.number) if case.recommended_grade else "")
        if action == "uphold_appeal":
            self.fields["grade"] = forms.ChoiceField(label="Grade decided on appeal", choices=_grade_choices(),
                                                     error_messages={"required": "Choose the grade decided on appeal."})
        if action == "process":
            self.fields["effective_date"] = forms.DateField(
                label="Effective date", initial=services.effective_date_for(case),
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                help_text="Policy: the 1st of the month after the complete submission reached the HRBP.")
            self.fields["allowances_stopped"] = forms.CharField(
                label="Allowances stopped (if any)", required=False, max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}))
            self.fields["pay_protection"] = forms.BooleanField(
                label="Record pay protection (keep the current spine point if the new one is lower)", required=False)
        if "panel" in requires:
            involved = services.involved_people(case)
            self.fields["panel"] = forms.ModelMultipleChoiceField(
                label="Panel members (people not involved in this case; choose at least two)",
                queryset=Person.objects.filter(is_active=True).exclude(pk__in=involved)
                .order_by("last_name", "first_name"),
                widget=forms.SelectMultiple(attrs={"size": 8}),
                error_messages={"required": "Choose the members of the appeal panel."})
        if "reason" in requires:
            self.fields["reason"] = forms.CharField(
                label=REASON_LABELS.get(action, "Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000,
                error_messages={"required": "Give a reason: it is kept with the case and shown to the people "
                                            "involved."})
        else:
            self.fields["reason"] = forms.CharField(label="Note for the case record (optional)", required=False,
                                                    widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)
        for f in self.fields.values():
            if isinstance(f.widget, forms.HiddenInput):
                continue
            if isinstance(f.widget, (forms.RadioSelect, forms.CheckboxInput, forms.CheckboxSelectMultiple)):
                f.widget.attrs.setdefault("class", "form-check-input")
            else:
                f.widget.attrs.setdefault("class", "form-select" if isinstance(f.widget, forms.Select)
                                          else "form-control")

    @property
    def score_fields(self):
        return [self[name] for name in self.fields if name.startswith("score_")]

    @property
    def other_fields(self):
        return [self[name] for name in self.fields
                if not name.startswith("score_") and name not in ("step", "idempotency_key")]

    def clean(self):
        data = super().clean()
        if self.fields.get("fairness_issue") and data.get("fairness_issue") and not (data.get("resolution") or "").strip():
            self.add_error("resolution", "There is a knock-on fairness issue: record how it was resolved.")
        return data

    def service_data(self) -> dict:
        """The data dict ``perform_action`` reads for this move."""
        c = self.cleaned_data
        data: dict = {"reason": c.get("reason", "")}
        if c.get("recommended_grade"):
            data["recommended_grade"] = int(c["recommended_grade"])
        if c.get("matched_agreed") is not None:
            data["matched_agreed"] = c["matched_agreed"].pk
        if "score_0" in self.fields:
            data["scores"] = {element: c[f"score_{i}"] for i, element in enumerate(services.HERA_ELEMENTS)}
        if "fairness_issue" in self.fields:
            data.update(fairness_issue=c["fairness_issue"], assessment=c["assessment"], resolution=c["resolution"],
                        also_regrade=[p.pk for p in c.get("also_regrade") or []])
        if "outcome" in self.fields:
            data["outcome"] = c["outcome"]
        if c.get("grade"):
            data["grade"] = int(c["grade"])
        if "effective_date" in self.fields:
            data.update(effective_date=c["effective_date"], allowances_stopped=c["allowances_stopped"],
                        pay_protection=c["pay_protection"])
        if "panel" in self.fields:
            data["panel"] = [p.pk for p in c["panel"]]
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
