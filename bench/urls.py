"""The project's URLs plus one bench-only page: the baseline of bench/run_benchmarks.py."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import include, path
from django.views.decorators.http import require_GET


@require_GET
def empty_page(request: HttpRequest) -> HttpResponse:
    """Logged in, every middleware, the base template: everything but a page's own work."""
    return render(request, "base.html", {})


urlpatterns = [
    path("bench/empty/", empty_page),
    path("", include("kobepost.urls")),
]
