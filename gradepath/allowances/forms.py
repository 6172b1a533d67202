"""Forms of the acting-up and honoraria pages. They only parse input: every change goes through
allowances.services (proposals and moves), which checks it the same way for the API."""

from __future__ import annotations

import datetime as dt

from django import forms

from gradepath.allowances import workflow
from gradepath.allowances.models import Allowance, Kind, Payment
from gradepath.allowances.pay import setting
from gradepath.people.models import Post
from gradepath.workflow.forms import MoveForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReportChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.full_name} ({obj.employee_number})" if getattr(obj, "employee_number", "") else obj.full_name


class _ProposalForm(forms.Form):
    person = ReportChoiceField(queryset=None, label="Member of staff (one of your reports)", empty_label="Choose…",
                               error_messages={"required": "Choose the member of staff.",
                                               "invalid_choice": "Choose one of your reports."})
    start_date = forms.DateField(label="Start date", widget=DATE,
                                 error_messages={"required": "Give the start date.",
                                                 "invalid": "The start date must be a date (YYYY-MM-DD)."})

    def __init__(self, *args, reports, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = reports
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class ActingUpForm(_ProposalForm):
    post_number = forms.CharField(label="Post id of the higher-graded post", max_length=30,
                                  help_text="As on the post's page, for example BIO-0001.",
                                  error_messages={"required": "Give the post id of the higher-graded post."})
    end_date = forms.DateField(label="End date", widget=DATE,
                               error_messages={"required": "Give the end date: acting up is temporary.",
                                               "invalid": "The end date must be a date (YYYY-MM-DD)."})
    duties = forms.CharField(label="The duties taken on (optional)", required=False,
                             widget=forms.Textarea(attrs={"rows": 3}))
    long_reason = forms.CharField(
        label=f"Why it runs longer than {setting('ACTING_UP_NORMAL_MONTHS')} months (only then)", required=False,
        widget=forms.Textarea(attrs={"rows": 2}))
    field_order = ["person", "post_number", "start_date", "end_date", "duties", "long_reason"]

    def clean_post_number(self) -> Post:
        number = self.cleaned_data["post_number"].strip()
        post = Post.objects.filter(post_number__iexact=number).select_related("org_unit").first()
        if post is None:
            raise forms.ValidationError(f"There is no post {number}: check the post id.")
        return post


class HonorariumForm(_ProposalForm):
    duties = forms.CharField(label="The extra duties", widget=forms.Textarea(attrs={"rows": 4}),
                             error_messages={"required": "Describe the extra duties the honorarium is for."})
    amount = forms.IntegerField(label="Amount (£, whole pounds; for a monthly honorarium, each month)",
                                error_messages={"required": "Give the amount in whole pounds.",
                                                "invalid": "The amount must be a whole number of pounds."})
    payment = forms.ChoiceField(label="Paid", choices=[("", "Choose…"), *Payment.choices],
                                error_messages={"required": "Choose how the honorarium is paid."})
    end_date = forms.DateField(label="End of the period (monthly only)", widget=DATE, required=False,
                               error_messages={"invalid": "The end date must be a date (YYYY-MM-DD)."})
    field_order = ["person", "duties", "amount", "payment", "start_date", "end_date"]


class FilterForm(forms.Form):
    kind = forms.ChoiceField(required=False, label="Kind", choices=[("", "Any"), *Kind.choices])
    state = forms.ChoiceField(required=False, label="Step",
                              choices=[("", "Any"), *sorted(workflow.STATES.items(), key=lambda kv: kv[1])])


class MonthForm(forms.Form):
    month = forms.DateField(required=False, input_formats=["%Y-%m"], label="Month",
                            widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
                            error_messages={"invalid": "Give the month as YYYY-MM."})

    def month_or(self, today: dt.date) -> dt.date:
        value = self.cleaned_data.get("month") if self.is_valid() else None
        return (value or today).replace(day=1)


class ActionForm(MoveForm):
    """One available move on one allowance (the engine's move form from the move's declared inputs)."""

    required_reason = workflow.REQUIRED_REASON

    def __init__(self, *args, allowance: Allowance, move, **kwargs):
        self.allowance = allowance
        super().__init__(*args, obj=allowance, move=move, **kwargs)

    # The engine's fields, with this process's sentences for a missing or out-of-range value (the same as
    # the API's, which checks the declared inputs).
    def _kind_date(self, spec) -> None:
        super()._kind_date(spec)
        self.fields[spec.name].error_messages.update(
            required=spec.required_message or f"{spec.label}: this is required.",
            invalid=f"{spec.label} must be a date (YYYY-MM-DD).")

    def _kind_integer(self, spec) -> None:
        super()._kind_integer(spec)
        self.fields[spec.name].error_messages.update(
            required=spec.required_message or f"{spec.label}: this is required.",
            invalid=f"{spec.label}: give a whole number.",
            min_value=f"{spec.label}: at least {spec.min_value:,}." if spec.min_value is not None else "",
            max_value=f"{spec.label}: at most {spec.max_value:,}." if spec.max_value is not None else "")
