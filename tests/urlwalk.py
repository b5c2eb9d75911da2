"""Every URL pattern of the project as a concrete path, for tests that walk them all."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

SAMPLE_VALUES = {
    "int": "1",
    "str": "sample",
    "slug": "sample",
    "path": "sample/x",
    "uuid": ("00000000-0000-0000-0000-000000000000"),
}


@dataclass(frozen=True)
class Route:
    name: str
    path: str


def _concrete(pattern_text: str) -> str:
    def replace(match: re.Match) -> str:
        converter = match.group(1) or "str"
        return SAMPLE_VALUES.get(converter, "1")

    text = re.sub(r"<(?:(\w+):)?\w+>", replace, pattern_text)
    # Regex patterns (the admin's): strip anchors and fill groups with a sample.
    text = re.sub(r"\(\?P<\w+>[^)]*\)", "1", text)
    return text.replace("^", "").replace("$", "").replace("\\", "")


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, prefix + str(entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}{entry.name}" if entry.name else prefix + str(entry.pattern)
                routes.append(Route(name, "/" + _concrete(prefix + str(entry.pattern))))

    walk(get_resolver().url_patterns, "", "")
    return routes
