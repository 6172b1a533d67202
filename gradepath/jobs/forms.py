"""Forms for job descriptions. They parse input only; every change goes through jobs.services."""

from __future__ import annotations

from django import forms

from gradepath.grades.models import Grade, GradeStructure
from gradepath.jobs.models import JobFamily
from gradepath.people.models import OrgUnit

STAFF_CATEGORIES = [("technical", "Technical"), ("pss", "Professional services")]


def current_grades():
    structure = GradeStructure.objects.in_force()
    return Grade.objects.filter(structure=structure).order_by("number") if structure else Grade.objects.none()


class NewJDForm(forms.Form):
    job_title = forms.CharField(max_length=200, label="Job title")
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label="Department or unit")
    job_family = forms.ModelChoiceField(queryset=JobFamily.objects.all(), label="Job family")
    staff_category = forms.ChoiceField(choices=STAFF_CATEGORIES, label="Staff category")
    area = forms.CharField(max_length=100, required=False, label="Area",
                           help_text="For example Laboratory operations, Finance, Student services.")

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units if units is not None else OrgUnit.objects.none()


class CopyJDForm(forms.Form):
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label="Department or unit of the new job")

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units if units is not None else OrgUnit.objects.none()


class TextSectionForm(forms.Form):
    """One free-text section (purpose, line management, working relationships, additional information)."""

    revision = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6}))


class TitleSectionForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    job_title = forms.CharField(max_length=200, label="Job title")
    job_family = forms.ModelChoiceField(queryset=JobFamily.objects.all(), label="Job family")
    grade = forms.ModelChoiceField(queryset=Grade.objects.none(), required=False, label="Recommended grade",
                                   empty_label="Not yet chosen")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].queryset = current_grades()


class DutiesSectionForm(forms.Form):
    revision = forms.IntegerField(widget=forms.HiddenInput)
    text = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 12}),
                           label="Main duties and responsibilities",
                           help_text="One duty per line, in order of importance.")


class CriterionForm(forms.Form):
    text = forms.CharField(required=False, max_length=2000, label="Criterion")
    kind = forms.ChoiceField(choices=[("essential", "Essential"), ("desirable", "Desirable")], label="Essential or desirable")
    assessed = forms.ChoiceField(choices=[("application", "Application"), ("interview", "Interview"),
                                          ("both", "Application and interview")], label="Assessed at")


CriteriaFormSet = forms.formset_factory(CriterionForm, extra=3, max_num=60, validate_max=True)


class LogAgreedForm(forms.Form):
    grade = forms.ModelChoiceField(queryset=Grade.objects.none(), label="Agreed grade")
    area = forms.CharField(max_length=100, required=False, label="Area in the library")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].queryset = current_grades()


class LibraryFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search", max_length=200)
    job_family = forms.ModelChoiceField(queryset=JobFamily.objects.all(), required=False, label="Job family",
                                        empty_label="Any family")
    grade = forms.TypedChoiceField(choices=[("", "Any grade")] + [(str(n), f"Grade {n}") for n in range(1, 11)],
                                   required=False, coerce=int, empty_value=None, label="Grade")
    area = forms.CharField(required=False, max_length=100, label="Area")
    staff_category = forms.ChoiceField(choices=[("", "Any category")] + STAFF_CATEGORIES, required=False,
                                       label="Staff category")


class ImportDocxForm(forms.Form):
    document = forms.FileField(label="Word document (.docx)",
                               help_text="A job description saved as .docx. Tracked changes are kept: the original "
                                         "text and the proposed text become two versions.")
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label="Department or unit", required=False)
    job_family = forms.ModelChoiceField(queryset=JobFamily.objects.all(), label="Job family", required=False)
    staff_category = forms.ChoiceField(choices=STAFF_CATEGORIES, label="Staff category", required=False)
    area = forms.CharField(max_length=100, required=False, label="Area")

    def __init__(self, *args, units=None, for_existing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units if units is not None else OrgUnit.objects.none()
        self.for_existing = for_existing
        if for_existing:
            for name in ("org_unit", "staff_category", "area"):
                del self.fields[name]
            self.fields["job_family"].help_text = "Leave empty to keep the job description's family."

    def clean_document(self):
        from django.conf import settings

        document = self.cleaned_data["document"]
        if document.size > settings.GRADEPATH_MAX_UPLOAD_BYTES:
            limit = settings.GRADEPATH_MAX_UPLOAD_BYTES // (1024 * 1024)
            raise forms.ValidationError(f"The file is larger than the {limit} MB limit.")
        return document

    def clean(self):
        data = super().clean()
        if not self.for_existing:
            missing = [label for name, label in (("org_unit", "the department or unit"), ("job_family", "the job family"),
                                                  ("staff_category", "the staff category")) if not data.get(name)]
            if missing:
                raise forms.ValidationError(f"Choose {', '.join(missing)} of the new job description.")
        return data
