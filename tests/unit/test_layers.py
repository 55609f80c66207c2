"""Dependencies point one way: web and CLI → use cases → the moderation gate → data → pure code.

Every import counts, also those written inside a function: a lazy import hides a cycle, it does
not remove it. A module that is in no layer fails the test, so a new module is placed on purpose.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("forum", "moderation")

# Lowest first. A module takes the layer of its longest matching prefix; "=name" matches only the
# module itself (package files, which must stay light).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "pure",
        (
            "=forum",
            "=moderation",
            "forum.clock",
            "forum.data",
            "forum.dates",
            "forum.text",
            "forum.exports.opinion",
            "forum.exports.summary",
            "forum.exports.cells",
            "forum.search.analysis",
            "forum.search.evaluate",
            "moderation.rules",
            "forum.paging",
            "=forum.exports",
            "=forum.search",
            "=forum.services",
            "=forum.views",
        ),
    ),
    (
        "data",
        (
            "forum.extensions",
            "forum.config",
            "forum.permissions",
            "forum.mail",
            "forum.labels",
            "forum.after_response",
            "forum.page_cache",
            "forum.models",
            "forum.search",
            "forum.exports",
            "moderation.models",
            "moderation.audit",
        ),
    ),
    ("gate", ("moderation.gate",)),
    (
        "use cases",
        (
            "forum.services",
            "moderation.queue",
            "moderation.flags",
            "moderation.sanctions",
            "moderation.appeals",
            "moderation.rules_admin",
            "moderation.thread_tools",
            "moderation.transparency",
        ),
    ),
    (
        "web",
        (
            "forum.app",
            "forum.views",
            "moderation.views",
            "forum.cli",
            "forum.errors",
            "forum.ui",
            "forum.forms",
            "forum.hygiene",
            "forum.i18n",
            "forum.static_files",
        ),
    ),
]
# forum.create_app loads the app module inside the function, so that `import forum` stays light.
ALLOWED = {("forum", "forum.app")}


def module_names(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    found = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports anywhere in its file (top level or inside functions)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                targets.add(submodule if submodule in modules else base)
    return {t for t in targets if t in modules and t != name}


def layer_of(name: str) -> int | None:
    best: tuple[int, int] | None = None
    for rank, (_label, patterns) in enumerate(LAYERS):
        for pattern in patterns:
            exact = pattern.startswith("=")
            prefix = pattern.lstrip("=")
            matches = name == prefix or (not exact and name.startswith(prefix + "."))
            if matches and (best is None or len(prefix) > best[1]):
                best = (rank, len(prefix))
    return best[0] if best else None


def graph(root: Path = ROOT, packages: Iterable[str] = PACKAGES) -> dict[str, set[str]]:
    modules = module_names(root, packages)
    return {
        name: imports_of(name, path, modules) - {b for a, b in ALLOWED if a == name} for name, path in modules.items()
    }


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    problems = []
    for name, targets in sorted(edges.items()):
        for target in sorted(targets):
            low, high = layer_of(target), layer_of(name)
            if low is not None and high is not None and low > high:
                problems.append(f"{name} ({LAYERS[high][0]}) imports {target} ({LAYERS[low][0]})")
    return problems


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_module_has_a_layer():
    assert [name for name in module_names(ROOT, PACKAGES) if layer_of(name) is None] == []


def test_no_import_points_up():
    assert upward_imports(graph()) == []


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_package_files_import_no_views():
    edges = graph()
    packages = [name for name, path in module_names(ROOT, PACKAGES).items() if path.name == "__init__.py"]
    assert {p: sorted(t for t in edges[p] if ".views" in t or t.endswith("views")) for p in packages} == {
        p: [] for p in packages
    }


def test_the_checker_finds_an_upward_import_and_a_cycle(tmp_path: Path):
    """The test above can fail: a model that imports a view, and two services importing each other."""
    for package in ("forum", "forum/models", "forum/views", "forum/services"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "forum/models/room.py").write_text("def f():\n    from forum.views import rooms\n")
    (tmp_path / "forum/views/rooms.py").write_text("from ..models import room\n")
    (tmp_path / "forum/services/a.py").write_text("from forum.services import b\n")
    (tmp_path / "forum/services/b.py").write_text("import forum.services.a\n")
    edges = graph(tmp_path, ("forum",))
    assert upward_imports(edges) == ["forum.models.room (data) imports forum.views.rooms (web)"]
    assert cycles(edges) == [["forum.models.room", "forum.views.rooms"], ["forum.services.a", "forum.services.b"]]
