from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from api import views
from outreach.api import UnitChannels

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("token/", views.token_page, name="token"),
    path("v1/units/<str:code>/", views.UnitDetail.as_view(), name="unit"),
    path("v1/units/<str:code>/progress/", views.UnitProgress.as_view(), name="unit-progress"),
    path("v1/units/<str:code>/children/", views.UnitChildren.as_view(), name="unit-children"),
    path("v1/units/<str:code>/channels/", UnitChannels.as_view(), name="unit-channels"),
]
