"""The URL map. Every URL needs a login unless its view is marked ``login_not_required``
(the allow-list is checked by gradepath/core/tests/test_url_security.py)."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from gradepath.core.views import healthz

admin.site.site_header = "Gradepath administration"
admin.site.site_title = "Gradepath"

urlpatterns = [
    path("", include("gradepath.people.urls")),
    path("grades/", include("gradepath.grades.urls")),
    path("jobs/", include("gradepath.jobs.urls")),
    path("grading/", include("gradepath.grading.urls")),
    path("appraisals/", include("gradepath.appraisal.urls")),
    path("progression/", include("gradepath.progression.urls")),
    path("secondments/", include("gradepath.secondments.urls")),
    path("acting-up/", include("gradepath.allowances.urls")),
    path("career/", include("gradepath.career.urls")),
    path("inbox/", include("gradepath.workflow.urls")),
    path("notifications/", include("gradepath.notifications.urls")),
    path("api/", include("gradepath.api.urls")),
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
]

if settings.DEMO_MODE:
    urlpatterns.append(path("demo/", include("gradepath.demo.urls")))
