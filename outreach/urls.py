from django.urls import path

from outreach import views

app_name = "outreach"

urlpatterns = [
    path("<str:code>/", views.unit_channels, name="unit"),
    # An entry grid's code ("d218", "o12", "t24"), or an organisation's ("g5") for its reporter.
    path("nhap/<str:code>/", views.channel_entry, name="entry"),
    path("hoi-nghi/<str:code>/", views.events, name="events"),
]
