"""Qt6 / QGIS 4 readiness, checked against the live bindings, not a hand-written list.

PyQt6 (hence QGIS 4) accepts only scoped enum members (``Qt.MouseButton.LeftButton``, not
``Qt.LeftButton``). Every ``<Class>.<Member>`` in the plugin's sources, where ``Class`` was
imported from ``qgis.*`` (or the plugin's compatibility module), is resolved in the running
QGIS: if the member is an enum value but ``Class`` is not its enum type, the spelling is
unscoped and is reported with the scoped one to use instead (``Class.EnumType.Member``, or
the enum's own name for a member QGIS moved, e.g. to ``Qgis``). The same walk
refuses what Qt6 removed: ``exec_()``, ``QAction`` from ``QtWidgets`` and ``QVariant`` type
codes (the compatibility module is the one place allowed to bridge Qt5 and Qt6).
"""

from __future__ import annotations

import ast
import enum
import importlib
import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("plugin.py", "__init__.py", "ui", "provider", "scripts", "tests", "bench")
COMPAT_MODULES = {"qt_compat": "metamapper.qt_compat"}  # import name -> module path


def python_files() -> list[Path]:
    files: list[Path] = []
    for name in SOURCES:
        path = ROOT / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []
    return files


def _is_enum_value(value: object) -> bool:
    """A member of a PyQt5 (sip) enum or of a Python enum (PyQt6, QGIS's scoped enums)."""
    if isinstance(value, enum.Enum):
        return True
    return type(type(value)).__name__ == "enumtype"  # sip.enumtype (PyQt5)


def _bindings_name(module: str | None, level: int) -> str | None:
    """The module to resolve imported names in, or None when not a Qt/QGIS one."""
    if module is None:
        return None
    if level == 0 and (module == "qgis" or module.startswith("qgis.")):
        return module
    return COMPAT_MODULES.get(module.rsplit(".", 1)[-1])  # .qt_compat, metamapper.qt_compat


def imported_bindings(tree: ast.AST) -> dict[str, object]:
    """Names bound by ``from qgis.X import Y [as Z]`` / ``import qgis.X [as Z]`` anywhere in
    the file -> live objects."""
    names: dict[str, object] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "qgis" or alias.name.startswith("qgis."):
                    try:
                        mod = importlib.import_module(alias.name)
                    except ImportError:
                        continue
                    if alias.asname:
                        names[alias.asname] = mod
                    else:
                        names["qgis"] = importlib.import_module("qgis")
        elif isinstance(node, ast.ImportFrom):
            module = _bindings_name(node.module, node.level)
            if module is None:
                continue
            try:
                mod = importlib.import_module(module)
            except ImportError:
                continue  # e.g. qgis.server is not installed everywhere
            for alias in node.names:
                if alias.name != "*" and hasattr(mod, alias.name):
                    names[alias.asname or alias.name] = getattr(mod, alias.name)
    return names


def _resolve(expr: ast.expr, names: dict[str, object]) -> object | None:
    """The live object a ``Name.attr.attr`` chain denotes, or None."""
    if isinstance(expr, ast.Name):
        return names.get(expr.id)
    if isinstance(expr, ast.Attribute):
        owner = _resolve(expr.value, names)
        return None if owner is None else getattr(owner, expr.attr, None)
    return None


def _is_enum_type(obj: object) -> bool:
    return isinstance(obj, enum.EnumMeta) or type(obj).__name__ == "enumtype"


def _scoped_spelling(value: object, member: str) -> str:
    """How to write ``value`` scoped: its enum type, then the member's name there."""
    enum_type = type(value)
    try:
        has_member = getattr(enum_type, member, None) == value
    except Exception:  # noqa: BLE001 - some sip objects refuse comparison
        has_member = False
    name = member if has_member or not isinstance(value, enum.Enum) else value.name
    return f"{enum_type.__qualname__}.{name}"


