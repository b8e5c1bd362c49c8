"""The house: the engine's stages read top to bottom, what ships apart from what trains.

The import graph of the repository's own modules (module-level and lazy imports alike) has
no circle, and no import runs back up: a module imports only from its own floor or below.
Floors, bottom to top: the engine's base (errors, messages, deps, threads), reading,
mapping, the model, adapting, predicting, assessing, the engine calls (pipeline and its
steps, apply);
then the QGIS doors (provider, ui: neither imports the other) and the plugin's entry;
training on top, which the runtime never imports. Shipped files stay under 700 lines and
their functions under 120.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "training", "provider", "ui", "install")
TOP_FILES = ("__init__.py", "plugin.py", "translation.py")
#: module prefix -> floor (the longest matching prefix wins)
FLOORS = {
    "core.errors": 0, "core.messages": 0, "core.deps": 0, "core.threads": 0, "core": 0,
    "core.reading": 1,
    "core.mapping": 2,
    "core.model": 3, "core.settings": 3,
    "core.adapting": 4,
    "core.predicting": 5,
    "core.assessing": 6,
    "core.steps": 7, "core.region_steps": 7, "core.pipeline": 7, "core.apply": 7,
    "translation": 8, "install": 8,
    "provider": 9, "ui": 9,
    "plugin": 10, "__init__": 10,
    "training": 11,
}
#: floors whose packages are siblings: they may not import each other
SIBLINGS = {("provider", "ui"), ("ui", "provider")}
MAX_FILE_LINES = 700
MAX_FUNCTION_LINES = 120


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    for name in TOP_FILES:
        found[name[:-3]] = ROOT / name
    return found


def _package(module: str, path: Path) -> str:
    if path.name == "__init__.py" and module != "__init__":
        return module
    return module.rpartition(".")[0]


def imports(module: str, path: Path, known: set[str]) -> set[str]:
    """The repository modules ``module`` imports (every import statement, lazy ones too)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = _package(module, path).split(".") if _package(module, path) else []
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("metamapper."):
                target = node.module[len("metamapper."):]
            else:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}" if target else alias.name
                out.add(sub if sub in known else target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("metamapper."):
                    out.add(alias.name[len("metamapper."):])
    return {m for m in out if m in known and m != module}


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {m: imports(m, p, set(mods)) for m, p in mods.items()}


def floor(module: str) -> int:
    best = max((p for p in FLOORS if module == p or module.startswith(p + ".")), key=len)
    return FLOORS[best]


def test_no_import_circle():
    g = graph()
    state: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for n in sorted(g[m]):
            if state.get(n) == 1:
                circles.append(stack[stack.index(n):] + [n])
            elif n not in state:
                visit(n)
        stack.pop()
        state[m] = 2

    for m in sorted(g):
        if m not in state:
            visit(m)
    assert not circles, "import circles: " + "; ".join(" -> ".join(c) for c in circles)


def test_no_import_runs_back_up():
    upward = [f"{m} -> {n}" for m, targets in graph().items() for n in sorted(targets)
              if floor(n) > floor(m)
              or (m.split(".")[0], n.split(".")[0]) in SIBLINGS]
    assert not upward, "imports that run back up: " + ", ".join(upward)


def test_the_runtime_never_imports_training():
    leaks = [f"{m} -> {n}" for m, targets in graph().items() for n in targets
             if not m.startswith("training") and n.startswith("training")]
    assert not leaks


def shipped_files() -> list[Path]:
    import sys

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from package import runtime_files
    finally:
        sys.path.pop(0)
    return [ROOT / f for f in runtime_files() if f.endswith(".py")]


def _shipped_names() -> list[str]:
    return [str(p.relative_to(ROOT)) for p in shipped_files()]


@pytest.mark.parametrize("name", _shipped_names())
def test_shipped_rooms_have_a_readable_size(name):
    """Each shipped file: under 700 lines, its functions under 120."""
    text = (ROOT / name).read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_FILE_LINES, f"{name}: {text.count(chr(10))} lines"
    long_functions = [f"{node.name} ({node.end_lineno - node.lineno + 1})"
                      for node in ast.walk(ast.parse(text))
                      if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES]
    assert not long_functions, f"{name}: {long_functions}"


@pytest.mark.parametrize("package", ["training", "scripts/experiments", "tests", "bench"])
def test_the_zip_ships_no_training_evaluation_or_probe_code(package):
    assert not [p for p in shipped_files() if p.is_relative_to(ROOT / package)]
