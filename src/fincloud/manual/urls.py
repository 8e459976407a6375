app_name = "manual"
urlpatterns: list = []
