"""The inbox over the API: everything waiting for the caller across every process (the page's twin)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from gradepath.api.base import ApiView, paginated, paginated_serializer
from gradepath.api.serializers import OrgUnitRefSerializer, PersonRefSerializer
from gradepath.workflow import inbox
from gradepath.workflow.registry import processes


class InboxItemSerializer(serializers.Serializer):
    """One thing waiting: what it is, in which process and step, as whom, and by when."""

    task = serializers.IntegerField(source="task.pk")
    process = serializers.CharField(source="task.process")
    process_label = serializers.CharField()
    object_id = serializers.IntegerField(source="task.object_id")
    reference = serializers.CharField(source="task.reference")
    title = serializers.CharField(source="task.title")
    org_unit = OrgUnitRefSerializer(source="task.org_unit", allow_null=True)
    subject = PersonRefSerializer(source="task.subject", allow_null=True)
    state = serializers.CharField(source="task.state")
    step_label = serializers.CharField()
    role = serializers.CharField(source="task.role")
    acting_as = serializers.CharField(help_text="Empty in your own right; a delegate's or a team queue's words.")
    due_date = serializers.DateField(source="task.due_date")
    overdue = serializers.BooleanField()
    link = serializers.CharField()

    class Meta:
        ref_name = "InboxItem"


class _RowsSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        return super().to_representation(inbox.rows(data))


class InboxApi(ApiView):
    """Everything waiting for you across every process, earliest due first (overdue first); filter by
    ``process`` and ``unit`` (an org unit id: that unit and the units below it)."""

    @extend_schema(operation_id="inbox_list", parameters=[
        OpenApiParameter("process", str, enum=sorted(p.name for p in processes())),
        OpenApiParameter("unit", int)], responses=paginated_serializer(InboxItemSerializer, "Inbox"))
    def get(self, request):
        mine = inbox.waiting_for(request.user)
        process = request.query_params.get("process", "").strip()
        if process and process not in {p.name for p in processes()}:
            raise ValidationError({"process": f"Choose a process: {', '.join(sorted(p.name for p in processes()))}."})
        unit = None
        if raw := request.query_params.get("unit", "").strip():
            unit = inbox.units_of(mine).filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 12 else None
            if unit is None:
                raise ValidationError({"unit": "Choose one of the units of what is waiting for you."})
        return paginated(self, inbox.filtered(mine, process=process, unit=unit), _InboxItems)


class _InboxItems(InboxItemSerializer):
    class Meta:
        ref_name = "InboxItem"
        list_serializer_class = _RowsSerializer
