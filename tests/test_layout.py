"""The package's shape: folders are pipeline stages, imports only go down, nothing private crosses a module."""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "briefing"
MAX_LINES = 400
# Lowest first: a module may import from its own stage and the stages before it, never after.
STAGES = ["base", "text", "sources", "summarize", "outputs", "top"]
BASE = {"models", "options", "errors", "progress", "atomic"}


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _stage(module: str) -> str:
    """The stage a module belongs to."""
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and parts[1] in STAGES):
        return parts[1]
    return "base" if len(parts) == 2 and parts[1] in BASE else "top"


def _imports(module: str, path: Path, modules: dict[str, Path]) -> list[tuple[str, str, int]]:
    """(imported module, imported name, line) for every import of a package module, lazy ones included."""
    is_package = path.name == "__init__.py"
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in modules:
                    found.append((sub, "", node.lineno))
                elif target in modules:
                    found.append((target, alias.name, node.lineno))
        elif isinstance(node, ast.Import):
            found.extend((alias.name, "", node.lineno) for alias in node.names if alias.name in modules)
    return [(target, name, line) for target, name, line in found if target != module]


MODULES = _modules()
GRAPH = nx.DiGraph()
for _name, _path in MODULES.items():
    GRAPH.add_node(_name)
    for _target, _, _ in _imports(_name, _path, MODULES):
        if not _name.startswith(_target + "."):  # a module importing its own package's __init__ is no cycle
            GRAPH.add_edge(_name, _target)


def test_there_are_modules_to_check() -> None:
    assert {"briefing.sources.ingest", "briefing.summarize.pipeline", "briefing.outputs.render"} <= set(MODULES)


def test_no_import_cycles() -> None:
    cycles = list(nx.simple_cycles(GRAPH))
    assert cycles == [], f"import cycles: {cycles}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_private_names_cross_modules(module: str) -> None:
    private = [f"{target}.{name} (line {line})" for target, name, line in _imports(module, MODULES[module], MODULES)
               if name.startswith("_") and not name.startswith("__")]
    assert private == [], f"{module} imports private names: {private}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_stages_import_only_downwards(module: str) -> None:
    own = STAGES.index(_stage(module))
    upward = [target for target, _, _ in _imports(module, MODULES[module], MODULES)
              if STAGES.index(_stage(target)) > own]
    assert upward == [], f"{module} ({_stage(module)}) imports from a later stage: {upward}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_short(module: str) -> None:
    lines = len(MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{MODULES[module]} has {lines} lines (at most {MAX_LINES})"


def test_the_checker_sees_a_cycle_and_a_private_import(tmp_path: Path) -> None:
    """The checks above can fail: a made-up pair of modules that import each other's private names."""
    (tmp_path / "briefing").mkdir()
    (tmp_path / "briefing" / "a.py").write_text("from .b import _x\n", encoding="utf-8")
    (tmp_path / "briefing" / "b.py").write_text("def f():\n    from .a import y\n", encoding="utf-8")
    fake = {"briefing.a": tmp_path / "briefing" / "a.py", "briefing.b": tmp_path / "briefing" / "b.py"}
    graph = nx.DiGraph([(m, t) for m, p in fake.items() for t, _, _ in _imports(m, p, fake)])
    assert list(nx.simple_cycles(graph))
    assert _imports("briefing.a", fake["briefing.a"], fake) == [("briefing.b", "_x", 1)]


def test_every_package_is_installed() -> None:
    """A stage folder missing from pyproject's package list would be left out of a (non-editable) install."""
    import sys

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    listed = set(tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    folders = {".".join(p.parent.relative_to(PACKAGE.parent).parts) for p in PACKAGE.rglob("__init__.py")}
    assert folders <= listed, f"not installed: {sorted(folders - listed)}"
