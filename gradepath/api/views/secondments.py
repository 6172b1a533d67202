"""Secondments over the API (mounted by gradepath/api/urls.py): the opportunity board (list, read,
post, close, withdraw, apply), applications and secondments (list, read, the actions available now and
taking one), and the redeployment register (HR Services). The same gates
(:mod:`gradepath.secondments.permissions`: strangers get 404) and the same services as the pages: a
change refused on a page is refused here with the same sentence (403 not allowed, 400 bad input, 409 the
record has moved on)."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from gradepath.api.base import ApiView, paginated, paginated_serializer
from gradepath.api.serializers import OrgUnitRefSerializer, PersonRefSerializer
from gradepath.api.views.workflow import history_serializers, process_endpoints
from gradepath.secondments import selectors, services, workflow
from gradepath.secondments.effects import ENDING
from gradepath.secondments.models import RedeploymentEntry, Secondment
from gradepath.secondments.permissions import (
    get_opportunity_for_user,
    get_secondment_for_user,
    keeps_register,
    visible_register,
)
from gradepath.workflow import engine


class OpportunitySerializer(serializers.Serializer):
    """An opportunity on the board: why, where, at which grade and FTE, when, and whether it is internal only."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    reason = serializers.CharField()
    reason_label = serializers.CharField(source="get_reason_display")
    description = serializers.CharField()
    host_unit = OrgUnitRefSerializer()
    post = serializers.IntegerField(source="post_id")
    grade = serializers.IntegerField(source="grade.number")
    fte = serializers.DecimalField(max_digits=4, decimal_places=2)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    closing_date = serializers.DateField()
    register_until = serializers.DateField(help_text="Until this day only people on the redeployment register see "
                                                     "it and may apply.")
    internal_only = serializers.BooleanField(help_text="Under the internal-only length (12 months): advertised "
                                                       "internally only.")
    status = serializers.CharField()
    host_manager = PersonRefSerializer()

    class Meta:
        ref_name = "SecondmentOpportunity"


class SecondmentListItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    state = serializers.CharField()
    state_label = serializers.SerializerMethodField()
    step = serializers.IntegerField()
    title = serializers.CharField()
    opportunity = serializers.IntegerField(source="opportunity_id")
    applicant = PersonRefSerializer()
    home_unit = OrgUnitRefSerializer()
    host_unit = OrgUnitRefSerializer()
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()

    class Meta:
        ref_name = "SecondmentListItem"

    def get_state_label(self, s) -> str:
        return workflow.STATES.get(s.state, s.state)


_EventSerializer, _TaskSerializer = history_serializers(workflow.SECONDMENTS, "Secondment")


class SecondmentDetailSerializer(SecondmentListItemSerializer):
    """One application or secondment: the statement, the dates and plan, the pay lines, the tasks and moves."""

    home_manager = PersonRefSerializer()
    host_manager = PersonRefSerializer()
    statement = serializers.CharField()
    evidence = serializers.CharField()
    development_plan = serializers.CharField()
    original_end_date = serializers.DateField(allow_null=True)
    requested_end_date = serializers.DateField(allow_null=True)
    returned_on = serializers.DateField(allow_null=True)
    appointment = serializers.IntegerField(source="appointment_id", allow_null=True)
    substantive_appointment = serializers.IntegerField(source="substantive_id", allow_null=True)
    open_tasks = _TaskSerializer(many=True)
    events = _EventSerializer(many=True, source="event_list")

    class Meta:
        ref_name = "SecondmentDetail"


def secondment_detail(user, secondment: Secondment) -> dict:
    secondment.open_tasks = engine.open_tasks(secondment)
    secondment.event_list = selectors.events_of(secondment)
    return SecondmentDetailSerializer(secondment).data


