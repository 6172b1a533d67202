from django.urls import path  # noqa: F401 - the case pages add their paths here

app_name = "grading"

urlpatterns: list = []
