from django.urls import path

from coverage import views

app_name = "coverage"

urlpatterns = [
    path("bao-phu/<str:code>/", views.coverage_grid, name="grid"),
    path("bao-phu/<str:code>/nhap-tep/", views.coverage_import, name="import"),
]