class OpportunityListApi(ApiView):
    """Open opportunities you may see and apply for now, soonest closing first (``q`` searches titles)."""

    @extend_schema(operation_id="secondment_opportunities_list", parameters=[OpenApiParameter("q", str)],
                   responses=paginated_serializer(OpportunitySerializer, "SecondmentOpportunityList"))
    def get(self, request):
        rows = selectors.board(request.user, q=request.query_params.get("q", "").strip()[:100])
        return paginated(self, rows.select_related("host_manager"), OpportunitySerializer)


class OpportunityCreateApi(ApiView):
    """Post an opportunity (as its host manager; HR Services name the host manager)."""

    class InputSerializer(serializers.Serializer):
        data = serializers.DictField(help_text="The fields: post, title, reason, description, fte, start_date, "
                                               "end_date, closing_date, host_manager (HR Services).")

        class Meta:
            ref_name = "SecondmentOpportunityCreate"

    @extend_schema(operation_id="secondment_opportunities_create", request=InputSerializer,
                   responses={201: OpportunitySerializer})
    def post(self, request):
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        opportunity = services.post_opportunity(actor=request.user, data=given.validated_data["data"])
        return Response(OpportunitySerializer(get_opportunity_for_user(request.user, opportunity.pk)).data,
                        status=status.HTTP_201_CREATED)


class OpportunityDetailApi(ApiView):
    @extend_schema(operation_id="secondment_opportunities_retrieve", responses=OpportunitySerializer)
    def get(self, request, pk: int):
        return Response(OpportunitySerializer(get_opportunity_for_user(request.user, pk)).data)


class OpportunityCloseApi(ApiView):
    @extend_schema(operation_id="secondment_opportunities_close", request=None, responses=OpportunitySerializer)
    def post(self, request, pk: int):
        opportunity = services.close_opportunity(actor=request.user,
                                                 opportunity=get_opportunity_for_user(request.user, pk))
        return Response(OpportunitySerializer(get_opportunity_for_user(request.user, opportunity.pk)).data)


class OpportunityWithdrawApi(ApiView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300)

        class Meta:
            ref_name = "SecondmentOpportunityWithdraw"

    @extend_schema(operation_id="secondment_opportunities_withdraw", request=InputSerializer,
                   responses=OpportunitySerializer)
    def post(self, request, pk: int):
        opportunity = get_opportunity_for_user(request.user, pk)
        reason = request.data.get("reason", "")
        opportunity = services.withdraw_opportunity(actor=request.user, opportunity=opportunity,
                                                    reason=reason if isinstance(reason, str) else "")
        return Response(OpportunitySerializer(get_opportunity_for_user(request.user, opportunity.pk)).data)


class OpportunityApplyApi(ApiView):
    """Apply for an opportunity with a statement and evidence."""

    class InputSerializer(serializers.Serializer):
        data = serializers.DictField(help_text="statement (required), evidence.")

        class Meta:
            ref_name = "SecondmentApply"

    @extend_schema(operation_id="secondment_opportunities_apply", request=InputSerializer,
                   responses={201: SecondmentDetailSerializer})
    def post(self, request, pk: int):
        opportunity = get_opportunity_for_user(request.user, pk)
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        secondment = services.apply(actor=request.user, opportunity=opportunity, data=given.validated_data["data"])
        return Response(secondment_detail(request.user, get_secondment_for_user(request.user, secondment.pk)),
                        status=status.HTTP_201_CREATED)


class SecondmentListApi(ApiView):
    """Applications and secondments you may see, newest first; filter by ``state``."""

    @extend_schema(operation_id="secondments_list", parameters=[
        OpenApiParameter("state", str, enum=sorted(workflow.STATES))],
        responses=paginated_serializer(SecondmentListItemSerializer, "SecondmentList"))
    def get(self, request):
        state = request.query_params.get("state", "").strip()
        if state and state not in workflow.STATES:
            raise ValidationError({"state": "That is not a step of a secondment."})
        return paginated(self, selectors.secondment_list(request.user, state=state), SecondmentListItemSerializer)


