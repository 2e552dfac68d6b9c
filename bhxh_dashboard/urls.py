from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from bhxh_dashboard.logins import LoginView, PasswordChangeView, PasswordResetView
from bhxh_dashboard.views import healthz

urlpatterns = [
    path("", include("reports.urls")),
    path("nhap-lieu/", include("targets.urls")),
    path("nhap-lieu/bhxh-co-so/", include("provinces.urls")),
    path("nhap-lieu/", include("coverage.urls")),  # labour force and coverage targets
    path("api/", include("api.urls")),
    path("kenh-thu/", include("outreach.urls")),
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Password change and reset: Django's views, the site's templates (templates/registration).
    path(
        "accounts/doi-mat-khau/",
        PasswordChangeView.as_view(),  # old password under the sign-in limits
        name="password_change",
    ),
    path(
        "accounts/doi-mat-khau/xong/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/quen-mat-khau/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/quen-mat-khau/da-gui/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/dat-lai/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/dat-lai/xong/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# Error pages in the user's language with the way back (bhxh_dashboard/errors.py), used when
# DEBUG is off; CSRF_FAILURE_VIEW in settings names the CSRF one.
handler400 = "bhxh_dashboard.errors.bad_request"
handler403 = "bhxh_dashboard.errors.permission_denied"
handler404 = "bhxh_dashboard.errors.page_not_found"
handler500 = "bhxh_dashboard.errors.server_error"
