"""Delegations: list, detail, grant and revoke, over people.services."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from gradepath.api.base import ApiView, paginated, paginated_serializer
from gradepath.api.serializers import OrgUnitRefSerializer, PersonRefSerializer
from gradepath.people.models import Delegation, UnitRole
from gradepath.people.permissions import (
    get_delegation_for_user,
    visible_delegations,
    visible_people,
    visible_units,
)
from gradepath.people.relations import person_of
from gradepath.people.services import grant_delegation, revoke_delegation

DELEGATION_ORDERING = ("-start_date", "-pk")


class DelegationOutputSerializer(serializers.Serializer):
    """One delegation: who lends which role of which unit to whom, and when."""

    id = serializers.IntegerField()
    delegator = PersonRefSerializer()
    delegate = PersonRefSerializer()
    role = serializers.CharField()
    role_label = serializers.CharField(source="get_role_display")
    org_unit = OrgUnitRefSerializer()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    reason = serializers.CharField()
    is_active = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "Delegation"

    def get_is_active(self, delegation: Delegation) -> bool:
        return delegation.is_active()


def _delegations(user):
    return visible_delegations(user).select_related("delegator", "delegate", "org_unit")


class DelegationListApi(ApiView):
    """Delegations you gave or received (everyone's, for HR and administrators), newest first."""

    @extend_schema(
        operation_id="delegations_list",
        parameters=[OpenApiParameter("active", bool, description="true: only delegations in force today.")],
        responses=paginated_serializer(DelegationOutputSerializer, "DelegationList"),
    )
    def get(self, request):
        delegations = _delegations(request.user).order_by(*DELEGATION_ORDERING)
        if request.query_params.get("active", "").lower() in ("1", "true", "yes"):
            delegations = delegations.active()
        return paginated(self, delegations, DelegationOutputSerializer)


class DelegationDetailApi(ApiView):
    """One delegation (404 unless you gave or received it, or you are HR)."""

    @extend_schema(operation_id="delegations_retrieve", responses=DelegationOutputSerializer)
    def get(self, request, pk: int):
        return Response(DelegationOutputSerializer(get_delegation_for_user(request.user, pk)).data)


class DelegationCreateApi(ApiView):
    """Delegate one of your unit roles (FM/HPS, HoD or departmental contact, HRBP) for a date range.

    An administrator may record a delegation for the role holder by naming ``delegator``.
    """

    class InputSerializer(serializers.Serializer):
        delegator = serializers.PrimaryKeyRelatedField(
            queryset=visible_people(None), required=False,
            help_text="The role holder; leave out to delegate your own role.",
        )
        delegate = serializers.PrimaryKeyRelatedField(queryset=visible_people(None))
        role = serializers.ChoiceField(choices=UnitRole.choices)
        org_unit = serializers.PrimaryKeyRelatedField(queryset=visible_units(None))
        start_date = serializers.DateField()
        end_date = serializers.DateField()
        reason = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")

        class Meta:
            ref_name = "DelegationCreateInput"

        def __init__(self, *args, user=None, **kwargs):
            super().__init__(*args, **kwargs)
            # Only records the caller can open: anything else looks as if it did not exist.
            self.fields["delegator"].queryset = visible_people(user)
            self.fields["delegate"].queryset = visible_people(user)
            self.fields["org_unit"].queryset = visible_units(user)

    @extend_schema(operation_id="delegations_create", request=InputSerializer,
                   responses={201: DelegationOutputSerializer})
    def post(self, request):
        serializer = self.InputSerializer(data=request.data, user=request.user)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        delegator = data.get("delegator") or person_of(request.user)
        if delegator is None:
            raise serializers.ValidationError(
                {"delegator": "Your login has no staff record, so name the role holder who is delegating."}
            )
        delegation = grant_delegation(
            actor=request.user, delegator=delegator, delegate=data["delegate"], role=data["role"],
            org_unit=data["org_unit"], start_date=data["start_date"], end_date=data["end_date"],
            reason=data["reason"],
        )
        return Response(DelegationOutputSerializer(delegation).data, status=status.HTTP_201_CREATED)


class DelegationRevokeApi(ApiView):
    """End a delegation now (the person who delegated, or an administrator)."""

    @extend_schema(operation_id="delegations_revoke", request=None, responses=DelegationOutputSerializer)
    def post(self, request, pk: int):
        delegation = get_delegation_for_user(request.user, pk)
        delegation = revoke_delegation(actor=request.user, delegation=delegation)
        return Response(DelegationOutputSerializer(delegation).data)
