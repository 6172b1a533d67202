"""Small output shapes shared by several endpoints (references to other records).

Each endpoint keeps its own input and output serializers nested in its class; only these
reference shapes are shared, so a person or unit is named the same way everywhere.
"""

from rest_framework import serializers


class PersonRefSerializer(serializers.Serializer):
    """A person named in another record: id and display name."""

    id = serializers.IntegerField()
    full_name = serializers.CharField()

    class Meta:
        ref_name = "PersonRef"


class OrgUnitRefSerializer(serializers.Serializer):
    """An org unit named in another record: id, code and name."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()

    class Meta:
        ref_name = "OrgUnitRef"
