from django.urls import path

from gradepath.appraisal import views

app_name = "appraisal"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("start/", views.start_view, name="start"),
    path("start/people/", views.start_people_view, name="start-people"),
    path("completion/", views.completion_view, name="completion"),
    path("completion/<int:unit_id>/", views.completion_unit_view, name="completion-unit"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.act_view, name="act"),
    path("<int:pk>/changes/", views.change_add_view, name="change-add"),
    path("<int:pk>/changes/<int:change_id>/remove/", views.change_remove_view, name="change-remove"),
    path("<int:pk>/regrading-check/", views.flag_view, name="flag"),
]
