from django.urls import path

from reports import pdf_views, views

app_name = "reports"

urlpatterns = [
    path("", views.home, name="home"),
    path("tim-kiem/", views.unit_search, name="search"),
    path("tim-kiem/goi-y/", views.unit_suggest, name="search_suggest"),
    path("dinh-nghia/", views.definitions, name="definitions"),
    path("u/<str:code>/", views.unit_detail, name="unit"),
    path("u/<str:code>/pdf/", pdf_views.summary_pdf, name="pdf"),
    path("u/<str:code>/pdf/tao/", pdf_views.summary_pdf_request, name="pdf_request"),
    path("u/<str:code>/pdf/trang-thai/", pdf_views.summary_pdf_status, name="pdf_status"),
    path("u/<str:code>/ban-do/", views.unit_map, name="map"),
    path("u/<str:code>/bao-cao/", views.reporting_status, name="reporting"),
    path("u/<str:code>/quy-doi.csv", views.crosswalk_csv, name="crosswalk"),
]
