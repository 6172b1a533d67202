"""Demo-only URLs, included at /demo/ by gradepath/config/urls.py only when DEMO_MODE is on."""

from django.urls import path

from gradepath.demo import views

app_name = "demo"

urlpatterns = [
    path("switch/", views.switch_persona, name="switch"),
    path("emails/", views.email_list, name="emails"),
]
