from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.home, name="home"),
    path("u/<str:code>/", views.unit_detail, name="unit"),
    path("u/<str:code>/bao-cao/", views.reporting_status, name="reporting"),
]
