"""What every process's REST API shares, from the engine: the actions available on one object now (with
the fields each takes) and taking one (:func:`process_endpoints` builds the pair for a process from its
access gate and its detail view; grading's ``…/actions/`` and ``…/perform/`` are built here), and the
moves so far and open tasks in an object's detail (:func:`history_serializers`, with
``engine.open_tasks``), the same fields for every process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from gradepath.api.base import ApiView
from gradepath.api.serializers import PersonRefSerializer
from gradepath.core.inputs import KINDS
from gradepath.workflow import engine
from gradepath.workflow.process import Process


class MoveInputSerializer(serializers.Serializer):
    """One field the action takes in ``data``: its name, type, label and limits."""

    name = serializers.CharField()
    type = serializers.ChoiceField(choices=list(KINDS))
    label = serializers.CharField()
    required = serializers.BooleanField()
    max_length = serializers.IntegerField(required=False)
    min_value = serializers.IntegerField(required=False, allow_null=True)
    max_value = serializers.IntegerField(required=False, allow_null=True)
    choices = serializers.ListField(child=serializers.CharField(), required=False)
    max_items = serializers.IntegerField(required=False)
    keys = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        ref_name = "WorkflowMoveInput"


class AvailableActionSerializer(serializers.Serializer):
    """An action the caller may take now (the same list drives the page's buttons), with the fields it
    takes in ``data`` (the page's form is built from the same declarations)."""

    action = serializers.CharField(source="move.action")
    label = serializers.CharField(source="move.label")
    role = serializers.CharField()
    capacity = serializers.CharField()
    requires = serializers.ListField(child=serializers.CharField(), source="move.requires")
    inputs = serializers.SerializerMethodField()
    policy = serializers.CharField(source="move.policy")

    class Meta:
        ref_name = "WorkflowAvailableAction"

    def get_inputs(self, available) -> list[dict]:
        return [spec.describe() for spec in available.move.inputs]


def process_endpoints(process: Process, *, get_for_user: Callable[[Any, int], Any],
                      detail: Callable[[Any, Any], dict], detail_serializer: type, operation_prefix: str,
                      ref_prefix: str) -> tuple[type[ApiView], type[ApiView]]:
    """(actions view, perform view) for ``process``: ``get_for_user(user, pk)`` is the object's access gate
    (strangers 404), ``detail(user, obj)`` what perform answers with."""
    noun = process.short_noun

    class Output(serializers.Serializer):
        step = serializers.IntegerField(help_text=f"Send this step with the action: if the {noun} moves on "
                                                  "first, the action is refused with 409.")
        state = serializers.CharField()
        actions = AvailableActionSerializer(many=True)

        class Meta:
            ref_name = f"{ref_prefix}Actions"

    class Input(serializers.Serializer):
        action = serializers.ChoiceField(choices=sorted(process.moves_by_action))
        step = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
        idempotency_key = serializers.CharField(max_length=100, required=False, allow_blank=True)
        data = serializers.DictField(required=False, default=dict,
                                     help_text="The action's input fields (see the actions endpoint).")

        class Meta:
            ref_name = f"{ref_prefix}Perform"

    class ActionsApi(ApiView):
        OutputSerializer = Output

        @extend_schema(operation_id=f"{operation_prefix}_actions", responses=Output,
                       description=f"What you may do on the {noun} now, and the step to send with it.")
        def get(self, request, pk: int):
            obj = get_for_user(request.user, pk)
            return Response(Output({"step": obj.step, "state": obj.state,
                                    "actions": engine.available_actions(process, obj, request.user)}).data)

    class PerformApi(ApiView):
        InputSerializer = Input

        @extend_schema(operation_id=f"{operation_prefix}_perform", request=Input, responses=detail_serializer,
                       description=f"Take an action on a {noun}. ``step`` is the step you saw (409 if it has moved "
                                   "on); a repeated request with the same ``idempotency_key`` has one effect. "
                                   "``data`` carries the fields the action takes, exactly as the actions endpoint "
                                   "lists them under ``inputs``: a field the action does not take, a wrong type or "
                                   "a value beyond its limits is refused with 400 and nothing changes. Who acts, "
                                   "and in which role, is worked out by the server.")
        def post(self, request, pk: int):
            obj = get_for_user(request.user, pk)
            given = Input(data=request.data)
            given.is_valid(raise_exception=True)
            values = given.validated_data
            obj = engine.perform(process, obj, actor=request.user, action=values["action"], step=values["step"],
                                 data=values.get("data") or {}, idempotency_key=values.get("idempotency_key") or None)
            return Response(detail(request.user, get_for_user(request.user, obj.pk)))

    return ActionsApi, PerformApi


def history_serializers(process: Process, ref_prefix: str) -> tuple[type[serializers.Serializer],
                                                                    type[serializers.Serializer]]:
    """(event, open task) serializers for ``process``'s detail: the same fields for every process, named
    after it in the schema (``<ref_prefix>Event``, ``<ref_prefix>Task``)."""

    class Event(serializers.Serializer):
        step = serializers.IntegerField()
        action = serializers.CharField()
        label = serializers.SerializerMethodField(help_text="The action in words.")
        actor = PersonRefSerializer(allow_null=True)
        capacity = serializers.CharField()
        from_state = serializers.CharField()
        to_state = serializers.CharField()
        reason = serializers.CharField()
        created_at = serializers.DateTimeField()

        class Meta:
            ref_name = f"{ref_prefix}Event"

        def get_label(self, event) -> str:
            move = process.moves_by_action.get(event.action)
            return move.label if move else event.action

    class OpenTask(serializers.Serializer):
        role = serializers.CharField()
        role_label = serializers.SerializerMethodField()
        assignee = PersonRefSerializer(allow_null=True, help_text="Empty: the HR Services team queue.")
        capacity = serializers.CharField()
        description = serializers.CharField()
        due_date = serializers.DateField()

        class Meta:
            ref_name = f"{ref_prefix}Task"

        def get_role_label(self, task) -> str:
            return process.role_label(task.role)

    return Event, OpenTask

