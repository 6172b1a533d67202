from django.urls import path

from gradepath.allowances import views

app_name = "allowances"

urlpatterns = [
    path("", views.list_view, name="list"),
    path("propose/acting-up/", views.propose_acting_up_view, name="propose-acting-up"),
    path("propose/honorarium/", views.propose_honorarium_view, name="propose-honorarium"),
    path("payroll/", views.payroll_view, name="payroll"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.act_view, name="act"),
]
