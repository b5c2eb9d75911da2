from django.urls import path

from kobepost.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/export/", views.request_export, name="export"),
    path("<int:pk>/correct/", views.request_correct, name="correct"),
    path("<int:pk>/close/", views.request_close, name="close"),
]
