from django.urls import path

from gradepath.grades import views

app_name = "grades"

urlpatterns = [
    path("", views.structure_view, name="structure"),
]
