"""The REST API of accelerated increments and contribution points (mounted by gradepath/api/urls.py): list,
read and start requests, the actions available on one and taking one (the engine's REST pair), and the
faculties' local rounds with their panel. The same access gates (strangers get 404) and the same services
as the pages: a refusal on a page is a refusal here with the same message (403 not allowed, 400 bad input,
409 the request has moved on)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from gradepath.api.base import ApiView, choice_filter, paginated, paginated_serializer
from gradepath.api.serializers import OrgUnitRefSerializer, PersonRefSerializer
from gradepath.api.views.workflow import history_serializers, process_endpoints
from gradepath.people.permissions import get_person_for_user, get_unit_for_user
from gradepath.progression import services, workflow
from gradepath.progression.effects import award_words
from gradepath.progression.models import ProgressionEvent, ProgressionRequest, Route
from gradepath.workflow import engine

STATE_CHOICES = sorted(workflow.STATES)


class RequestListItemSerializer(serializers.Serializer):
    """A request as listed: whom it is for, the award, and where it is."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    route = serializers.CharField()
    route_label = serializers.CharField(source="get_route_display")
    state = serializers.CharField()
    state_label = serializers.SerializerMethodField()
    step = serializers.IntegerField()
    subject = PersonRefSerializer()
    org_unit = OrgUnitRefSerializer()
    grade = serializers.IntegerField(source="grade.number")
    current_point = serializers.IntegerField()
    new_point = serializers.IntegerField()
    points = serializers.IntegerField()
    kind = serializers.CharField()
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "ProgressionRequestListItem"

    def get_state_label(self, obj: ProgressionRequest) -> str:
        return workflow.STATES.get(obj.state, obj.state)


_EventSerializer, _TaskSerializer = history_serializers(workflow.PROGRESSION, "Progression")


class RequestDetailSerializer(RequestListItemSerializer):
    """One request: its criteria, the review it rests on (or the warning), the comments, the decision, the
    effective date and cost, who must act next and its events."""

    initiator = PersonRefSerializer()
    award = serializers.CharField(source="award_text")
    decider_role = serializers.CharField()
    local_round = serializers.IntegerField(source="local_round_id", allow_null=True)
    exceptional_reason = serializers.CharField()
    performance_from = serializers.DateField()
    performance_to = serializers.DateField()
    performance = serializers.CharField()
    objectives_met = serializers.CharField()
    evidence = serializers.CharField()
    review_date = serializers.DateField(allow_null=True)
    review_kind = serializers.CharField()
    review_reference = serializers.CharField()
    review_warning = serializers.CharField(help_text="Not empty when no review within the last 6 months was found.")
    hod_comments = serializers.CharField()
    fm_comments = serializers.CharField()
    approved_on = serializers.DateField(allow_null=True)
    effective_date = serializers.DateField(allow_null=True)
    cost_to_year_end = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    charged_to = serializers.CharField()
    pay_record = serializers.IntegerField(source="pay_record_id", allow_null=True)
    open_tasks = _TaskSerializer(many=True)
    events = _EventSerializer(many=True, source="event_list")

    class Meta:
        ref_name = "ProgressionRequestDetail"


def request_detail(user, obj: ProgressionRequest) -> dict:
    obj.award_text = award_words(obj)
    obj.open_tasks = engine.open_tasks(obj)
    obj.event_list = list(ProgressionEvent.objects.filter(request=obj).select_related("actor").order_by("step"))
    return RequestDetailSerializer(obj).data


class RequestListApi(ApiView):
    """The requests you may see, newest first; filter by ``route`` and ``state``."""

    @extend_schema(operation_id="progression_requests_list", parameters=[
        OpenApiParameter("route", str, enum=list(Route.values)), OpenApiParameter("state", str, enum=STATE_CHOICES)],
        responses=paginated_serializer(RequestListItemSerializer, "ProgressionRequestList"))
    def get(self, request):
        found = services.visible_requests(request.user)
        found = choice_filter(request, found, "route", Route.values, f"Choose a route: {', '.join(Route.values)}.")
        found = choice_filter(request, found, "state", workflow.STATES, "That is not a step of a request.")
        found = found.select_related("subject", "org_unit", "grade").order_by("-created_at", "-id")
        return paginated(self, found, RequestListItemSerializer)


class RequestDetailApi(ApiView):
    """One request you may see (404 otherwise)."""

    @extend_schema(operation_id="progression_requests_retrieve", responses=RequestDetailSerializer)
    def get(self, request, pk: int):
        return Response(request_detail(request.user, services.get_request_for_user(request.user, pk)))


