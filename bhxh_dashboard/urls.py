from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from bhxh_dashboard.views import healthz

urlpatterns = [
    path("", include("reports.urls")),
    path("nhap-lieu/", include("targets.urls")),
    path("nhap-lieu/bhxh-co-so/", include("provinces.urls")),
    path("api/", include("api.urls")),
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

# Error pages in the user's language with the way back (bhxh_dashboard/errors.py), used when
# DEBUG is off; CSRF_FAILURE_VIEW in settings names the CSRF one.
handler400 = "bhxh_dashboard.errors.bad_request"
handler403 = "bhxh_dashboard.errors.permission_denied"
handler404 = "bhxh_dashboard.errors.page_not_found"
handler500 = "bhxh_dashboard.errors.server_error"
