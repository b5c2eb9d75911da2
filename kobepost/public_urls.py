"""URLs of the citizen side, all under settings.PUBLIC_URL_PREFIX.

Every view here must be marked ``login_not_required`` and must never read staff data.
"""

app_name = "public"

urlpatterns: list = []
