"""People: list, detail, update (limited to the fields the caller may change), pay history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from gradepath.api.base import ApiView, paginated, paginated_serializer
from gradepath.api.serializers import OrgUnitRefSerializer, PersonRefSerializer
from gradepath.grades.models import PayRecord, SpineSalary
from gradepath.grades.selectors import coming_changes, coming_pay_records
from gradepath.people import selectors
from gradepath.people.models import Appointment, Person
from gradepath.people.permissions import editable_person_fields, get_person_for_user, visible_people
from gradepath.people.services import update_person

PERSON_ORDERING = ("last_name", "first_name", "pk")


class PersonListApi(ApiView):
    """The people whose records you may open, by surname."""

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        employee_number = serializers.CharField()
        full_name = serializers.CharField()
        first_name = serializers.CharField()
        last_name = serializers.CharField()
        known_as = serializers.CharField()
        work_email = serializers.EmailField()
        staff_category = serializers.CharField()
        is_active = serializers.BooleanField()

        class Meta:
            ref_name = "PersonListItem"

    @extend_schema(
        operation_id="people_list",
        parameters=[OpenApiParameter("q", str, description=(
            "The start of a surname (other words: of the first, known-as or surname), or of a staff number or "
            "work e-mail: the directory's search."))],
        responses=paginated_serializer(OutputSerializer, "PersonList"),
    )
    def get(self, request):
        people = visible_people(request.user).order_by(*PERSON_ORDERING)
        if q := request.query_params.get("q", "").strip():
            people = selectors.search_people(people, q[:200])
        return paginated(self, people, self.OutputSerializer)


class _GradeSpanSerializer(serializers.Serializer):
    """A post's grade for a period (policy §3.4): from ``effective_from`` (null: recorded without a
    date) to ``until`` inclusive (null: until further notice)."""

    grade_number = serializers.IntegerField(source="grade.number")
    grade_name = serializers.CharField(source="grade.name")
    effective_from = serializers.DateField(source="start", allow_null=True)
    until = serializers.DateField(allow_null=True)
    reason = serializers.CharField()
    source = serializers.CharField()
    coming = serializers.BooleanField(help_text="Takes effect after today.")

    class Meta:
        ref_name = "PostGradeSpan"


class _AppointmentSerializer(serializers.Serializer):
    post_number = serializers.CharField(source="post.post_number")
    post_title = serializers.CharField(source="post.title")
    org_unit = OrgUnitRefSerializer(source="post.org_unit")
    kind = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    grade = _GradeSpanSerializer(source="grade_now", allow_null=True,
                                 help_text="The post's grade in force today.")
    coming_grades = _GradeSpanSerializer(source="grade_coming", many=True,
                                         help_text="Grade changes of the post recorded for a later date.")
    grade_history = _GradeSpanSerializer(source="grade_spans", many=True,
                                         help_text="The post's grades during the appointment, oldest first.")

    class Meta:
        ref_name = "PersonAppointment"


class _ComingChangeSerializer(serializers.Serializer):
    """A grade change recorded for a later date: a pay line, or a post's grade line."""

    effective_from = serializers.DateField()
    grade_number = serializers.IntegerField(source="grade.number")
    grade_name = serializers.CharField(source="grade.name")
    spine_point = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    source = serializers.CharField()
    post_number = serializers.CharField(source="post.post_number", allow_null=True, default=None)

    class Meta:
        ref_name = "ComingGradeChange"


class PersonDetailOutputSerializer(serializers.Serializer):
    """One person record, with current appointments and what the caller may change."""

    id = serializers.IntegerField()
    employee_number = serializers.CharField()
    title = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    known_as = serializers.CharField()
    full_name = serializers.CharField()
    work_email = serializers.EmailField()
    staff_category = serializers.CharField()
    line_manager = PersonRefSerializer(allow_null=True)
    probation_end = serializers.DateField(allow_null=True)
    is_active = serializers.BooleanField()
    current_appointments = serializers.SerializerMethodField()
    coming_changes = serializers.SerializerMethodField()
    editable_fields = serializers.SerializerMethodField()

    class Meta:
        ref_name = "PersonDetail"

    def _current(self, person: Person) -> list[Appointment]:
        cache = self.context.setdefault("_current_appointments", {})
        if person.pk not in cache:
            items = selectors.current_appointments(person, timezone.localdate())
            cache[person.pk] = sorted(items, key=lambda a: (a.start_date, a.pk))
        return cache[person.pk]

    @extend_schema_field(_AppointmentSerializer(many=True))
    def get_current_appointments(self, person: Person) -> list[dict]:
        return _AppointmentSerializer(self._current(person), many=True).data

    @extend_schema_field(_ComingChangeSerializer(many=True))
    def get_coming_changes(self, person: Person) -> list[dict]:
        """Grade changes recorded for a later date, soonest first (policy §3.4)."""
        changes = coming_changes(coming_pay_records(person), self._current(person))
        return _ComingChangeSerializer(changes, many=True).data

    def get_editable_fields(self, person: Person) -> list[str]:
        return list(editable_person_fields(self.context["request"].user, person))


