from django.urls import path

from faq import views

app_name = "faq"

urlpatterns = [
    path("", views.search, name="search"),
    path("lookup/", views.lookup, name="lookup"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/answered/", views.answered, name="answered"),
    path("<int:pk>/edit/", views.entry_edit, name="edit"),
    path("<int:pk>/status/", views.entry_status, name="status"),
    path("<int:pk>/reviewed/", views.entry_reviewed, name="reviewed"),
    path("<int:pk>/history/", views.entry_history, name="history"),
    path("<int:pk>/propose/", views.proposal_create, name="propose"),
    path("new/", views.entry_create, name="create"),
    path("calls/new/", views.call_create, name="call_create"),
    path("review/", views.review_list, name="review_list"),
    path("proposals/", views.proposal_list, name="proposal_list"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/decide/", views.proposal_decide, name="proposal_decide"),
    path("import/", views.import_entries, name="import"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("usage/", views.usage, name="usage"),
]
