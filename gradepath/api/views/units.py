"""Org units: list and detail, through the same access gate as the web pages."""

from __future__ import annotations

from django.db.models import Prefetch, Q
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from gradepath.api.base import ApiView, paginated, paginated_serializer
from gradepath.api.serializers import OrgUnitRefSerializer, PersonRefSerializer
from gradepath.people.models import OrgUnit, UnitRole, UnitRoleAssignment
from gradepath.people.permissions import get_unit_for_user, visible_units

UNIT_ORDERING = ("path", "pk")  # the tree, top down: stable


class UnitRoleHolderSerializer(serializers.Serializer):
    """Someone who holds a unit role named on the unit today, since when and until when."""

    role = serializers.ChoiceField(choices=UnitRole.choices)
    role_label = serializers.CharField(source="get_role_display")
    person = PersonRefSerializer()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)

    class Meta:
        ref_name = "UnitRoleHolder"


def _named(unit: OrgUnit, role: str):
    """The holder of ``role`` named on the unit today (from the prefetched ``current_roles``)."""
    return next((a.person for a in getattr(unit, "current_roles", []) if a.role == role), None)


def units_with_current_roles(units):
    """Units with ``current_roles``: the role assignments named on each, held today (one query)."""
    current = UnitRoleAssignment.objects.on(timezone.localdate()).select_related("person").order_by("role")
    return units.prefetch_related(Prefetch("role_assignments", queryset=current, to_attr="current_roles"))


class OrgUnitOutputSerializer(serializers.Serializer):
    """One org unit, with the role holders named on it today (not inherited ones): ``roles`` lists
    every role; ``fm_hps``, ``head`` and ``hrbp`` name those three, as before."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    parent_id = serializers.IntegerField(allow_null=True)
    depth = serializers.IntegerField()
    fm_hps = serializers.SerializerMethodField()
    head = serializers.SerializerMethodField()
    hrbp = serializers.SerializerMethodField()
    roles = UnitRoleHolderSerializer(many=True, source="current_roles")
    is_active = serializers.BooleanField()

    class Meta:
        ref_name = "OrgUnit"

    def _holder(self, unit: OrgUnit, role: str) -> dict | None:
        person = _named(unit, role)
        return PersonRefSerializer(person).data if person is not None else None

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_fm_hps(self, unit: OrgUnit) -> dict | None:
        return self._holder(unit, UnitRole.FM_HPS)

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_head(self, unit: OrgUnit) -> dict | None:
        return self._holder(unit, UnitRole.HEAD)

    @extend_schema_field(PersonRefSerializer(allow_null=True))
    def get_hrbp(self, unit: OrgUnit) -> dict | None:
        return self._holder(unit, UnitRole.HRBP)


class OrgUnitListApi(ApiView):
    """The org units you may open, as the tree from the top down."""

    @extend_schema(
        operation_id="org_units_list",
        parameters=[OpenApiParameter("q", str, description="Part of a unit's name or code.")],
        responses=paginated_serializer(OrgUnitOutputSerializer, "OrgUnitList"),
    )
    def get(self, request):
        units = units_with_current_roles(visible_units(request.user)).order_by(*UNIT_ORDERING)
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
        unit.current_roles = list(UnitRoleAssignment.objects.on(timezone.localdate()).filter(unit=unit)
                                  .select_related("person").order_by("role"))
        return Response(self.OutputSerializer(unit, context={"request": request}).data)
