from django.urls import path

from gradepath.people import views

app_name = "people"

urlpatterns = [
    path("", views.home, name="home"),
    path("people/", views.person_list, name="person-list"),
    path("people/search/", views.person_search, name="person-search"),
    # Delegations sit under people/ (services link to /people/delegations/<pk>/) and come
    # before people/<pk>/ so the two never clash.
    path("people/delegations/", views.delegation_list, name="delegation-list"),
    path("people/delegations/new/", views.delegation_create, name="delegation-create"),
    path("people/delegations/<int:pk>/", views.delegation_detail, name="delegation-detail"),
    path("people/delegations/<int:pk>/revoke/", views.delegation_revoke, name="delegation-revoke"),
    path("people/equality/", views.equality_search, name="equality-search"),
    path("people/<int:pk>/", views.person_detail, name="person-detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("people/<int:pk>/equality/", views.person_equality, name="person-equality"),
    path("units/", views.unit_list, name="unit-list"),
    path("units/<int:pk>/", views.unit_detail, name="unit-detail"),
]
