"""The REST API of the career record (mounted by gradepath/api/urls.py): one person's record, the same
gate and the same data as the page (policy §4.9)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from gradepath.api.base import ApiView
from gradepath.api.serializers import OrgUnitRefSerializer, PersonRefSerializer
from gradepath.career.permissions import get_career_person_for_user
from gradepath.career.selectors import career_record


class _PayLineSerializer(serializers.Serializer):
    """A line of the pay history: grade and spine point from a date, with the salary of the point then."""

    effective_from = serializers.DateField(source="record.effective_from")
    grade_number = serializers.IntegerField(source="record.grade.number")
    grade_name = serializers.CharField(source="record.grade.name")
    spine_point = serializers.IntegerField(source="record.spine_point")
    reason = serializers.CharField(source="record.reason")
    reason_label = serializers.CharField(source="record.get_reason_display")
    note = serializers.CharField(source="record.note")
    annual_salary = serializers.SerializerMethodField(help_text="The full-time salary of the spine point on that "
                                                                "date (null when none is recorded).")
    status = serializers.SerializerMethodField(
        help_text="“in force” (the line in force today), “coming” (takes effect later) or “past”.")

    class Meta:
        ref_name = "CareerPayLine"

    def get_annual_salary(self, line) -> str | None:
        return None if line.annual_salary is None else f"{line.annual_salary:.2f}"

    def get_status(self, line) -> str:
        return line.status or "past"


class _AppointmentSerializer(serializers.Serializer):
    post_number = serializers.CharField(source="post.post_number")
    post_title = serializers.CharField(source="post.title")
    org_unit = OrgUnitRefSerializer(source="post.org_unit")
    kind = serializers.CharField(help_text="substantive, secondment or acting_up")
    kind_label = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    current = serializers.BooleanField(source="is_current_today")

    class Meta:
        ref_name = "CareerAppointment"


class _EntrySerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField(allow_null=True)
    title = serializers.CharField()
    status = serializers.CharField()
    detail = serializers.CharField()
    reference = serializers.CharField()
    link = serializers.CharField(help_text="The record's page; empty when the caller may not open it.")

    class Meta:
        ref_name = "CareerEntry"


class _SectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    entries = _EntrySerializer(many=True)

    class Meta:
        ref_name = "CareerSection"


class CareerRecordOutputSerializer(serializers.Serializer):
    """A person's career record: pay history (newest first), appointments (newest first) and one section per
    kind of record (grading cases, appraisals, secondments, …), each listing its entries newest first."""

    person = PersonRefSerializer()
    employee_number = serializers.CharField(source="person.employee_number")
    pay_history = _PayLineSerializer(source="pay_lines", many=True)
    appointments = _AppointmentSerializer(many=True)
    sections = _SectionSerializer(many=True)

    class Meta:
        ref_name = "CareerRecord"


class PersonCareerApi(ApiView):
    """A person's career record (policy §4.9). Seen by the person, their management chain, their HR Business
    Partner, HR Services and administrators; 404 for everyone else."""

    @extend_schema(operation_id="people_career", responses=CareerRecordOutputSerializer)
    def get(self, request, pk: int):
        person = get_career_person_for_user(request.user, pk)
        return Response(CareerRecordOutputSerializer(career_record(person, request.user)).data)


urlpatterns: list = [
    path("people/<int:pk>/career/", PersonCareerApi.as_view(), name="person-career"),
]
