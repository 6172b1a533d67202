from django.urls import path

from gradepath.workflow import views

app_name = "workflow"

urlpatterns = [
    path("", views.inbox_view, name="inbox"),
]