def code_trees(path: Path) -> list[tuple[ast.AST, int]]:
    """The file's syntax tree, plus Python held in its string constants (the probe scripts
    run inside a real QGIS, ``python -c`` snippets) with the line each starts on."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    trees = [(tree, 0)]
    if path == Path(__file__):
        return trees  # its samples of wrong code are data
    for node in ast.walk(tree):
        if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                and "qgis" in node.value and "import" in node.value):
            for text in (node.value, _filled_template(node.value)):
                try:
                    trees.append((ast.parse(textwrap.dedent(text)), node.lineno - 1))
                    break
                except SyntaxError:
                    continue  # prose, not code
    return trees


def _filled_template(text: str) -> str:
    """A ``str.format`` template as the code it becomes (fields -> None, ``{{`` -> ``{``)."""
    text = text.replace("{{", "\0").replace("}}", "\1")
    text = re.sub(r"\{[A-Za-z_][\w.\[\]]*(![rsa])?(:[^{}]*)?\}", "None", text)
    return text.replace("\0", "{").replace("\1", "}")


def unscoped_enum_uses(path: Path) -> list[str]:
    """``Class.Member`` where Member is an enum value but Class is not its enum type."""
    found = []
    for tree, first_line in code_trees(path):
        names = imported_bindings(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute):
                continue
            owner = _resolve(node.value, names)
            if not isinstance(owner, type) or _is_enum_type(owner):
                continue
            try:
                value = getattr(owner, node.attr, None)
            except Exception:  # noqa: BLE001 - a binding that raises on access is no enum
                continue
            if value is None or isinstance(value, type) or not _is_enum_value(value):
                continue
            found.append(f"{_where(path)}:{first_line + node.lineno}: {ast.unparse(node)}"
                         f" -> {_scoped_spelling(value, node.attr)}")
    return found


def _where(path: Path) -> str:
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def qt6_removed_uses(path: Path) -> list[str]:
    """exec_(), QAction from QtWidgets and QVariant type codes (outside the compat module)."""
    if path.name == "qt_compat.py":
        return []
    where = _where(path)
    found = []
    for tree, first_line in code_trees(path):
        for node in ast.walk(tree):
            line = first_line + getattr(node, "lineno", 0)
            if isinstance(node, ast.Attribute) and node.attr in ("exec_", "exec__"):
                found.append(f"{where}:{line}: .{node.attr}() -> .exec()")
            elif isinstance(node, ast.ImportFrom) and node.module == "qgis.PyQt.QtWidgets":
                if any(alias.name == "QAction" for alias in node.names):
                    found.append(f"{where}:{line}: QAction from QtWidgets (QtGui in Qt6)"
                                 " -> import it from the compatibility module")
            elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and node.value.id == "QVariant"):
                found.append(f"{where}:{line}: QVariant.{node.attr} -> QMetaType.Type"
                             " (QgsField type codes: the compatibility module)")
    return found


def test_the_walk_sees_the_plugin_sources() -> None:
    files = {p.relative_to(ROOT).as_posix() for p in python_files()}
    assert {"plugin.py", "ui/panel.py", "provider/fewshot_classify.py"} <= files
    assert not any(f.startswith(("core/", ".venv")) for f in files)


def test_the_check_catches_what_it_must(tmp_path) -> None:
    """The detectors themselves, on a source written here: they cannot pass vacuously."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from qgis.PyQt import QtCore\n"
        "from qgis.PyQt.QtCore import Qt\n"
        "from qgis.PyQt.QtWidgets import QAction, QDialog\n"
        "from qgis.core import Qgis, QgsProcessing\n"
        "a = Qt.LeftButton\n"
        "b = Qt.MouseButton.LeftButton\n"
        "c = Qgis.Critical\n"
        "d = Qgis.MessageLevel.Critical\n"
        "e = QtCore.Qt.RightButton\n"
        "f = [QgsProcessing.TypeVectorPolygon, QgsProcessing.SourceType.TypeVectorPolygon]\n"
        "g = Qt.MouseButton, Qgis.version(), QgsProcessing.TEMPORARY_OUTPUT\n"
        "QDialog().exec_()\n"
        "h = QVariant.Int\n")
    found = [line.split(": ", 1)[1] for line in unscoped_enum_uses(sample)]
    assert [f.split(" -> ")[0] for f in found] == [
        "Qt.LeftButton", "Qgis.Critical", "QtCore.Qt.RightButton",
        "QgsProcessing.TypeVectorPolygon"]
    assert found[0].endswith("MouseButton.LeftButton")
    assert found[1].endswith("MessageLevel.Critical")
    removed = "\n".join(qt6_removed_uses(sample))
    assert ".exec_()" in removed and "QAction from QtWidgets" in removed
    assert "QVariant.Int" in removed

    probe = tmp_path / "probe.py"  # code QGIS runs from a string (the Xvfb probes)
    probe.write_text('import textwrap\n\nPROBE = textwrap.dedent("""\n'
                     '    from qgis.PyQt.QtCore import Qt\n'
                     '    modifiers = Qt.NoModifier\n'
                     '""")\n')
    (hit,) = unscoped_enum_uses(probe)
    assert hit.endswith(":5: Qt.NoModifier -> " + hit.rsplit(" -> ", 1)[1])
    assert "KeyboardModifier.NoModifier" in hit


@pytest.mark.parametrize("path", python_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_scoped_enums_only(path: Path) -> None:
    found = unscoped_enum_uses(path)
    assert not found, "unscoped enum members (Qt6 / QGIS 4 refuse them):\n" + "\n".join(found)


@pytest.mark.parametrize("path", python_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_nothing_qt6_removed(path: Path) -> None:
    found = qt6_removed_uses(path)
    assert not found, "\n".join(found)
