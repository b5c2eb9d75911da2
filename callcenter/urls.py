from django.urls import path

from callcenter import views

app_name = "callcenter"

urlpatterns = [
    path("", views.home, name="home"),
]
