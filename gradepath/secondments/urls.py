from django.urls import path

from gradepath.secondments import views

app_name = "secondments"

urlpatterns = [
    path("", views.board_view, name="board"),
    path("applications/", views.applications_view, name="secondment-list"),
    path("opportunities/new/", views.opportunity_new_view, name="opportunity-new"),
    path("opportunities/<int:pk>/", views.opportunity_detail_view, name="opportunity-detail"),
    path("opportunities/<int:pk>/apply/", views.opportunity_apply_view, name="opportunity-apply"),
    path("opportunities/<int:pk>/close/", views.opportunity_close_view, name="opportunity-close"),
    path("opportunities/<int:pk>/withdraw/", views.opportunity_withdraw_view, name="opportunity-withdraw"),
    path("register/", views.register_view, name="register"),
    path("register/<int:pk>/remove/", views.register_remove_view, name="register-remove"),
    path("<int:pk>/", views.secondment_detail_view, name="secondment-detail"),
    path("<int:pk>/act/<slug:action>/", views.secondment_action_view, name="secondment-act"),
]
