from django.urls import path

from gradepath.career import views

app_name = "career"

urlpatterns = [
    path("<int:pk>/", views.record, name="record"),
    path("<int:pk>/pdf", views.record_pdf_view, name="record-pdf"),
]
