"""Org units: list and detail, through the same access gate as the web pages."""

from __future__ import annotations

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from gradepath.api.base import ApiView, paginated, paginated_serializer
from gradepath.api.serializers import OrgUnitRefSerializer, PersonRefSerializer
from gradepath.people.models import OrgUnit
from gradepath.people.permissions import get_unit_for_user, visible_units

UNIT_ORDERING = ("path", "pk")  # the tree, top down: stable


class OrgUnitOutputSerializer(serializers.Serializer):
    """One org unit, with the role holders named on it (not inherited ones)."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    parent_id = serializers.IntegerField(allow_null=True)
    depth = serializers.IntegerField()
    fm_hps = PersonRefSerializer(allow_null=True)
    head = PersonRefSerializer(allow_null=True)
    hrbp = PersonRefSerializer(allow_null=True)
    is_active = serializers.BooleanField()

    class Meta:
        ref_name = "OrgUnit"


class OrgUnitListApi(ApiView):
    """The org units you may open, as the tree from the top down."""

    @extend_schema(
        operation_id="org_units_list",
        parameters=[OpenApiParameter("q", str, description="Part of a unit's name or code.")],
        responses=paginated_serializer(OrgUnitOutputSerializer, "OrgUnitList"),
    )
    def get(self, request):
        units = visible_units(request.user).select_related("fm_hps", "head", "hrbp").order_by(*UNIT_ORDERING)
        if q := request.query_params.get("q", "").strip():
            units = units.filter(Q(name__icontains=q) | Q(code__icontains=q))
        return paginated(self, units, OrgUnitOutputSerializer)


class OrgUnitDetailApi(ApiView):
    """One org unit (404 if it is not yours to see), with the units below it that you may open."""

    class OutputSerializer(OrgUnitOutputSerializer):
        children = serializers.SerializerMethodField()

        class Meta:
            ref_name = "OrgUnitDetail"

        def get_children(self, unit: OrgUnit) -> list[dict]:
            children = visible_units(self.context["request"].user).filter(parent=unit).order_by("name", "pk")
            return OrgUnitRefSerializer(children, many=True).data

    @extend_schema(operation_id="org_units_retrieve", responses=OutputSerializer)
    def get(self, request, pk: int):
        unit = get_unit_for_user(request.user, pk)
        return Response(self.OutputSerializer(unit, context={"request": request}).data)
