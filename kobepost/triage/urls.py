from django.urls import path

from kobepost.triage import views as triage_views

app_name = "triage"

urlpatterns = [
    path("", triage_views.queue, name="queue"),
    path("posts/<int:pk>/", triage_views.detail, name="detail"),
    path("posts/<int:pk>/publish/", triage_views.publish, name="publish"),
    path("posts/<int:pk>/unpublish/", triage_views.unpublish, name="unpublish"),
    path("posts/<int:pk>/reject/", triage_views.reject, name="reject"),
    path("posts/<int:pk>/duplicate/", triage_views.duplicate, name="duplicate"),
    path("posts/<int:pk>/forward/", triage_views.forward, name="forward"),
    path("posts/<int:pk>/duplicate-case/", triage_views.duplicate_case, name="duplicate_case"),
    path("posts/<int:pk>/respond/", triage_views.respond, name="respond"),
    path(
        "posts/<int:pk>/photos/<uuid:public_id>/visibility/",
        triage_views.photo_visibility,
        name="photo_visibility",
    ),
    path(
        "posts/<int:pk>/photos/<uuid:public_id>/redact/",
        triage_views.photo_redact_view,
        name="photo_redact",
    ),
    path(
        "posts/<int:pk>/photos/<uuid:public_id>/drop-original/",
        triage_views.photo_original_drop,
        name="photo_original_drop",
    ),
    path("photos/<uuid:public_id>.jpg", triage_views.photo, name="photo"),
    path(
        "photos/<uuid:public_id>/original.jpg", triage_views.photo_original, name="photo_original"
    ),
]
