from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from bhxh_dashboard.views import healthz

urlpatterns = [
    path("", include("reports.urls")),
    path("nhap-lieu/", include("targets.urls")),
    path("nhap-lieu/bhxh-co-so/", include("provinces.urls")),
    path("nhap-lieu/", include("coverage.urls")),  # labour force and coverage targets
    path("api/", include("api.urls")),
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
