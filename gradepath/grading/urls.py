from django.urls import path

from gradepath.grading import views

app_name = "grading"

urlpatterns = [
    path("", views.case_list_view, name="case-list"),
    path("start/direct/", views.start_direct_view, name="start-direct"),
    path("start/agreed/", views.start_agreed_view, name="start-agreed"),
    path("start/agreed/people/", views.start_agreed_people_view, name="start-agreed-people"),
    path("start/new-job/", views.start_new_job_view, name="start-new-job"),
    path("<int:pk>/", views.case_detail_view, name="case-detail"),
    path("<int:pk>/act/<slug:action>/", views.case_action_view, name="case-act"),
    path("<int:pk>/comments/", views.case_comment_view, name="case-comment"),
    path("<int:pk>/panel-candidates/", views.panel_candidates_view, name="panel-candidates"),
    path("<int:pk>/changes.docx", views.case_changes_docx_view, name="case-changes-docx"),
]

from gradepath.grading import payroll_views  # noqa: E402 - the HR Services payroll change export

urlpatterns += [path("payroll/", payroll_views.payroll_export, name="payroll-export")]
