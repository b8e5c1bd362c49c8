"""README's Troubleshooting tables quote messages that the code really shows.

The first column of every table in README's "## Troubleshooting" section holds the key
fragment(s) of a message in backticks (``…`` stands for the part naming a layer, file or
value). Each fragment must occur in a string literal of core/ (not core/metatrain),
provider/ or ui/, so a reworded message fails this test instead of leaving the docs stale.
Every user-facing error class of core/errors.py must also have at least one documented
message raised with it.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE_DIRS = ("core", "provider", "ui")
PLACEHOLDER = "\x00"  # an f-string's {expression} in rendered literals
AREAS = ("Dependencies", "Raster", "Labels", "Region", "Model file", "Outputs",
         "Device, GPU and memory", "Cancelling")
ERROR_CLASSES = ("DependencyError", "RasterError", "LabelError", "RegionError",
                 "ModelFileError", "OutputError", "DeviceError", "Cancelled")


def source_files() -> list[Path]:
    return sorted(p for d in SOURCE_DIRS for p in (ROOT / d).rglob("*.py"))


def render(node: ast.AST) -> str | None:
    """The text of a string literal, f-string placeholders as PLACEHOLDER."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else PLACEHOLDER
                       for v in node.values)
    return None


@cache
def literals() -> tuple[str, ...]:
    """Every string literal of the plugin's user-facing code."""
    found = []
    for path in source_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = render(node)
            if text:
                found.append(text)
    return tuple(found)


def _literals_in(node: ast.AST) -> list[str]:
    return [t for sub in ast.walk(node) if (t := render(sub))]


@cache
def literals_by_error_class() -> dict[str, tuple[str, ...]]:
    """String literals passed to each exception class (and a class's default message).

    A message built by a helper (``DependencyError(missing_runtime_message(...))``) counts
    the helper's literals too.
    """
    trees = [ast.parse(p.read_text(encoding="utf-8")) for p in source_files()]
    helpers = {n.name: n for t in trees for n in ast.walk(t) if isinstance(n, ast.FunctionDef)}
    out: dict[str, list[str]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = ast.unparse(node.func).split(".")[-1]
                scope: list = list(node.args)
            elif isinstance(node, ast.ClassDef):  # e.g. Cancelled's default message
                name, scope = node.name, list(node.body)
            else:
                continue
            for arg in scope:
                out.setdefault(name, []).extend(_literals_in(arg))
                for call in (c for c in ast.walk(arg) if isinstance(c, ast.Call)):
                    helper = helpers.get(ast.unparse(call.func).split(".")[-1])
                    if helper is not None:
                        out[name].extend(_literals_in(helper))
    return {k: tuple(v) for k, v in out.items()}


def pattern(fragment: str) -> re.Pattern[str]:
    """``…`` in a documented fragment matches any text (usually a placeholder)."""
    return re.compile(".*?".join(re.escape(piece) for piece in fragment.split("…")), re.S)


def occurs_in(fragment: str, texts: tuple[str, ...]) -> bool:
    regex = pattern(fragment)
    return any(regex.search(t) for t in texts)


def troubleshooting_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Troubleshooting\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    assert match, "README.md has no '## Troubleshooting' section"
    return match.group(1)


def documented_fragments() -> list[tuple[str, str]]:
    """(area, fragment) for every backticked fragment in the tables' first column."""
    rows = []
    area = ""
    for line in troubleshooting_section().splitlines():
        if line.startswith("### "):
            area = line[4:].strip()
        elif line.startswith("|") and not re.match(r"^\|\s*(you see|-)", line):
            first_cell = line.split("|")[1]
            rows.extend((area, f) for f in re.findall(r"`([^`]+)`", first_cell))
    return rows


def test_every_area_has_a_table_with_documented_messages() -> None:
    fragments = documented_fragments()
    areas = {area for area, _ in fragments}
    missing = [a for a in AREAS if not any(x.startswith(a) for x in areas)]
    assert not missing, f"Troubleshooting has no table for: {missing}"
    assert len(fragments) >= 60
    # Short fragments would match anything; long enough to identify one message.
    short = [f for _, f in fragments if len(f.replace("…", "")) < 12]
    assert not short, f"fragments too short to identify a message: {short}"


@pytest.mark.parametrize("area,fragment", documented_fragments())
def test_documented_fragment_occurs_in_the_source(area: str, fragment: str) -> None:
    assert occurs_in(fragment, literals()), (
        f"README Troubleshooting ({area}): `{fragment}` is not in any message of "
        f"{', '.join(SOURCE_DIRS)}/ any more; update the table to the current wording."
    )


def test_matcher_rejects_messages_that_do_not_exist() -> None:
    assert occurs_in("Model file not found: …", literals())
    assert not occurs_in("Model file not found anywhere in the universe", literals())
    assert not occurs_in("Cancelled by the user; output was written.", literals())


@pytest.mark.parametrize("error_class", ERROR_CLASSES)
def test_every_error_class_has_a_documented_message(error_class: str) -> None:
    raised = literals_by_error_class().get(error_class, ())
    assert raised, f"{error_class} is never raised with a message in the source"
    documented = [f for _, f in documented_fragments() if occurs_in(f, raised)]
    assert documented, f"no README Troubleshooting row quotes a {error_class} message"


def test_troubleshooting_is_the_last_section() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sections = re.findall(r"^## (.+)$", readme, re.M)
    assert sections[-1] == "Troubleshooting"
    assert "docs/screenshots/modeler.png" in readme
    assert (ROOT / "docs" / "screenshots" / "modeler.png").stat().st_size > 10_000
