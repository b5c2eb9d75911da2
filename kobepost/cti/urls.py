from django.urls import path

from kobepost.cti import views

app_name = "cti"

urlpatterns = [
    # Under settings.CTI_PBX_URL_PREFIX: outside the staff allowlist, PBX addresses only.
    path("pbx/events/", views.pbx_events, name="pbx_events"),
    path("pop/", views.pop, name="pop"),
    path("seat/", views.seat, name="seat"),
    path("calls/", views.journal, name="journal"),
    path("calls/<uuid:public_id>/dismiss/", views.dismiss, name="dismiss"),
    path("calls/<uuid:public_id>/callback/", views.callback_done, name="callback_done"),
]
