"""The REST API under /api/: one view class per operation (see gradepath/api/views/)."""

from django.urls import path

from gradepath.api.views.delegations import (
    DelegationCreateApi,
    DelegationDetailApi,
    DelegationListApi,
    DelegationRevokeApi,
)
from gradepath.api.views.docs import DocsPage, SchemaApi
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
]
