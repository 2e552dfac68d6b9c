app_name = "targets"

urlpatterns: list = []
