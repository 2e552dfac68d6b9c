from django.urls import path

from provinces import views

app_name = "provinces"

# Grassroots offices of a province of today's map ("t24"); an office is "o<id>".
urlpatterns = [
    path("<str:code>/", views.office_list, name="offices"),
    path("<str:code>/them/", views.office_create, name="office_create"),
    path("<str:code>/sua/", views.office_edit, name="office_edit"),
    path("<str:code>/nhap-tep/", views.office_import, name="office_import"),
]
