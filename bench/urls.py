"""The project's URLs plus bench-only pages for bench/run_benchmarks.py.

- the baseline: every middleware and the base template, no data;
- the department map's data over every open case of the city: no role may ask for that
  (department staff see their own department's cases), but the archive's 25,000 open cases
  are the size the map has to stand.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import include, path
from django.views.decorators.http import require_GET


@require_GET
def empty_page(request: HttpRequest) -> HttpResponse:
    """Logged in, every middleware, the base template: everything but a page's own work."""
    return render(request, "base.html", {})


@require_GET
def map_of_all_open_cases(request: HttpRequest) -> JsonResponse:
    """The department map's own code (departments.views.map_response) over the whole city."""
    from departments.views import _bbox, map_response
    from tickets.models import Case

    bbox = _bbox(request.GET.get("bbox", ""))
    if bbox is None:
        return JsonResponse({"error": "bbox"}, status=400)
    return map_response(Case.objects.all(), bbox)


urlpatterns = [
    path("bench/empty/", empty_page),
    path("bench/map-all/", map_of_all_open_cases),
    path("", include("kobepost.urls")),
]
