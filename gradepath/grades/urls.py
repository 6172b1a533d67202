from django.urls import path

app_name = "grades"

urlpatterns: list = []
