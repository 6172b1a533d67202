"""The REST API of acting up and honoraria (mounted by gradepath/api/urls.py): list and read them, propose
each kind, the actions available on one now and taking one. The same access gate
(allowances.permissions: strangers get 404) and the same services as the pages: a proposal or move refused
on a page is refused here with the same sentence (403 not allowed, 400 bad input, 409 it has moved on)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from gradepath.allowances import services, workflow
from gradepath.allowances.models import Allowance, Kind, Payment
from gradepath.allowances.permissions import get_allowance_for_user, visible_allowances
from gradepath.allowances.rules import REASON_LIMIT, TEXT_LIMIT
from gradepath.api.base import ApiView, choice_filter, paginated, paginated_serializer
from gradepath.api.serializers import OrgUnitRefSerializer, PersonRefSerializer
from gradepath.api.views.workflow import history_serializers, process_endpoints
from gradepath.people.models import Post
from gradepath.people.permissions import get_person_for_user
from gradepath.workflow import engine


class AllowanceListItemSerializer(serializers.Serializer):
    """An acting-up allowance or honorarium as listed."""

    id = serializers.IntegerField()
    reference = serializers.CharField()
    kind = serializers.CharField(help_text="acting_up or honorarium.")
    state = serializers.CharField()
    state_label = serializers.SerializerMethodField()
    step = serializers.IntegerField()
    title = serializers.CharField()
    person = PersonRefSerializer()
    org_unit = OrgUnitRefSerializer()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "AllowanceListItem"

    def get_state_label(self, allowance: Allowance) -> str:
        return workflow.STATES.get(allowance.state, allowance.state)


_EventSerializer, _TaskSerializer = history_serializers(workflow.ALLOWANCES, "Allowance")


class AllowanceDetailSerializer(AllowanceListItemSerializer):
    """One allowance: its terms, the pay or amount decided, who must act next and its moves so far."""

    line_manager = PersonRefSerializer()
    duties = serializers.CharField()
    long_reason = serializers.CharField()
    post = serializers.IntegerField(source="post_id", allow_null=True)
    post_number = serializers.CharField(source="post.post_number", allow_null=True, default=None)
    higher_grade = serializers.IntegerField(source="higher_grade.number", allow_null=True, default=None)
    substantive_grade = serializers.IntegerField(source="substantive_grade.number", allow_null=True, default=None)
    substantive_point = serializers.IntegerField(allow_null=True)
    acting_point = serializers.IntegerField(allow_null=True)
    ended_on = serializers.DateField(allow_null=True)
    payment = serializers.CharField()
    proposed_amount = serializers.IntegerField(allow_null=True)
    hr_amount = serializers.IntegerField(allow_null=True)
    agreed_amount = serializers.IntegerField(allow_null=True)
    open_tasks = _TaskSerializer(many=True)
    events = _EventSerializer(many=True, source="event_list")

    class Meta:
        ref_name = "AllowanceDetail"


def allowance_detail(user, allowance: Allowance) -> dict:
    allowance.open_tasks = engine.open_tasks(allowance)
    allowance.event_list = list(allowance.events.select_related("actor").order_by("step"))
    return AllowanceDetailSerializer(allowance).data


class AllowanceListApi(ApiView):
    """The acting-up allowances and honoraria you may see, most recently changed first; filter by ``kind``
    and ``state``."""

    @extend_schema(operation_id="allowances_list", parameters=[
        OpenApiParameter("kind", str, enum=Kind.values), OpenApiParameter("state", str, enum=sorted(workflow.STATES))],
        responses=paginated_serializer(AllowanceListItemSerializer, "AllowanceList"))
    def get(self, request):
        rows = visible_allowances(request.user)
        rows = choice_filter(request, rows, "kind", Kind.values, f"Choose a kind: {', '.join(Kind.values)}.")
        rows = choice_filter(request, rows, "state", workflow.STATES, "That is not a step of acting up or an honorarium.")
        rows = rows.select_related("person", "org_unit").order_by("-updated_at", "-id")
        return paginated(self, rows, AllowanceListItemSerializer)


class AllowanceDetailApi(ApiView):
    """One acting-up allowance or honorarium you may see (404 otherwise)."""

    @extend_schema(operation_id="allowances_retrieve", responses=AllowanceDetailSerializer)
    def get(self, request, pk: int):
        return Response(allowance_detail(request.user, get_allowance_for_user(request.user, pk)))


AllowanceActionsApi, AllowancePerformApi = process_endpoints(
    workflow.ALLOWANCES, get_for_user=get_allowance_for_user, detail=allowance_detail,
    detail_serializer=AllowanceDetailSerializer, operation_prefix="allowances", ref_prefix="Allowance")


class ProposeActingUpApi(ApiView):
    """As line manager, propose that one of your reports acts up in a higher-graded post (policy §4.8)."""

    class InputSerializer(serializers.Serializer):
        person = serializers.IntegerField(min_value=1, help_text="Your report (a person id).")
        post = serializers.IntegerField(min_value=1, help_text="The higher-graded post (a post id).")
        start_date = serializers.DateField()
        end_date = serializers.DateField()
        duties = serializers.CharField(required=False, default="", allow_blank=True,
                                       help_text=f"At most {TEXT_LIMIT:,} characters.")
        long_reason = serializers.CharField(required=False, default="", allow_blank=True,
                                            help_text="Why it runs longer than the normal 12 months (only then; at "
                                                      f"most {REASON_LIMIT:,} characters).")

        class Meta:
            ref_name = "AllowanceProposeActingUp"

    @extend_schema(operation_id="allowances_propose_acting_up", request=InputSerializer,
                   responses={201: AllowanceDetailSerializer})
    def post(self, request):
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        v = given.validated_data
        person = get_person_for_user(request.user, v["person"])
        post = Post.objects.filter(pk=v["post"]).first()
        if post is None:
            raise ValidationError({"post": "There is no such post."})
        allowance = services.propose_acting_up(actor=request.user, person=person, post=post, start_date=v["start_date"],
                                               end_date=v["end_date"], duties=v["duties"], long_reason=v["long_reason"])
        return Response(allowance_detail(request.user, get_allowance_for_user(request.user, allowance.pk)),
                        status=status.HTTP_201_CREATED)


class ProposeHonorariumApi(ApiView):
    """As line manager, propose an honorarium for one of your reports (policy §4.8)."""

    class InputSerializer(serializers.Serializer):
        person = serializers.IntegerField(min_value=1, help_text="Your report (a person id).")
        duties = serializers.CharField(allow_blank=True, help_text=f"At most {TEXT_LIMIT:,} characters.")
        amount = serializers.IntegerField(help_text="Whole pounds (for a monthly honorarium, each month).")
        payment = serializers.ChoiceField(choices=Payment.choices)
        start_date = serializers.DateField()
        end_date = serializers.DateField(required=False, allow_null=True, default=None)

        class Meta:
            ref_name = "AllowanceProposeHonorarium"

    @extend_schema(operation_id="allowances_propose_honorarium", request=InputSerializer,
                   responses={201: AllowanceDetailSerializer})
    def post(self, request):
        given = self.InputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        v = given.validated_data
        person = get_person_for_user(request.user, v["person"])
        allowance = services.propose_honorarium(actor=request.user, person=person, duties=v["duties"],
                                                amount=v["amount"], payment=v["payment"], start_date=v["start_date"],
                                                end_date=v["end_date"])
        return Response(allowance_detail(request.user, get_allowance_for_user(request.user, allowance.pk)),
                        status=status.HTTP_201_CREATED)


urlpatterns: list = [
    path("allowances/", AllowanceListApi.as_view(), name="allowance-list"),
    path("allowances/propose-acting-up/", ProposeActingUpApi.as_view(), name="allowance-propose-acting-up"),
    path("allowances/propose-honorarium/", ProposeHonorariumApi.as_view(), name="allowance-propose-honorarium"),
    path("allowances/<int:pk>/", AllowanceDetailApi.as_view(), name="allowance-detail"),
    path("allowances/<int:pk>/actions/", AllowanceActionsApi.as_view(), name="allowance-actions"),
    path("allowances/<int:pk>/perform/", AllowancePerformApi.as_view(), name="allowance-perform"),
]
