from django.urls import path

from callcenter import exports, views

app_name = "callcenter"

urlpatterns = [
    path("", views.home, name="home"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/export/", exports.case_export, name="case_export"),
    path("calls/export/", exports.call_export, name="call_export"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/phone-history/", views.phone_history, name="phone_history"),
    path("cases/nearby/", views.nearby_cases, name="nearby_cases"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/print/", views.case_print, name="case_print"),
    path("cases/<int:pk>/status/", views.case_status, name="case_status"),
    path("cases/<int:pk>/transfer/", views.case_transfer_view, name="case_transfer"),
    path("cases/<int:pk>/correct/", views.case_correct_view, name="case_correct"),
    path("cases/<int:pk>/callback/", views.case_callback, name="case_callback"),
    path("callbacks/", views.callbacks, name="callbacks"),
]
