from django.urls import path  # noqa: F401 - the case pages add their paths here

app_name = "grading"

urlpatterns: list = []

from gradepath.grading import payroll_views  # noqa: E402 - the HR Services payroll change export

urlpatterns += [path("payroll/", payroll_views.payroll_export, name="payroll-export")]