class PersonDetailApi(ApiView):
    """One person record (404 if it is not yours to see)."""

    @extend_schema(operation_id="people_retrieve", responses=PersonDetailOutputSerializer)
    def get(self, request, pk: int):
        person = get_person_for_user(request.user, pk)
        return Response(PersonDetailOutputSerializer(person, context={"request": request}).data)


class PersonUpdateApi(ApiView):
    """Change fields of a person record: only those the caller may change.

    Yourself: your known-as name. HR Services and administrators: the record's fields.
    A line manager may read a report's record but not change it (403).
    """

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=20, allow_blank=True, required=False)
        first_name = serializers.CharField(max_length=100, required=False)
        last_name = serializers.CharField(max_length=100, required=False)
        known_as = serializers.CharField(max_length=100, allow_blank=True, required=False)
        work_email = serializers.EmailField(required=False)
        staff_category = serializers.ChoiceField(choices=Person.StaffCategory.choices, required=False)
        line_manager = serializers.PrimaryKeyRelatedField(
            queryset=Person.objects.none(), allow_null=True, required=False
        )
        probation_end = serializers.DateField(allow_null=True, required=False)
        is_active = serializers.BooleanField(required=False)

        class Meta:
            ref_name = "PersonUpdateInput"

        def __init__(self, *args, user=None, **kwargs):
            super().__init__(*args, **kwargs)
            # A line manager can only be someone the caller can see: other ids look missing.
            self.fields["line_manager"].queryset = visible_people(user)

    @extend_schema(operation_id="people_update", request=InputSerializer, responses=PersonDetailOutputSerializer)
    def patch(self, request, pk: int):
        person = get_person_for_user(request.user, pk)
        serializer = self.InputSerializer(data=request.data, partial=True, user=request.user)
        unknown = sorted(set(request.data) - set(serializer.fields))
        if unknown:
            raise serializers.ValidationError(
                {"detail": f"These fields cannot be changed here: {', '.join(unknown)}."}
            )
        serializer.is_valid(raise_exception=True)
        if not serializer.validated_data:
            raise serializers.ValidationError({"detail": "Send at least one field to change."})
        person = update_person(actor=request.user, person=person, changes=dict(serializer.validated_data))
        return Response(PersonDetailOutputSerializer(person, context={"request": request}).data)


class PersonPayHistoryApi(ApiView):
    """A person's grade and spine point over time, newest first, with the salary in force then."""

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        grade_number = serializers.IntegerField(source="grade.number")
        grade_name = serializers.CharField(source="grade.name")
        spine_point = serializers.IntegerField()
        zone = serializers.SerializerMethodField()
        effective_from = serializers.DateField()
        reason = serializers.CharField()
        reason_label = serializers.CharField(source="get_reason_display")
        annual_salary = serializers.SerializerMethodField()
        note = serializers.CharField()
        status = serializers.SerializerMethodField(
            help_text="“in force” (the line in force today), “coming” (takes effect later) or “past”.")

        class Meta:
            ref_name = "PayRecord"

        def get_zone(self, record: PayRecord) -> str:
            return record.grade.zone_of(record.spine_point)

        def get_status(self, record: PayRecord) -> str:
            if record.effective_from > self.context["today"]:
                return "coming"
            return "in force" if record.pk == self.context["in_force_id"] else "past"

        def get_annual_salary(self, record: PayRecord) -> str | None:
            salary = self.context["salary_of"](record.spine_point, record.effective_from)
            return None if salary is None else f"{salary:.2f}"

    @extend_schema(
        operation_id="people_pay_history",
        responses=paginated_serializer(OutputSerializer, "PayHistory"),
    )
    def get(self, request, pk: int):
        person = get_person_for_user(request.user, pk)
        records = PayRecord.objects.filter(person=person).select_related("grade").order_by("-effective_from", "-id")
        today = timezone.localdate()
        in_force = records.filter(effective_from__lte=today).values_list("pk", flat=True).first()
        return paginated(self, records, self.OutputSerializer,
                         context={"salary_of": _salaries_for(records), "today": today, "in_force_id": in_force})


def _salaries_for(records) -> Callable[[int, dt.date], Decimal | None]:
    """salary_of(spine point, date): the annual salary in force on that date, from one query."""
    points = set(records.values_list("spine_point", flat=True))
    by_point: dict[int, list[tuple[dt.date, Decimal]]] = {}
    for point, effective_from, salary in (
        SpineSalary.objects.filter(point__number__in=points)
        .order_by("point__number", "-effective_from")
        .values_list("point__number", "effective_from", "annual_salary")
    ):
        by_point.setdefault(point, []).append((effective_from, salary))

    def salary_of(point: int, on: dt.date) -> Decimal | None:
        return next((salary for start, salary in by_point.get(point, []) if start <= on), None)

    return salary_of
