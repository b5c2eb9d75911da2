from django.urls import path

from kobepost.stats import views as stats_views

app_name = "stats"

urlpatterns = [
    path("", stats_views.dashboard, name="dashboard"),
    path("monthly/", stats_views.monthly, name="monthly"),
    path("monthly.xlsx", stats_views.monthly_xlsx, name="monthly_xlsx"),
    path("monthly.csv", stats_views.monthly_csv, name="monthly_csv"),
]
