from django.urls import path

from gradepath.progression import views

app_name = "progression"

urlpatterns = [
    path("", views.request_list_view, name="request-list"),
    path("apply/<slug:route>/", views.start_view, name="start"),
    path("apply-people/", views.subject_search_view, name="subject-search"),
    path("<int:pk>/", views.request_detail_view, name="request-detail"),
    path("<int:pk>/act/<slug:action>/", views.request_action_view, name="request-act"),
    path("rounds/", views.round_list_view, name="round-list"),
    path("rounds/<int:pk>/", views.round_panel_view, name="round-panel"),
]
