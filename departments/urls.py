from django.urls import path

from departments import views

app_name = "departments"

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/map/", views.map_data, name="map_data"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/reply/", views.case_reply_view, name="case_reply"),
    path("cases/<int:pk>/work-status/", views.case_work_status, name="case_work_status"),
    path("cases/<int:pk>/note/", views.case_note, name="case_note"),
    path("cases/<int:pk>/transfer/", views.case_transfer_view, name="case_transfer"),
    path("cases/<int:pk>/direct-answer/", views.case_direct_answer, name="case_direct_answer"),
    path("cases/<int:pk>/attachments/", views.case_attach, name="case_attach"),
    path("cases/<int:pk>/contractor/", views.case_contractor, name="case_contractor"),
    path("cases/<int:pk>/agency/", views.case_agency, name="case_agency"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("canned/", views.canned_list, name="canned_list"),
    path("canned/<int:pk>/", views.canned_edit, name="canned_edit"),
    path("overdue/", views.overdue_list, name="overdue"),
]
