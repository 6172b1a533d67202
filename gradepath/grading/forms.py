"""Forms of the grading pages. They only parse input: every change goes through
grading.services (actions) or grading.comments (comments).

:class:`ActionForm` is the engine's move form (``workflow.forms.MoveForm``: the fields of a move are
its declared inputs, so the page and the API take exactly the same fields) with grading's widgets.
"""

from __future__ import annotations

from django import forms
from django.db.models import Prefetch
from django.urls import reverse

from gradepath.core.inputs import InputField
from gradepath.core.widgets import SearchSelect, SearchSelectMultiple
from gradepath.grades.models import Grade, GradeStructure
from gradepath.grading import services, workflow
from gradepath.grading.models import GradingCase, Outcome, Route
from gradepath.jobs.matching import match_version
from gradepath.jobs.models import AgreedJD
from gradepath.jobs.search import agreed_label
from gradepath.people.models import Appointment, Person
from gradepath.people.search import person_label
from gradepath.workflow.forms import MoveForm

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
        return agreed_label(obj)


def _closest_agreed(case: GradingCase):
    """The matcher's closest current agreed JD to the case's proposed JD (what its match page shows
    first), or None."""
    matches = match_version(case.proposed_version, k=1).matches
    return matches[0] if matches else None


class PostChoiceField(forms.ModelMultipleChoiceField):
    """Posts with their unit and current holders ("vacant" when nobody holds them)."""

    def label_from_instance(self, obj) -> str:
        holders = ", ".join(a.person.full_name for a in getattr(obj, "current_appointments", []))
        return f"{obj.post_number} {obj.title}, {obj.org_unit.name} ({holders or 'vacant'})"


REQUIRED_REASON = "Give a reason: it is kept with the case and shown to the people involved."


class ActionForm(MoveForm):
    """The form of one available move on one case (the engine's :class:`MoveForm`, built from the move's
    declared inputs), with grading's own widgets: grades to choose from, the agreed JD and panel pickers,
    the other posts on the JD version, the effective date the policy gives."""

    required_reason = REQUIRED_REASON

    def __init__(self, *args, case: GradingCase, move: workflow.Move, **kwargs):
        self.case = case
        super().__init__(*args, obj=case, move=move, **kwargs)

    def initial_for(self, spec: InputField):
        if spec.kind == "scores":
            return (self.case.evaluation or {}).get(spec.name, {})
        return None

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
        # A search picker (5,000 agreed JDs cannot be listed). Preselected: the case's match, or else the
        # match recorded on the JD's match page, or else, where the match is required, the matcher's closest
        # agreed JD (only when the page is shown: a submitted form is validated, not matched again).
        case = self.case
        needed = "matched_agreed" in self.move.requires
        current = case.matched_agreed_id or (
            case.proposed_version.match_decisions.values_list("agreed_jd_id", flat=True).first())
        help_text = "Type words of the job title, or an AJD reference."
        if current is None and needed and not self.is_bound:
            top = _closest_agreed(case)
            if top is not None:
                current = top.agreed.pk
                help_text = (f"Preselected: the closest agreed job description found by matching ({top.percent}% "
                             "similar). Check it on the match page, or type to choose another.")
        elif current is not None and current != case.matched_agreed_id:
            help_text = "Preselected: the match recorded on the job description's match page. " + help_text
        self.fields["matched_agreed"] = AgreedJDChoiceField(
            label="Agreed job description it matches" + ("" if needed else " (if any)"),
            queryset=AgreedJD.objects.filter(is_current=True).select_related("version", "grade"),
            required=needed and case.matched_agreed_id is None,
            empty_label="Choose an agreed job description…" if needed else "No agreed job description",
            initial=current, help_text=help_text,
            widget=SearchSelect(search_url=reverse("jobs:agreed-search"), noun="agreed job descriptions",
                                placeholder="Type a job title or an AJD reference…" if needed else
                                "None: type a job title or an AJD reference to choose one…"),
            error_messages={"required": "Choose the agreed job description it matches.",
                            "invalid_choice": "Choose a current agreed job description from the library."})

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
        # A search picker over everyone not involved in the case (the search URL is the case's own, which
        # leaves them out); the ids sent back are checked against the same set, and the service checks again.
        involved = services.involved_people(self.case)
        self.fields["panel"] = forms.ModelMultipleChoiceField(
            label=spec.label, queryset=Person.objects.filter(is_active=True).exclude(pk__in=involved),
            widget=SearchSelectMultiple(search_url=reverse("grading:panel-candidates", args=[self.case.pk]),
                                        noun="people", label=person_label,
                                        placeholder="Type a surname, a first name and surname, or a staff number…"),
            help_text="Choose each member in turn: type, then pick them from the list.",
            error_messages={"required": "Choose the members of the appeal panel.",
                            "invalid_choice": "Choose members of staff who are not involved in this case.",
                            "invalid_pk_value": "Choose members of staff who are not involved in this case."})


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


class SubjectChoiceField(forms.ModelChoiceField):
    """The staff member an Agreed Route request is about: you, or one of your reports."""

    def __init__(self, *args, me: Person | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.me = me

    def label_from_instance(self, obj: Person) -> str:
        return f"My own job ({obj.full_name})" if self.me is not None and obj.pk == self.me.pk else person_label(obj)


class StartAgreedForm(forms.Form):
    """Whose job the Agreed Route request is about: yours, or one of your reports'.

    Nobody to choose from but yourself: no question. A few reports: one radio button each. More: a
    search picker over you and your reports (``search_url``); the id sent back is checked against the same
    people either way."""

    RADIO_LIMIT = 10

    subject = SubjectChoiceField(queryset=Person.objects.none(), label="Whose job is it about?", empty_label=None,
                                 error_messages={"required": "Choose whose job the request is about.",
                                                 "invalid_choice": "Choose yourself or one of your reports."})

    def __init__(self, *args, people, me: Person, search_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["subject"]
        field.queryset, field.me = people, me
        self.only_me = not people.exclude(pk=me.pk).exists()
        if self.only_me:
            field.widget = forms.HiddenInput()
        elif people.count() <= self.RADIO_LIMIT:
            field.widget = forms.RadioSelect(attrs={"class": "form-check-input"})
            field.widget.choices = field.choices
        else:
            field.widget = SearchSelect(search_url=search_url, noun="people", label=field.label_from_instance,
                                        placeholder="Type a surname or a staff number…",
                                        attrs={"class": "form-select"})
            field.widget.choices = field.choices
            field.help_text = "Type the start of their surname or first name, or their staff number."


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
