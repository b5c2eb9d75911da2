from django.urls import path

from kobepost.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.notice_list, name="notices"),
    path("read/", views.notice_read, name="notice_read"),
    path("failed/", views.failed_list, name="failed"),
    path("failed/<int:pk>/resend/", views.failed_resend, name="failed_resend"),
    path("failed/resend/", views.failed_resend_all, name="failed_resend_all"),
]
