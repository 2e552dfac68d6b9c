from django.urls import path

from targets import io_views, views

app_name = "targets"

urlpatterns = [
    path("", views.entry_home, name="home"),
    path("so-lieu/<str:code>/", views.count_grid, name="counts"),
    path("chi-tieu/<str:code>/", views.target_grid, name="targets"),
    path("mo-lai-thang/<str:code>/", views.month_reopen, name="reopen"),
    path("lich-su/<str:code>/", views.change_history, name="history"),
    path("giu-phien/", views.session_keepalive, name="keepalive"),
]

# Files: import with a preview, templates to fill in, export (targets/io_views.py). The counts
# files take an entry grid's code, as its page does: "d218", "o12", "t24".
urlpatterns += [
    path("nhap-tep/so-lieu/<str:code>/", io_views.import_counts, name="import_counts"),
    path("nhap-tep/chi-tieu/<str:code>/", io_views.import_targets, name="import_targets"),
    path("mau/so-lieu/<str:code>/", io_views.counts_template, name="counts_template"),
    path("mau/chi-tieu/<str:code>/", io_views.targets_template, name="targets_template"),
    path("xuat/<str:code>/", io_views.export, name="export"),
    path("xuat/so-lieu/<str:code>/", io_views.counts_export, name="counts_export"),
]
