from django.urls import path

from fincloud.manual import views

app_name = "manual"
urlpatterns = [
    path("", views.index, name="index"),
    path("search", views.search, name="search"),
    path("annex4", views.annex4, name="annex4"),
    path("node/<str:node_id>", views.node, name="node"),
]
