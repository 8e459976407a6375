app_name = "resilience"
urlpatterns: list = []
