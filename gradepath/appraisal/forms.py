"""The appraisal pages' forms. The moves' forms are the engine's (built from each move's declared
inputs); the JD review's change and the regrading flag are built from the services' declared inputs,
so the page and the API take the same fields and the service checks them once."""

from __future__ import annotations

from django import forms

from gradepath.appraisal import services
from gradepath.appraisal.models import Appraisal, ResponsibilityChange
from gradepath.core.widgets import SearchSelect
from gradepath.people.models import Person
from gradepath.people.search import person_label
from gradepath.workflow.forms import MoveForm
from gradepath.workflow.process import Move


class ActionForm(MoveForm):
    """One available move on one appraisal."""

    required_reason = "Give a reason: it is kept with the appraisal and shown to the people involved."

    def __init__(self, *args, appraisal: Appraisal, move: Move, **kwargs):
        super().__init__(*args, obj=appraisal, move=move, **kwargs)


def _control(field: forms.Field) -> None:
    widget = field.widget
    css = "form-select" if isinstance(widget, forms.Select) else "form-control"
    widget.attrs.setdefault("class", css)


class ChangeForm(forms.Form):
    """One change of responsibility in the JD review: taken on (new text) or relinquished (a duty of the
    current JD, chosen), with the evidence and the dates."""

    kind = forms.ChoiceField(label="Change", choices=ResponsibilityChange.Kind.choices, widget=forms.RadioSelect,
                             error_messages={"required": "Say whether the responsibility was taken on or "
                                                         "relinquished."})
    duty = forms.CharField(label="Responsibility taken on (as it would read in the JD)", required=False,
                           max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    jd_duty = forms.TypedChoiceField(label="Duty of the current JD relinquished", required=False, coerce=int,
                                     empty_value=None)
    evidence = forms.CharField(label="Evidence", max_length=5000, widget=forms.Textarea(attrs={"rows": 2}),
                               error_messages={"required": "Give the evidence for the change."})
    from_date = forms.DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                error_messages={"required": "Give the date the change began."})
    to_date = forms.DateField(label="To (leave empty if it still holds)", required=False,
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, duties: list[str], **kwargs):
        kwargs.setdefault("prefix", "change")
        super().__init__(*args, **kwargs)
        self.fields["jd_duty"].choices = [("", "Choose a duty…")] + [
            (str(i), f"{i}. {duty[:120]}") for i, duty in enumerate(duties, start=1)]
        for name, f in self.fields.items():
            if name != "kind":
                _control(f)
        self.fields["kind"].widget.attrs["class"] = "form-check-input"

    def service_data(self) -> dict:
        c = self.cleaned_data
        data = {"kind": c["kind"], "evidence": c["evidence"], "from_date": c["from_date"]}
        if c.get("to_date"):
            data["to_date"] = c["to_date"]
        if c["kind"] == ResponsibilityChange.Kind.TAKEN_ON:
            data["duty"] = c.get("duty") or ""
        elif c.get("jd_duty") is not None:
            data["jd_duty"] = c["jd_duty"]
        return data


class FlagForm(forms.Form):
    """A regrading check may be due: the route, and a note for the case."""

    route = forms.ChoiceField(label="Route", widget=forms.RadioSelect,
                              error_messages={"required": "Choose the route: the Agreed Route or the Direct Route."})
    note = forms.CharField(label="Note for the grading case (optional)", required=False, max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}))

    def __init__(self, *args, is_staff_member: bool, **kwargs):
        kwargs.setdefault("prefix", "flag")
        super().__init__(*args, **kwargs)
        choices = [(services.AGREED, "Agreed Route: the staff member, line manager and FM/HPS agree the duties "
                                     "have changed, then the JD is amended")]
        if is_staff_member:
            choices.append((services.DIRECT, "Direct Route: you propose the changes to your JD yourself"))
        self.fields["route"].choices = choices
        self.fields["route"].widget.attrs["class"] = "form-check-input"

    def service_data(self) -> dict:
        data = {"route": self.cleaned_data["route"]}
        if self.cleaned_data.get("note"):
            data["note"] = self.cleaned_data["note"]
        return data


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return person_label(obj)


class StartForm(forms.Form):
    """Whose appraisal, for which year, and the appraiser (empty: the line manager)."""

    subject = PersonChoiceField(queryset=Person.objects.none(), label="Member of staff",
                                error_messages={"required": "Choose the member of staff.",
                                                "invalid_choice": "Choose a member of staff you can see."})
    year = forms.IntegerField(label="Year", min_value=2000, max_value=2100)
    appraiser = PersonChoiceField(queryset=Person.objects.none(), label="Appraiser (leave empty for the line "
                                  "manager)", required=False,
                                  error_messages={"invalid_choice": "Choose a current member of staff."})

    def __init__(self, *args, people, appraisers, search_url: str, appraiser_search_url: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject"].queryset = people
        self.fields["appraiser"].queryset = appraisers
        for name, url in (("subject", search_url), ("appraiser", appraiser_search_url)):
            f = self.fields[name]
            f.widget = SearchSelect(search_url=url, noun="people", label=f.label_from_instance,
                                    placeholder="Type a surname or a staff number…", attrs={"class": "form-select"})
            f.widget.choices = f.choices
        self.fields["year"].widget.attrs["class"] = "form-control"
