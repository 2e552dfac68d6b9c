from django.urls import path

from outreach import io_views, network_views, views

app_name = "outreach"

urlpatterns = [
    path("<str:code>/", views.unit_channels, name="unit"),
    # An entry grid's code ("d218", "o12", "t24"), or an organisation's ("g5") for its reporter.
    path("nhap/<str:code>/", views.channel_entry, name="entry"),
    path("hoi-nghi/<str:code>/", views.events, name="events"),
    # A province's network: its organisations' targets and event plans, points, staff.
    path("chi-tieu/<str:code>/", network_views.channel_targets, name="targets"),
    path("diem-thu/<str:code>/", network_views.points, name="points"),
    path("nhan-vien/<str:code>/", network_views.staff, name="staff"),
    # The grid's file (outreach/io_views.py): import with a preview, and the template to fill in.
    path("nhap-tep/<str:code>/", io_views.import_channels, name="import_channels"),
    path("mau/<str:code>/", io_views.channels_template, name="channels_template"),
]