RequestActionsApi, RequestPerformApi = process_endpoints(
    workflow.PROGRESSION, get_for_user=services.get_request_for_user, detail=request_detail,
    detail_serializer=RequestDetailSerializer, operation_prefix="progression_requests",
    ref_prefix="ProgressionRequest")


class RequestStartApi(ApiView):
    """Apply: ``route`` "hod" (the HoD applies for a member of their department) or "direct" (the staff member
    applies to the Dean for themselves); ``data`` holds the request's fields (points, exceptional_reason,
    performance_from, performance_to, performance, objectives_met, evidence, local_round), checked exactly as
    the page checks them."""

    class InputSerializer(serializers.Serializer):
        route = serializers.ChoiceField(choices=list(Route.values))
        subject = serializers.IntegerField(min_value=1, max_value=2**62, help_text="The staff member (a person id).")
        data = serializers.DictField(help_text="The request's fields (see the description).")

        class Meta:
            ref_name = "ProgressionRequestStart"

    @extend_schema(operation_id="progression_requests_start", request=InputSerializer,
                   responses={201: RequestDetailSerializer})
    def post(self, request):
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = given.validated_data
        subject = get_person_for_user(request.user, values["subject"])
        created = services.start_request(actor=request.user, route=values["route"], subject=subject,
                                         data=values["data"])
        return Response(request_detail(request.user, services.get_request_for_user(request.user, created.pk)),
                        status=status.HTTP_201_CREATED)


class RoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    faculty = OrgUnitRefSerializer()
    deadline = serializers.DateField()
    budget = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ref_name = "ProgressionRound"


class RoundListApi(ApiView):
    """The local rounds you may see (newest deadline first)."""

    @extend_schema(operation_id="progression_rounds_list",
                   responses=paginated_serializer(RoundSerializer, "ProgressionRoundList"))
    def get(self, request):
        rounds = services.visible_rounds(request.user).select_related("faculty").order_by("-deadline", "-id")
        return paginated(self, rounds, RoundSerializer)


class RoundOpenApi(ApiView):
    """Open a faculty's local round (its Dean or FM/HPS, or HR Services): ``data`` holds name, deadline and
    budget."""

    class InputSerializer(serializers.Serializer):
        faculty = serializers.IntegerField(min_value=1, max_value=2**62)
        data = serializers.DictField()

        class Meta:
            ref_name = "ProgressionRoundOpen"

    @extend_schema(operation_id="progression_rounds_open", request=InputSerializer, responses={201: RoundSerializer})
    def post(self, request):
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        faculty = get_unit_for_user(request.user, given.validated_data["faculty"])
        found = services.open_round(actor=request.user, faculty=faculty, data=given.validated_data["data"])
        return Response(RoundSerializer(found).data, status=status.HTTP_201_CREATED)


class PanelRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    request = RequestListItemSerializer()
    cost_to_year_end = serializers.DecimalField(source="request.cost_to_year_end", max_digits=12, decimal_places=2,
                                                allow_null=True)
    cumulative = serializers.DecimalField(max_digits=14, decimal_places=2)
    fits = serializers.BooleanField()

    class Meta:
        ref_name = "ProgressionPanelRow"


class PanelSerializer(serializers.Serializer):
    round = RoundSerializer()
    spent = serializers.DecimalField(max_digits=14, decimal_places=2)
    remaining = serializers.DecimalField(max_digits=14, decimal_places=2)
    ranked = PanelRowSerializer(many=True)

    class Meta:
        ref_name = "ProgressionPanel"


class RoundPanelApi(ApiView):
    """A round's panel: the requests still to decide, ranked against what remains of the budget."""

    @extend_schema(operation_id="progression_rounds_panel", responses=PanelSerializer)
    def get(self, request, pk: int):
        return Response(PanelSerializer(services.round_panel(services.get_round_for_user(request.user, pk))).data)


urlpatterns = [
    path("progression/requests/", RequestListApi.as_view(), name="progression-request-list"),
    path("progression/requests/start/", RequestStartApi.as_view(), name="progression-request-start"),
    path("progression/requests/<int:pk>/", RequestDetailApi.as_view(), name="progression-request-detail"),
    path("progression/requests/<int:pk>/actions/", RequestActionsApi.as_view(), name="progression-request-actions"),
    path("progression/requests/<int:pk>/perform/", RequestPerformApi.as_view(), name="progression-request-perform"),
    path("progression/rounds/", RoundListApi.as_view(), name="progression-round-list"),
    path("progression/rounds/open/", RoundOpenApi.as_view(), name="progression-round-open"),
    path("progression/rounds/<int:pk>/panel/", RoundPanelApi.as_view(), name="progression-round-panel"),
]
