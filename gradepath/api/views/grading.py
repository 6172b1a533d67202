"""Grading cases over the API: list and read cases, their available actions, take an action, and
start a case. The same access gate (grading.services.get_case_for_user: strangers get 404) and the
same services (perform_action, start_*_case) as the pages: an action refused on a page is refused
here with the same message (403 not allowed, 400 bad input, 409 the case has moved on)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from gradepath.api.base import ApiView, choice_filter, paginated, paginated_serializer
from gradepath.api.serializers import OrgUnitRefSerializer, PersonRefSerializer
from gradepath.api.views.workflow import history_serializers, process_endpoints
from gradepath.grading import services, workflow
from gradepath.grading.models import GradingCase, Route
from gradepath.jobs.permissions import get_version_for_user
from gradepath.people.permissions import get_person_for_user
from gradepath.workflow import engine

STATE_CHOICES = sorted(workflow.STATES)


class CaseListItemSerializer(serializers.Serializer):
    """A grading case as listed: what it is about, where it is, and who it is about."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    route = serializers.CharField()
    route_label = serializers.CharField(source="get_route_display")
    state = serializers.CharField()
    state_label = serializers.SerializerMethodField()
    step = serializers.IntegerField()
    title = serializers.CharField()
    org_unit = OrgUnitRefSerializer()
    subject = PersonRefSerializer(allow_null=True)
    post_number = serializers.CharField(source="post.post_number", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "GradingCaseListItem"

    def get_state_label(self, case: GradingCase) -> str:
        return workflow.STATES.get(case.state, case.state)


class _CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = PersonRefSerializer()
    text = serializers.CharField()
    confidential = serializers.BooleanField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "GradingCaseComment"


_EventSerializer, _TaskSerializer = history_serializers(workflow.GRADING, "GradingCase")


class CaseDetailSerializer(CaseListItemSerializer):
    """One grading case: the decisions so far, who must act next, the timeline and the comments
    the caller may read. Confidential HR notes and comments only for HR and the unit's HRBP."""

    line_manager = PersonRefSerializer(allow_null=True)
    initiator = PersonRefSerializer()
    jd = serializers.IntegerField(source="jd_id")
    baseline_version = serializers.IntegerField(source="baseline_version_id", allow_null=True)
    proposed_version = serializers.IntegerField(source="proposed_version_id")
    current_grade = serializers.IntegerField(source="current_grade.number", allow_null=True, default=None)
    recommended_grade = serializers.IntegerField(source="recommended_grade.number", allow_null=True, default=None)
    matched_agreed = serializers.IntegerField(source="matched_agreed_id", allow_null=True)
    grant_funded = serializers.BooleanField()
    fairness_issue = serializers.BooleanField(allow_null=True)
    also_regraded = serializers.ListField(
        child=serializers.IntegerField(), source="also_regraded_ids",
        help_text="Ids of the other posts on the same JD version regraded with this one.")
    outcome = serializers.CharField()
    decided_grade = serializers.IntegerField(source="decided_grade.number", allow_null=True, default=None)
    decided_at = serializers.DateTimeField(allow_null=True)
    effective_date = serializers.DateField(allow_null=True)
    appeal_deadline = serializers.DateField(allow_null=True)
    confidential_hr_notes = serializers.CharField(
        allow_null=True, help_text="Only for HR and the unit's HRBP (never the staff member); null for others.")
    open_tasks = _TaskSerializer(many=True)
    events = _EventSerializer(many=True, source="event_list")
    comments = _CommentSerializer(many=True, source="comment_list")

    class Meta:
        ref_name = "GradingCaseDetail"


def case_detail(user, case: GradingCase) -> dict:
    """The detail shape of ``case`` for ``user``: what they may not read is left out."""
    confidential = services.can_see_confidential(user, case)
    case.open_tasks = engine.open_tasks(case)
    case.also_regraded_ids = list(case.also_regraded.order_by("pk").values_list("pk", flat=True))
    case.event_list = list(case.events.select_related("actor").order_by("step"))
    comments = case.comments.select_related("author").order_by("created_at", "id")
    case.comment_list = list(comments if confidential else comments.filter(confidential=False))
    data = CaseDetailSerializer(case).data
    if not confidential:
        data["confidential_hr_notes"] = None
    return data


class CaseListApi(ApiView):
    """The grading cases you may see, newest first; filter by ``route`` and ``state``."""

    @extend_schema(operation_id="grading_cases_list", parameters=[
        OpenApiParameter("route", str, enum=[r.value for r in Route]),
        OpenApiParameter("state", str, enum=STATE_CHOICES)],
        responses=paginated_serializer(CaseListItemSerializer, "GradingCaseList"))
    def get(self, request):
        cases = services.visible_cases(request.user)
        cases = choice_filter(request, cases, "route", Route.values, f"Choose a route: {', '.join(Route.values)}.")
        cases = choice_filter(request, cases, "state", workflow.STATES, "That is not a state of a grading case.")
        cases = cases.select_related("org_unit", "subject", "post").order_by("-created_at", "-id")
        return paginated(self, cases, CaseListItemSerializer)


class CaseDetailApi(ApiView):
    """One grading case you may see (404 otherwise)."""

    @extend_schema(operation_id="grading_cases_retrieve", responses=CaseDetailSerializer)
    def get(self, request, pk: int):
        return Response(case_detail(request.user, services.get_case_for_user(request.user, pk)))


# What you may do on a case now, and taking an action: the engine's REST pair for the grading process.
CaseActionsApi, CasePerformApi = process_endpoints(
    workflow.GRADING, get_for_user=services.get_case_for_user, detail=case_detail,
    detail_serializer=CaseDetailSerializer, operation_prefix="grading_cases", ref_prefix="GradingCase")


class CaseStartApi(ApiView):
    """Start an Agreed Route or Direct Route case for a post holder (yourself, or for the Agreed
    Route someone you line manage)."""

    class InputSerializer(serializers.Serializer):
        route = serializers.ChoiceField(choices=[Route.AGREED.value, Route.DIRECT.value])
        subject = serializers.IntegerField(help_text="The post holder the case is about (a person id).")

        class Meta:
            ref_name = "GradingCaseStart"

    @extend_schema(operation_id="grading_cases_start", request=InputSerializer,
                   responses={201: CaseDetailSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subject = get_person_for_user(request.user, data.validated_data["subject"])
        start = (services.start_direct_route_case if data.validated_data["route"] == Route.DIRECT
                 else services.start_agreed_route_case)
        case = start(actor=request.user, subject=subject)
        return Response(case_detail(request.user, services.get_case_for_user(request.user, case.pk)),
                        status=status.HTTP_201_CREATED)


class CaseStartNewJobApi(ApiView):
    """Start grading a new job from a version of its job description, saying whether the new post is
    grant-funded and by which grant (the same fields as the page: a grant-funded post needs a finance
    approval before HR Services completes)."""

    class InputSerializer(serializers.Serializer):
        jd_version = serializers.IntegerField(min_value=1, help_text="The JD version (normally the draft) to grade.")
        grant_funded = serializers.BooleanField(required=False, default=False)
        funding_source = serializers.CharField(required=False, default="", allow_blank=True, max_length=200,
                                               help_text="The grant that funds the post (required if grant-funded).")

        class Meta:
            ref_name = "GradingCaseStartNewJob"

    @extend_schema(operation_id="grading_cases_start_new_job", request=InputSerializer,
                   responses={201: CaseDetailSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        version = get_version_for_user(request.user, values["jd_version"])
        case = services.start_new_job_case(actor=request.user, jd_version=version,
                                           grant_funded=values["grant_funded"], funding_source=values["funding_source"])
        return Response(case_detail(request.user, services.get_case_for_user(request.user, case.pk)),
                        status=status.HTTP_201_CREATED)
