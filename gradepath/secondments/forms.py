"""The forms of the secondment pages. Each hands its values to a service that checks them against the
same declared inputs as the API (``services.OPPORTUNITY_INPUTS``, ``APPLY_INPUTS``, ``REGISTER_INPUTS``);
a move's form is the engine's :class:`gradepath.workflow.forms.MoveForm`."""

from __future__ import annotations

from django import forms

from gradepath.people.models import Post
from gradepath.secondments import workflow
from gradepath.secondments.models import Reason
from gradepath.workflow.forms import MoveForm

TEXT_LIMIT = workflow.TEXT_LIMIT


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)


class MoveActionForm(MoveForm):
    """A secondment move's form: reasons are kept with the record and shown to the people involved."""

    required_reason = workflow.REQUIRED_REASON


class OpportunityForm(forms.Form):
    """Posting an opportunity. A host chooses one of the posts of the units they work in or oversee; HR
    Services give the post's id and name the host manager."""

    title = forms.CharField(label="Title", max_length=200)
    reason = forms.ChoiceField(label="Why the secondment is needed", choices=[("", "Choose…"), *Reason.choices])
    description = forms.CharField(label="What the secondee will do", max_length=TEXT_LIMIT,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    fte = forms.CharField(label="FTE", max_length=6, initial="1", help_text="Between 0.1 and 1.")
    start_date = forms.DateField(label="Start", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    end_date = forms.DateField(label="End", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                               help_text="Under 12 months: advertised internally only.")
    closing_date = forms.DateField(label="Closing date for applications",
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, posts=None, for_hr: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if for_hr:
            self.fields["post"] = forms.IntegerField(label="Host post (its id)", min_value=1)
            self.fields["host_manager"] = forms.IntegerField(
                label="Host manager (their person id)", min_value=1,
                help_text="Who selects and manages the secondee: someone who works in the host unit or oversees it.")
        else:
            self.fields["post"] = forms.ModelChoiceField(label="Host post", queryset=posts if posts is not None
                                                         else Post.objects.none(), empty_label="Choose…")
        self.order_fields(["post", "host_manager", "title", "reason", "description", "fte", "start_date", "end_date",
                           "closing_date"])
        _style(self)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        post = data.get("post")
        data["post"] = post.pk if hasattr(post, "pk") else post
        for name in ("start_date", "end_date", "closing_date"):
            data[name] = data[name].isoformat() if data.get(name) else None
        return {k: v for k, v in data.items() if v not in (None, "")}


class ApplyForm(forms.Form):
    statement = forms.CharField(label="Your statement: why you are applying and what you bring",
                                max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 5}))
    evidence = forms.CharField(label="Evidence (experience, training, links to your records)", required=False,
                               max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, label: str = "Reason", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        _style(self)


class RegisterForm(forms.Form):
    employee_number = forms.CharField(label="Staff number", max_length=20)
    note = forms.CharField(label="Why they are on the register (for HR)", max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _style(self)