class SecondmentDetailApi(ApiView):
    @extend_schema(operation_id="secondments_retrieve", responses=SecondmentDetailSerializer)
    def get(self, request, pk: int):
        return Response(secondment_detail(request.user, get_secondment_for_user(request.user, pk)))


_ActionsApi, _PerformApi = process_endpoints(
    workflow.SECONDMENTS, get_for_user=get_secondment_for_user, detail=secondment_detail,
    detail_serializer=SecondmentDetailSerializer, operation_prefix="secondments", ref_prefix="Secondment")


class SecondmentActionsApi(_ActionsApi):
    pass


class SecondmentPerformApi(_PerformApi):
    """The engine's perform, with the release's own refusal: only the home line manager releases."""

    @extend_schema(operation_id="secondments_perform", request=_PerformApi.InputSerializer,
                   responses=SecondmentDetailSerializer,
                   description="Take an action on a secondment (see the actions endpoint for what each takes). "
                               "``step`` is the step you saw (409 if it has moved on); the same ``idempotency_key`` "
                               "twice has one effect. A release by anyone but the applicant's home line manager is "
                               "refused with 403 and a sentence saying who may.")
    def post(self, request, pk: int):
        secondment = get_secondment_for_user(request.user, pk)
        action = request.data.get("action")
        services.check_releaser(request.user, secondment, action if isinstance(action, str) else "")
        try:
            return super().post(request, pk)
        finally:
            ENDING.set(None)  # a move that failed after entering "placed" leaves no due date behind


class RegisterEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    person = PersonRefSerializer()
    since = serializers.DateField()
    note = serializers.CharField()

    class Meta:
        ref_name = "RedeploymentEntry"


class RegisterApi(ApiView):
    """The redeployment register (HR Services): list who is on it, or add someone."""

    class InputSerializer(serializers.Serializer):
        data = serializers.DictField(help_text="person (id, required), note.")

        class Meta:
            ref_name = "RedeploymentEntryCreate"

    @extend_schema(operation_id="secondment_register_list",
                   responses=paginated_serializer(RegisterEntrySerializer, "RedeploymentEntryList"))
    def get(self, request):
        if not keeps_register(request.user):
            raise Http404
        rows = (visible_register(request.user).filter(removed_at__isnull=True).select_related("person")
                .order_by("person__last_name", "person__first_name", "id"))
        return paginated(self, rows, RegisterEntrySerializer)

    @extend_schema(operation_id="secondment_register_add", request=InputSerializer,
                   responses={201: RegisterEntrySerializer})
    def post(self, request):
        if not keeps_register(request.user):
            raise Http404
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        entry = services.add_to_register(actor=request.user, data=given.validated_data["data"])
        entry = RedeploymentEntry.objects.select_related("person").get(pk=entry.pk)
        return Response(RegisterEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("secondments/opportunities/", OpportunityListApi.as_view(), name="secondment-opportunity-list"),
    path("secondments/opportunities/create/", OpportunityCreateApi.as_view(), name="secondment-opportunity-create"),
    path("secondments/opportunities/<int:pk>/", OpportunityDetailApi.as_view(), name="secondment-opportunity-detail"),
    path("secondments/opportunities/<int:pk>/close/", OpportunityCloseApi.as_view(),
         name="secondment-opportunity-close"),
    path("secondments/opportunities/<int:pk>/withdraw/", OpportunityWithdrawApi.as_view(),
         name="secondment-opportunity-withdraw"),
    path("secondments/opportunities/<int:pk>/apply/", OpportunityApplyApi.as_view(),
         name="secondment-opportunity-apply"),
    path("secondments/register/", RegisterApi.as_view(), name="secondment-register"),
    path("secondments/", SecondmentListApi.as_view(), name="secondment-list"),
    path("secondments/<int:pk>/", SecondmentDetailApi.as_view(), name="secondment-detail"),
    path("secondments/<int:pk>/actions/", SecondmentActionsApi.as_view(), name="secondment-actions"),
    path("secondments/<int:pk>/perform/", SecondmentPerformApi.as_view(), name="secondment-perform"),
]
