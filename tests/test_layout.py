"""The layout rules of docs/architecture.md, checked on the source (no database).

Imports point one way: ``tickets`` (cases, routing, the shared case page) at the bottom,
``callcenter`` and ``departments`` side by side above it and never importing each other,
``faq`` not importing ``callcenter``. No two files import each other at module level, the
``kobepost/`` top level keeps only the site-wide files, and no room grows past a quarter of
the application code.

What counts, read from the syntax tree of every application file (``tests`` and
``migrations`` folders excluded):
- for the rules between rooms, every import, wherever it is written: one inside a function
  is still a dependency;
- for cycles, every import too, with one exception. An import inside a function runs
  after every module has loaded, so it cannot leave a module half-initialised: a loop
  closed by one is allowed only where the pattern needs it, a Celery task that calls its
  service while the service queues the task (DEFERRED_LOOPS, docs/architecture.md). An
  import under ``if TYPE_CHECKING`` never runs and makes no loop.
"""

import ast
import functools
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from django.conf import settings

PACKAGES = ("kobepost", "tickets", "callcenter", "departments", "faq")
NOT_APPLICATION = {"tests", "migrations"}
# Rooms that are not Django apps but hold their own kind of code (README "Layout").
HELPER_ROOMS = ("kobepost/lib", "tickets/geo")
KOBEPOST_TOP_MAX_FILES = 12
# The service queues the task after commit (a function-level import); the thin task calls
# the service. Any other loop, deferred or not, is a layering mistake.
DEFERRED_LOOPS = [
    ["kobepost.notifications.services", "kobepost.notifications.tasks"],
    ["kobepost.privacy.retention", "kobepost.privacy.tasks"],
]
ROOM_MAX_SHARE = 0.25


def application_files(root: Path) -> Iterator[Path]:
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if not NOT_APPLICATION & set(path.relative_to(root).parts):
                yield path


def module_name(root: Path, path: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def _tree(source: str) -> ast.Module:
    """Each source parsed once for the several graphs of a run."""
    return ast.parse(source)


def _imported_names(node: ast.stmt, package: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            parent = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join([*parent, base] if base else parent)
        # "from a import b" loads a, and a.b when b is a module.
        return [base, *(f"{base}.{alias.name}" for alias in node.names)]
    return []


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _walk(node: ast.AST, *, functions: bool, type_checking: bool) -> Iterator[ast.stmt]:
    """Import statements under ``node``: with ``functions``, those inside functions too;
    with ``type_checking``, those under ``if TYPE_CHECKING`` too."""
    for child in ast.iter_child_nodes(node):
        if not functions and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        if not type_checking and _is_type_checking(child):
            continue
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        yield from _walk(child, functions=functions, type_checking=type_checking)


def import_graph(
    root: Path, *, functions: bool = True, type_checking: bool = False
) -> dict[str, set[str]]:
    """Module → the application modules it imports (see _walk for the two options)."""
    paths = {module_name(root, path): path for path in application_files(root)}

    def known(name: str) -> str | None:
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets: set[str] = set()
        tree = _tree(path.read_text(encoding="utf-8"))
        for node in _walk(tree, functions=functions, type_checking=type_checking):
            for name in _imported_names(node, package):
                target = known(name)
                if target and target != module:
                    targets.add(target)
        graph[module] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def edges_between(
    graph: dict[str, set[str]], sources: Iterable[str], targets: Iterable[str]
) -> list[str]:
    def in_any(module: str, packages: Iterable[str]) -> bool:
        return any(module == p or module.startswith(f"{p}.") for p in packages)

    return sorted(
        f"{module} -> {target}"
        for module, imported in graph.items()
        if in_any(module, sources)
        for target in imported
        if in_any(target, targets)
    )


def room_of(root: Path, path: Path, rooms: list[Path]) -> Path:
    return max(
        (room for room in rooms if path.is_relative_to(root / room)), key=lambda r: len(r.parts)
    )


def room_lines(root: Path) -> dict[str, int]:
    """Lines of application code per room: each Django app (a folder with apps.py) and the
    helper rooms, a file counting for the innermost room it is in."""
    rooms = [
        path.parent.relative_to(root)
        for package in PACKAGES
        for path in (root / package).rglob("apps.py")
    ]
    rooms += [Path(room) for room in HELPER_ROOMS]
    lines: dict[str, int] = {}
    for path in application_files(root):
        room = str(room_of(root, path, rooms))
        lines[room] = lines.get(room, 0) + len(path.read_text(encoding="utf-8").splitlines())
    return lines


@pytest.fixture(scope="module")
def root() -> Path:
    return Path(settings.BASE_DIR)


@pytest.fixture(scope="module")
def every_import(root: Path) -> dict[str, set[str]]:
    return import_graph(root, functions=True, type_checking=True)


def test_callcenter_and_departments_never_import_each_other(every_import):
    # What both desks use (the case page, its forms, the contractor list) is in tickets.
    assert edges_between(every_import, ["callcenter"], ["departments"]) == []
    assert edges_between(every_import, ["departments"], ["callcenter"]) == []


def test_faq_does_not_import_callcenter(every_import):
    assert edges_between(every_import, ["faq"], ["callcenter"]) == []


def test_no_two_files_import_each_other_when_loaded(root):
    graph = import_graph(root, functions=False)
    assert len(graph) > 100  # the walk found the application
    assert cycles(graph) == []


def test_the_only_deferred_loops_are_a_service_and_its_task(root):
    assert sorted(cycles(import_graph(root, functions=True))) == DEFERRED_LOOPS


def test_the_cycle_check_tells_loaded_deferred_and_type_only_imports_apart(tmp_path):
    package = tmp_path / "tickets"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from tickets.b import B\n\nclass A:\n    pass\n")
    (package / "b.py").write_text("from . import c\n\nB = 1\n")
    (package / "c.py").write_text("from .a import A\n")
    (package / "d.py").write_text(
        "from tickets.a import A\n\ndef later():\n    from tickets import d\n"
    )
    assert cycles(import_graph(tmp_path, functions=False)) == [
        ["tickets.a", "tickets.b", "tickets.c"]
    ]
    (package / "c.py").write_text("def later():\n    from .a import A\n")
    assert cycles(import_graph(tmp_path, functions=False)) == []
    assert cycles(import_graph(tmp_path, functions=True)) == [
        ["tickets.a", "tickets.b", "tickets.c"]
    ]
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from .a import A\n"
    )
    assert cycles(import_graph(tmp_path, functions=True)) == []
    assert "tickets.a" in import_graph(tmp_path, type_checking=True)["tickets.c"]


def test_kobepost_top_level_keeps_only_the_site_wide_files(root):
    files = sorted(path.name for path in (root / "kobepost").glob("*.py"))
    assert len(files) <= KOBEPOST_TOP_MAX_FILES, files


def test_no_room_holds_more_than_a_quarter_of_the_code(root):
    lines = room_lines(root)
    total = sum(lines.values())
    assert {"tickets", "callcenter", "kobepost", "kobepost/lib"} <= set(lines)
    too_big = {
        room: f"{count / total:.0%}"
        for room, count in lines.items()
        if count > total * ROOM_MAX_SHARE
    }
    assert too_big == {}
