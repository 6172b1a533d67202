"""The REST API under /api/: one view class per operation (see gradepath/api/views/)."""

from django.urls import path

from gradepath.api.views.delegations import (
    DelegationCreateApi,
    DelegationDetailApi,
    DelegationListApi,
    DelegationRevokeApi,
)
from gradepath.api.views.docs import DocsPage, SchemaApi
from gradepath.api.views.inbox import InboxApi
from gradepath.api.views.jobs import (
    CompareApi,
    JDDetailApi,
    JDListApi,
    LibraryDetailApi,
    LibraryListApi,
    VersionDetailApi,
    VersionMatchApi,
    VersionNewDraftApi,
    VersionRecordMatchApi,
    VersionSaveApi,
    VersionSubmitApi,
)
from gradepath.api.views.people import (
    PersonDetailApi,
    PersonListApi,
    PersonPayHistoryApi,
    PersonUpdateApi,
)
from gradepath.api.views.units import OrgUnitDetailApi, OrgUnitListApi

app_name = "api"

urlpatterns = [
    path("schema/", SchemaApi.as_view(), name="schema"),
    path("docs/", DocsPage.as_view(), name="docs"),
    path("inbox/", InboxApi.as_view(), name="inbox"),
    path("people/", PersonListApi.as_view(), name="person-list"),
    path("people/<int:pk>/", PersonDetailApi.as_view(), name="person-detail"),
    path("people/<int:pk>/update/", PersonUpdateApi.as_view(), name="person-update"),
    path("people/<int:pk>/pay-history/", PersonPayHistoryApi.as_view(), name="person-pay-history"),
    path("org-units/", OrgUnitListApi.as_view(), name="org-unit-list"),
    path("org-units/<int:pk>/", OrgUnitDetailApi.as_view(), name="org-unit-detail"),
    path("delegations/", DelegationListApi.as_view(), name="delegation-list"),
    path("delegations/create/", DelegationCreateApi.as_view(), name="delegation-create"),
    path("delegations/<int:pk>/", DelegationDetailApi.as_view(), name="delegation-detail"),
    path("delegations/<int:pk>/revoke/", DelegationRevokeApi.as_view(), name="delegation-revoke"),
    path("jds/", JDListApi.as_view(), name="jd-list"),
    path("jds/<int:pk>/", JDDetailApi.as_view(), name="jd-detail"),
    path("jds/<int:pk>/compare/", CompareApi.as_view(), name="jd-compare"),
    path("jd-versions/<int:pk>/", VersionDetailApi.as_view(), name="jd-version-detail"),
    path("jd-versions/<int:pk>/save/", VersionSaveApi.as_view(), name="jd-version-save"),
    path("jd-versions/<int:pk>/submit/", VersionSubmitApi.as_view(), name="jd-version-submit"),
    path("jd-versions/<int:pk>/new-draft/", VersionNewDraftApi.as_view(), name="jd-version-new-draft"),
    path("jd-versions/<int:pk>/matches/", VersionMatchApi.as_view(), name="jd-version-matches"),
    path("jd-versions/<int:pk>/match/", VersionRecordMatchApi.as_view(), name="jd-version-record-match"),
    path("library/", LibraryListApi.as_view(), name="library-list"),
    path("library/<int:pk>/", LibraryDetailApi.as_view(), name="library-detail"),
]

# Grading cases (issue 4)
from gradepath.api.views.grading import (  # noqa: E402
    CaseActionsApi,
    CaseDetailApi,
    CaseListApi,
    CasePerformApi,
    CaseStartApi,
    CaseStartNewJobApi,
)

urlpatterns += [
    path("grading/cases/", CaseListApi.as_view(), name="grading-case-list"),
    path("grading/cases/start/", CaseStartApi.as_view(), name="grading-case-start"),
    path("grading/cases/start-new-job/", CaseStartNewJobApi.as_view(), name="grading-case-start-new-job"),
    path("grading/cases/<int:pk>/", CaseDetailApi.as_view(), name="grading-case-detail"),
    path("grading/cases/<int:pk>/actions/", CaseActionsApi.as_view(), name="grading-case-actions"),
    path("grading/cases/<int:pk>/perform/", CasePerformApi.as_view(), name="grading-case-perform"),
]

# Progression (issue 14): each process's endpoints live in its own module under api/views/.
from gradepath.api.views import allowances, appraisal, career, progression, secondments  # noqa: E402

for _module in (appraisal, progression, secondments, allowances, career):
    urlpatterns += _module.urlpatterns
