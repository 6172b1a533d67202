"""Job descriptions over the API: JDs, versions, saving drafts, comparison, the agreed JD library
and matching. Same access gates (jobs.permissions) and services (jobs.services) as the pages."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from gradepath.api.base import ApiView, paginated, paginated_serializer
from gradepath.api.serializers import OrgUnitRefSerializer
from gradepath.jobs import services
from gradepath.jobs.forms import current_grades
from gradepath.jobs.matching import grade_distribution, match_version, suggest_grade
from gradepath.jobs.models import JobFamily
from gradepath.jobs.permissions import (
    get_agreed_for_user,
    get_jd_for_user,
    get_version_for_user,
    versions_for_user,
    visible_jds,
    visible_versions,
)
from gradepath.jobs.redline import compare_versions
from gradepath.jobs.search import search_library
from gradepath.jobs.selectors import jd_list, library_queryset


class CriterionSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)
    kind = serializers.ChoiceField(choices=["essential", "desirable"])
    assessed = serializers.ChoiceField(choices=["application", "interview", "both"])

    class Meta:
        ref_name = "JDCriterion"


class VersionOutputSerializer(serializers.Serializer):
    """One version of a JD with every section."""

    id = serializers.IntegerField()
    jd = serializers.IntegerField(source="jd_id")
    reference = serializers.CharField(source="jd.reference")
    number = serializers.IntegerField()
    status = serializers.CharField()
    revision = serializers.IntegerField()
    based_on = serializers.IntegerField(source="based_on_id", allow_null=True)
    job_title = serializers.CharField()
    job_family = serializers.CharField(source="job_family.name")
    grade = serializers.IntegerField(source="grade.number", allow_null=True, default=None)
    purpose = serializers.CharField()
    duties = serializers.ListField(child=serializers.CharField())
    line_management = serializers.CharField()
    working_relationships = serializers.CharField()
    person_spec = CriterionSerializer(many=True)
    additional_information = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    class Meta:
        ref_name = "JDVersion"


class JDOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    org_unit = OrgUnitRefSerializer()
    job_family = serializers.CharField(source="job_family.name")
    area = serializers.CharField()
    staff_category = serializers.CharField()
    latest_title = serializers.CharField()
    latest_number = serializers.IntegerField()
    latest_status = serializers.CharField()

    class Meta:
        ref_name = "JobDescription"


class AgreedOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    version = serializers.IntegerField(source="version_id")
    job_title = serializers.CharField(source="version.job_title")
    grade = serializers.IntegerField(source="grade.number")
    job_family = serializers.CharField(source="job_family.name")
    area = serializers.CharField()
    staff_category = serializers.CharField()
    logged_at = serializers.DateTimeField()
    is_current = serializers.BooleanField()

    class Meta:
        ref_name = "AgreedJD"


class JDListApi(ApiView):
    """Job descriptions you can see, newest first, with their latest version."""

    @extend_schema(operation_id="jds_list", parameters=[OpenApiParameter("q", str, description="Title or reference.")],
                   responses=paginated_serializer(JDOutputSerializer, "JDList"))
    def get(self, request):
        qs = jd_list(visible_jds(request.user), request.query_params.get("q", "").strip()[:200],
                     versions=visible_versions(request.user))
        return paginated(self, qs, JDOutputSerializer)


class JDDetailApi(ApiView):
    """One job description and its versions (all of them for the people working on it; the
    agreed versions only for everyone else)."""

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        reference = serializers.CharField()
        org_unit = OrgUnitRefSerializer()
        job_family = serializers.CharField(source="job_family.name")
        area = serializers.CharField()
        staff_category = serializers.CharField()
        versions = VersionOutputSerializer(many=True, source="ordered_versions")

        class Meta:
            ref_name = "JobDescriptionDetail"

    @extend_schema(operation_id="jds_retrieve", responses=OutputSerializer)
    def get(self, request, pk: int):
        jd = get_jd_for_user(request.user, pk)
        jd.ordered_versions = list(versions_for_user(request.user, jd).select_related("jd", "job_family", "grade")
                                   .order_by("number"))
        return Response(self.OutputSerializer(jd).data)


class VersionDetailApi(ApiView):
    """One JD version with every section."""

    @extend_schema(operation_id="jd_versions_retrieve", responses=VersionOutputSerializer)
    def get(self, request, pk: int):
        return Response(VersionOutputSerializer(get_version_for_user(request.user, pk)).data)


class VersionSaveApi(ApiView):
    """Save sections of a draft. Send ``revision`` (the draft's revision you started from): if
    someone saved since, nothing is written and the answer is 409."""

    class InputSerializer(serializers.Serializer):
        revision = serializers.IntegerField()
        job_title = serializers.CharField(max_length=200, required=False)
        job_family = serializers.PrimaryKeyRelatedField(queryset=JobFamily.objects.all(), required=False)
        grade = serializers.IntegerField(min_value=1, max_value=10, required=False, allow_null=True)
        purpose = serializers.CharField(required=False, allow_blank=True)
        duties = serializers.ListField(child=serializers.CharField(allow_blank=True), required=False)
        line_management = serializers.CharField(required=False, allow_blank=True)
        working_relationships = serializers.CharField(required=False, allow_blank=True)
        person_spec = CriterionSerializer(many=True, required=False)
        additional_information = serializers.CharField(required=False, allow_blank=True)

        class Meta:
            ref_name = "JDVersionSave"

    @extend_schema(operation_id="jd_versions_save", request=InputSerializer, responses=VersionOutputSerializer)
    def patch(self, request, pk: int):
        version = get_version_for_user(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        revision = changes.pop("revision")
        if "grade" in changes:  # a grade number of the structure in force today
            number = changes["grade"]
            changes["grade"] = current_grades().filter(number=number).first() if number else None
        if "person_spec" in changes:
            changes["person_spec"] = [dict(c) for c in changes["person_spec"]]
        saved = services.save_draft(actor=request.user, version=version, changes=changes, base_revision=revision)
        return Response(VersionOutputSerializer(saved).data)


class VersionSubmitApi(ApiView):
    """Submit a draft: its text can no longer change."""

    @extend_schema(operation_id="jd_versions_submit", request=None, responses=VersionOutputSerializer)
    def post(self, request, pk: int):
        version = services.submit_version(actor=request.user, version=get_version_for_user(request.user, pk))
        return Response(VersionOutputSerializer(version).data)


class VersionNewDraftApi(ApiView):
    """Start a new draft from a version (or get the JD's open draft)."""

    @extend_schema(operation_id="jd_versions_new_draft", request=None, responses=VersionOutputSerializer)
    def post(self, request, pk: int):
        draft = services.start_new_draft(actor=request.user, version=get_version_for_user(request.user, pk))
        return Response(VersionOutputSerializer(draft).data, status=status.HTTP_201_CREATED)


class CompareApi(ApiView):
    """Tracked changes between two versions of one JD: word-level insertions and deletions per
    section, duties aligned with moves, and a summary."""

    @extend_schema(operation_id="jds_compare", parameters=[
        OpenApiParameter("old", int, required=True, description="Version number."),
        OpenApiParameter("new", int, required=True, description="Version number.")],
        responses={200: dict})
    def get(self, request, pk: int):
        jd = get_jd_for_user(request.user, pk)
        readable = versions_for_user(request.user, jd)
        try:
            old = readable.get(number=int(request.query_params.get("old", "")))
            new = readable.get(number=int(request.query_params.get("new", "")))
        except (ValueError, OverflowError, readable.model.DoesNotExist):
            raise NotFound("Give two version numbers of this job description as old and new.") from None
        return Response(compare_versions(old, new).as_dict())


class LibraryListApi(ApiView):
    """The agreed JD library, filtered; with ``q``, most relevant first."""

    @extend_schema(operation_id="library_list", parameters=[
        OpenApiParameter("q", str), OpenApiParameter("grade", int), OpenApiParameter("job_family", int),
        OpenApiParameter("area", str), OpenApiParameter("staff_category", str)],
        responses=paginated_serializer(AgreedOutputSerializer, "LibraryList"))
    def get(self, request):
        params = request.query_params
        family = JobFamily.objects.filter(pk=params.get("job_family")).first() if params.get(
            "job_family", "").isdigit() else None
        grade = int(params["grade"]) if params.get("grade", "").isdigit() else None
        qs = library_queryset(job_family=family, grade=grade, area=params.get("area", ""),
                              staff_category=params.get("staff_category", ""))
        q = params.get("q", "").strip()[:200]
        entries = search_library(q, qs) if q else qs.order_by("grade__number", "version__job_title", "pk")
        return paginated(self, entries, AgreedOutputSerializer)


class LibraryDetailApi(ApiView):
    """One agreed JD with its text."""

    class OutputSerializer(AgreedOutputSerializer):
        text = VersionOutputSerializer(source="version")

        class Meta:
            ref_name = "AgreedJDDetail"

    @extend_schema(operation_id="library_retrieve", responses=OutputSerializer)
    def get(self, request, pk: int):
        return Response(self.OutputSerializer(get_agreed_for_user(request.user, pk)).data)


class VersionMatchApi(ApiView):
    """The agreed JDs most like this version, the grades near it and a suggested grade with its
    confidence (``confident`` false means: no confident suggestion)."""

    @extend_schema(operation_id="jd_versions_match", parameters=[OpenApiParameter("k", int)], responses={200: dict})
    def get(self, request, pk: int):
        version = get_version_for_user(request.user, pk)
        k = min(max(int(request.query_params.get("k", 10)) if request.query_params.get("k", "").isdigit() else 10,
                    1), 50)
        result = match_version(version, k=k)
        suggestion = suggest_grade(result.matches)
        return Response({
            "matches": [m.as_dict() for m in result.matches],
            "grade_distribution": [{"grade": s.grade, "count": s.count, "share": round(s.share, 3)}
                                   for s in grade_distribution(result.matches)],
            "suggestion": {"grade": suggestion.grade, "confidence": suggestion.confidence,
                           "level": suggestion.level, "confident": suggestion.confident,
                           "message": suggestion.message},
            "library_size": result.library_size,
            "note": result.note,
        })


class VersionRecordMatchApi(ApiView):
    """Record the agreed JD this version was matched to, with the reason."""

    class InputSerializer(serializers.Serializer):
        agreed_jd = serializers.IntegerField()
        reason = serializers.CharField(max_length=2000)

        class Meta:
            ref_name = "RecordMatch"

    @extend_schema(operation_id="jd_versions_record_match", request=InputSerializer, responses={201: dict})
    def post(self, request, pk: int):
        version = get_version_for_user(request.user, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agreed = get_agreed_for_user(request.user, data.validated_data["agreed_jd"])
        decision = services.record_match(actor=request.user, version=version, agreed_jd=agreed,
                                         reason=data.validated_data["reason"])
        return Response({"id": decision.pk, "version": version.pk, "agreed_jd": agreed.pk,
                         "reason": decision.reason}, status=status.HTTP_201_CREATED)
