"""Login is required everywhere except the declared public pages (promise 8(1)カ)."""

from django.conf import settings
from django.test import Client

from tests.urlwalk import all_routes

# The only staff-side URLs an anonymous visitor may open.
PUBLIC_ROUTES = {"login", "logout", "set_language", "admin/login/", "health"}


def is_declared_public(route) -> bool:
    # The phone system's endpoint is for a machine with its own token, from PBX addresses
    # only (kobepost/cti/tests/test_pbx_endpoint.py), never a person's login.
    return (
        route.name in PUBLIC_ROUTES
        or route.path.startswith(settings.PUBLIC_URL_PREFIX)
        or route.path.startswith(settings.CTI_PBX_URL_PREFIX)
    )


def test_every_route_sends_anonymous_users_to_login(db):
    routes = [r for r in all_routes() if not is_declared_public(r)]
    assert len(routes) > 10, "the URL walk found suspiciously few routes"
    failures = []
    client = Client()
    for route in routes:
        response = client.get(route.path)
        location = response.get("Location", "")
        if response.status_code != 302 or not (
            location.startswith("/login/") or location.startswith("/admin/login/")
        ):
            failures.append(f"{route.name} {route.path} -> {response.status_code} {location}")
    assert not failures, "reachable without login:\n" + "\n".join(failures)
