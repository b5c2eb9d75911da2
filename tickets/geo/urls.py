from django.urls import path

from tickets.geo import views as geo_views

app_name = "geo"

urlpatterns = [
    path("search/", geo_views.search, name="search"),
    path("ward/", geo_views.ward, name="ward"),
    path("towns/", geo_views.towns, name="towns"),
]
