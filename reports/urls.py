from django.urls import path


app_name = "reports"

urlpatterns = [
    path("", views.home, name="home"),
    path("u/<str:code>/", views.unit_detail, name="unit"),
    path("u/<str:code>/bao-cao/", views.reporting_status, name="reporting"),
]
