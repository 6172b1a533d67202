from django.urls import path

from gradepath.jobs import views

app_name = "jobs"

urlpatterns = [
    path("", views.jd_list_view, name="jd-list"),
    path("new/", views.jd_create_view, name="jd-create"),
    path("library/", views.library_view, name="library"),
    path("library/<int:pk>/", views.library_detail_view, name="library-detail"),
    path("library/search/", views.agreed_search_view, name="agreed-search"),
    path("versions/<int:pk>/", views.version_detail_view, name="version-detail"),
    path("versions/<int:pk>/edit/", views.version_edit_view, name="version-edit"),
    path("versions/<int:pk>/sections/<str:section>/", views.section_save_view, name="section-save"),
    path("versions/<int:pk>/submit/", views.version_submit_view, name="version-submit"),
    path("versions/<int:pk>/new-draft/", views.version_new_draft_view, name="version-new-draft"),
    path("versions/<int:pk>/copy/", views.version_copy_view, name="version-copy"),
    path("versions/<int:pk>/match/", views.version_match_view, name="version-match"),
    path("versions/<int:pk>/fairness/", views.version_fairness_view, name="version-fairness"),
    path("versions/<int:pk>/log-agreed/", views.version_log_agreed_view, name="version-log-agreed"),
    path("versions/<int:pk>/download.docx", views.version_docx_view, name="version-docx"),
    path("versions/<int:pk>/download.pdf", views.version_pdf_view, name="version-pdf"),
    path("import/", views.import_docx_view, name="import-docx"),
    path("<int:pk>/", views.jd_detail_view, name="jd-detail"),
    path("<int:pk>/compare/", views.compare_view, name="compare"),
    path("<int:pk>/compare.docx", views.compare_docx_view, name="compare-docx"),
    path("<int:pk>/import/", views.import_docx_view, name="jd-import-docx"),
]
