app_name = "determinations"
urlpatterns: list = []
