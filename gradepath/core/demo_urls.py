"""Demo-only URLs, included at /demo/ by gradepath/config/urls.py only when DEMO_MODE is on."""

from django.urls import path

from gradepath.core import demo_views

app_name = "demo"

urlpatterns = [
    path("switch/", demo_views.switch_persona, name="switch"),
    path("emails/", demo_views.email_list, name="emails"),
]
