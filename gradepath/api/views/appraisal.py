"""The REST API of appraisals (mounted by gradepath/api/urls.py): list and read appraisals, start one,
their available moves and taking one (the engine's REST pair), the JD review's changes, flagging a
regrading check, and completion by unit. The same access gate (strangers 404) and the same services as
the pages: what a page refuses is refused here with the same sentence (403 not allowed, 400 bad input,
409 the appraisal has moved on)."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from gradepath.api.base import ApiView, paginated, paginated_serializer
from gradepath.api.serializers import OrgUnitRefSerializer, PersonRefSerializer
from gradepath.api.views.workflow import history_serializers, process_endpoints
from gradepath.appraisal import selectors, services, workflow
from gradepath.appraisal.models import Appraisal
from gradepath.appraisal.permissions import (
    completion_units,
    get_appraisal_for_user,
    visible_appraisals,
)
from gradepath.people.permissions import get_person_for_user
from gradepath.workflow import engine


class AppraisalListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    year = serializers.IntegerField()
    state = serializers.CharField()
    state_label = serializers.SerializerMethodField()
    step = serializers.IntegerField()
    subject = PersonRefSerializer()
    appraiser = PersonRefSerializer()
    org_unit = OrgUnitRefSerializer()
    due_on = serializers.DateField()
    completed_on = serializers.DateField(allow_null=True)
    regrading_reference = serializers.CharField()

    class Meta:
        ref_name = "AppraisalListItem"

    def get_state_label(self, appraisal: Appraisal) -> str:
        return selectors.state_label(appraisal.state)


class _ChangeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    duty = serializers.CharField()
    evidence = serializers.CharField()
    from_date = serializers.DateField()
    to_date = serializers.DateField(allow_null=True)
    recorded_by = PersonRefSerializer()

    class Meta:
        ref_name = "AppraisalResponsibilityChange"


_EventSerializer, _TaskSerializer = history_serializers(workflow.APPRAISAL, "Appraisal")


class AppraisalDetailSerializer(AppraisalListItemSerializer):
    """One appraisal: what each wrote, the sign-offs, the JD review against the current JD's duties
    (numbered from 1: ``jd_duty`` names one), the regrading check flagged, who must act next and the moves so
    far."""

    pre_review = serializers.CharField()
    summary = serializers.CharField()
    objectives = serializers.CharField()
    training_needs = serializers.CharField()
    staff_signed_at = serializers.DateTimeField(allow_null=True)
    appraiser_signed_at = serializers.DateTimeField(allow_null=True)
    jd_version = serializers.IntegerField(source="jd_version_id", allow_null=True)
    jd_duties = serializers.ListField(child=serializers.CharField())
    changes = _ChangeSerializer(many=True, source="change_list")
    regrading_route = serializers.CharField()
    regrading_case_id = serializers.IntegerField(allow_null=True)
    regrading_link = serializers.CharField()
    regrading_suggestion = serializers.CharField()
    open_tasks = _TaskSerializer(many=True)
    events = _EventSerializer(many=True, source="event_list")

    class Meta:
        ref_name = "AppraisalDetail"


def appraisal_detail(user, appraisal: Appraisal) -> dict:
    appraisal.jd_duties = services.jd_duties(appraisal)
    appraisal.change_list = list(appraisal.changes.select_related("recorded_by"))
    appraisal.open_tasks = engine.open_tasks(appraisal)
    appraisal.event_list = list(appraisal.events.select_related("actor").order_by("step"))
    return AppraisalDetailSerializer(appraisal).data


class AppraisalListApi(ApiView):
    """The appraisals you may see, newest year first; filter by ``year`` and ``state``."""

    @extend_schema(operation_id="appraisals_list", parameters=[
        OpenApiParameter("year", int), OpenApiParameter("state", str, enum=sorted(workflow.STATES))],
        responses=paginated_serializer(AppraisalListItemSerializer, "AppraisalList"))
    def get(self, request):
        year = request.query_params.get("year", "").strip()
        if year and not (year.isascii() and year.isdigit() and len(year) == 4):
            raise ValidationError({"year": "Give the year as four digits."})
        state = request.query_params.get("state", "").strip()
        if state and state not in workflow.STATES:
            raise ValidationError({"state": "That is not a step of an appraisal."})
        rows = selectors.appraisal_list(visible_appraisals(request.user), year=int(year) if year else None,
                                        state=state)
        return paginated(self, rows, AppraisalListItemSerializer)

    class InputSerializer(serializers.Serializer):
        subject = serializers.IntegerField(min_value=1, help_text="The member of staff (a person id).")
        year = serializers.IntegerField(min_value=2000, max_value=2100)
        appraiser = serializers.IntegerField(min_value=1, required=False, allow_null=True,
                                             help_text="A person id; empty: the line manager.")

        class Meta:
            ref_name = "AppraisalStart"

    @extend_schema(operation_id="appraisals_create", request=InputSerializer, responses={201: AppraisalDetailSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        subject = get_person_for_user(request.user, values["subject"])
        appraiser = get_person_for_user(request.user, values["appraiser"]) if values.get("appraiser") else None
        appraisal = services.start_appraisal(actor=request.user, subject=subject, year=values["year"],
                                             appraiser=appraiser)
        return Response(appraisal_detail(request.user, get_appraisal_for_user(request.user, appraisal.pk)),
                        status=status.HTTP_201_CREATED)


class AppraisalDetailApi(ApiView):
    """One appraisal you may see (404 otherwise)."""

    @extend_schema(operation_id="appraisals_retrieve", responses=AppraisalDetailSerializer)
    def get(self, request, pk: int):
        return Response(appraisal_detail(request.user, get_appraisal_for_user(request.user, pk)))


AppraisalActionsApi, AppraisalPerformApi = process_endpoints(
    workflow.APPRAISAL, get_for_user=get_appraisal_for_user, detail=appraisal_detail,
    detail_serializer=AppraisalDetailSerializer, operation_prefix="appraisals", ref_prefix="Appraisal")


class AppraisalChangesApi(ApiView):
    """Record a change of responsibility in the JD review (the staff member or the appraiser, while the
    pre-review or the meeting is open). Taken on: ``duty`` (the new duty's text); relinquished:
    ``jd_duty`` (the number of a duty in ``jd_duties``). ``evidence``, ``from_date`` and, if it ended,
    ``to_date``."""

    class InputSerializer(serializers.Serializer):
        kind = serializers.CharField()
        duty = serializers.CharField(required=False, allow_blank=True)
        jd_duty = serializers.IntegerField(required=False, allow_null=True)
        evidence = serializers.CharField(required=False, allow_blank=True)
        from_date = serializers.CharField(required=False)
        to_date = serializers.CharField(required=False, allow_null=True, allow_blank=True)

        class Meta:
            ref_name = "AppraisalChangeInput"

    @extend_schema(operation_id="appraisals_changes_create", request=InputSerializer,
                   responses={201: AppraisalDetailSerializer})
    def post(self, request, pk: int):
        appraisal = get_appraisal_for_user(request.user, pk)
        if not isinstance(request.data, dict):
            raise ValidationError("Send the change as an object of named fields.")
        services.add_change(actor=request.user, appraisal=appraisal, data=dict(request.data))
        return Response(appraisal_detail(request.user, get_appraisal_for_user(request.user, pk)),
                        status=status.HTTP_201_CREATED)


class AppraisalChangeApi(ApiView):
    """Take a change out of the JD review while it is open."""

    @extend_schema(operation_id="appraisals_changes_destroy", responses={200: AppraisalDetailSerializer})
    def delete(self, request, pk: int, change_id: int):
        appraisal = get_appraisal_for_user(request.user, pk)
        services.remove_change(actor=request.user, appraisal=appraisal, change_id=change_id)
        return Response(appraisal_detail(request.user, get_appraisal_for_user(request.user, pk)))


class AppraisalRegradingCheckApi(ApiView):
    """A regrading check may be due: start a grading case from the JD review (``route``: ``agreed``, by the
    staff member or their line manager; ``direct``, by the staff member only), with an optional ``note``."""

    class InputSerializer(serializers.Serializer):
        route = serializers.CharField()
        note = serializers.CharField(required=False, allow_blank=True)

        class Meta:
            ref_name = "AppraisalRegradingCheck"

    @extend_schema(operation_id="appraisals_regrading_check", request=InputSerializer,
                   responses={201: AppraisalDetailSerializer})
    def post(self, request, pk: int):
        appraisal = get_appraisal_for_user(request.user, pk)
        if not isinstance(request.data, dict):
            raise ValidationError("Send the route as an object of named fields.")
        services.flag_regrading_check(actor=request.user, appraisal=appraisal, data=dict(request.data))
        return Response(appraisal_detail(request.user, get_appraisal_for_user(request.user, pk)),
                        status=status.HTTP_201_CREATED)


class _OverdueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    subject = PersonRefSerializer()
    appraiser = PersonRefSerializer()

    class Meta:
        ref_name = "AppraisalOverdue"


class _UnitCompletionSerializer(serializers.Serializer):
    unit_id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    done = serializers.IntegerField()
    open = serializers.IntegerField()
    overdue = serializers.IntegerField()
    overdue_people = _OverdueSerializer(many=True, help_text=f"The first {selectors.OVERDUE_SHOWN} by name.")

    class Meta:
        ref_name = "AppraisalUnitCompletion"


class AppraisalCompletionApi(ApiView):
    """Per unit: the year's appraisals done, open and overdue, with the overdue people. For the FM/HPS,
    HoD and HRBP of units (theirs and below) and HR (all); 404 for anyone else."""

    @extend_schema(operation_id="appraisals_completion", parameters=[OpenApiParameter("year", int)],
                   responses=_UnitCompletionSerializer(many=True))
    def get(self, request):
        units = completion_units(request.user)
        if units is None:
            raise Http404("No such page.")
        year = request.query_params.get("year", "").strip()
        if year and not (year.isascii() and year.isdigit() and len(year) == 4):
            raise ValidationError({"year": "Give the year as four digits."})
        rows = selectors.completion_by_unit(units, year=int(year) if year else timezone.localdate().year)
        return Response(_UnitCompletionSerializer(rows, many=True).data)


urlpatterns = [
    path("appraisals/", AppraisalListApi.as_view(), name="api-appraisals"),
    path("appraisals/completion/", AppraisalCompletionApi.as_view(), name="api-appraisal-completion"),
    path("appraisals/<int:pk>/", AppraisalDetailApi.as_view(), name="api-appraisal"),
    path("appraisals/<int:pk>/actions/", AppraisalActionsApi.as_view(), name="api-appraisal-actions"),
    path("appraisals/<int:pk>/perform/", AppraisalPerformApi.as_view(), name="api-appraisal-perform"),
    path("appraisals/<int:pk>/changes/", AppraisalChangesApi.as_view(), name="api-appraisal-changes"),
    path("appraisals/<int:pk>/changes/<int:change_id>/", AppraisalChangeApi.as_view(), name="api-appraisal-change"),
    path("appraisals/<int:pk>/regrading-check/", AppraisalRegradingCheckApi.as_view(),
         name="api-appraisal-regrading-check"),
]
