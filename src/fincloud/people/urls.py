from django.urls import path

from fincloud.people import views

app_name = "people"
urlpatterns = [
    path("sign-in", views.SignInView.as_view(), name="login"),
    path("sign-out", views.SignOutView.as_view(), name="logout"),
    path("", views.user_list, name="user_list"),
    path("new", views.user_create, name="user_create"),
    path("units/", views.unit_list, name="unit_list"),
    path("units/new", views.unit_create, name="unit_create"),
    path("grants/", views.grant_list, name="grant_list"),
    path("grants/new", views.grant_create, name="grant_create"),
    path("grants/<uuid:code>/", views.grant_detail, name="grant_detail"),
    path("grants/<uuid:code>/implement", views.grant_implement, name="grant_implement"),
    path("grants/<uuid:code>/<str:action>", views.grant_transition, name="grant_transition"),
]
