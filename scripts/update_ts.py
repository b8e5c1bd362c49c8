"""Collect MetaMapper's translatable strings by AST and merge them into the Qt catalogues.

Sources, per translation context:

* ui/, provider/, plugin.py, translation.py: a module says ``tr = translator("Context")``;
  every ``tr("literal")`` (or ``tr(CONSTANT)``, a module-level string) is a message of that
  context; ``QCoreApplication.translate("Context", "literal")`` too.
* core/ (no Qt): every ``msg("template", ...)`` is a message of the ``core`` context.

``python3 scripts/update_ts.py`` rewrites ``i18n/metamapper_*.ts``: translations already
there are kept, new strings come in as ``type="unfinished"``, strings gone from the code are
dropped. ``--check`` changes nothing and exits 1 when a catalogue misses a string, leaves one
unfinished or empty, or has a translation whose ``{fields}`` differ from the source's.
``make`` compiles the catalogues to ``.qm`` with Qt's ``lrelease``.

The same module finds user-visible string literals that do not go through ``tr`` (see
:func:`untranslated_literals`); tests/test_i18n.py runs both checks.
"""

from __future__ import annotations

import argparse
import ast
import string
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "i18n"
LANGUAGES = ("zh_CN",)
QT_SOURCES = ("plugin.py", "ui", "provider")
CORE_DIR = "core"
CORE_EXCLUDE = ("metatrain",)  # training code: never shown in QGIS
CORE_CONTEXT = "core"
TR_NAMES = ("tr", "_tr")


def python_files(names: Iterable[str]) -> Iterator[Path]:
    for name in names:
        path = ROOT / name
        if path.is_file():
            yield path
        else:
            yield from sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)


def _const_str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _module_strings(tree: ast.Module) -> Dict[str, str]:
    """Module-level NAME = "literal" assignments (for tr(HELP))."""
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Name):
            value = _const_str(node.value)
            if value is not None:
                out[node.targets[0].id] = value
    return out


def module_context(tree: ast.Module) -> str | None:
    """The context of ``tr = translator("Context")`` at module level."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, ast.Name) \
                and node.value.func.id == "translator" and node.value.args:
            return _const_str(node.value.args[0])
    return None


def _is_tr_call(node: ast.Call) -> bool:
    f = node.func
    return (isinstance(f, ast.Name) and f.id in TR_NAMES) or (
        isinstance(f, ast.Attribute) and f.attr in TR_NAMES
        and isinstance(f.value, ast.Name) and f.value.id == "self")


def _is_qt_translate(node: ast.Call) -> bool:
    f = node.func
    return isinstance(f, ast.Attribute) and f.attr == "translate" and len(node.args) >= 2 \
        and isinstance(f.value, ast.Name) and f.value.id in ("QCoreApplication", "QApplication")


@dataclass
class Entry:
    context: str
    source: str
    places: List[str] = field(default_factory=list)


@dataclass
class Extraction:
    entries: Dict[Tuple[str, str], Entry] = field(default_factory=dict)
    problems: List[str] = field(default_factory=list)  # tr() of something not literal

    def add(self, context: str, source: str, place: str) -> None:
        key = (context, source)
        self.entries.setdefault(key, Entry(context, source)).places.append(place)


def extract() -> Extraction:
    """Every translatable string of the plugin, by context, from the code."""
    out = Extraction()
    for path in python_files(QT_SOURCES):
        rel = path.relative_to(ROOT).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), rel)
        context = module_context(tree)
        constants = _module_strings(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            place = f"{rel}:{node.lineno}"
            if _is_qt_translate(node):
                ctx, text = _const_str(node.args[0]), _const_str(node.args[1])
                if ctx is None or text is None:
                    out.problems.append(f"{place}: QCoreApplication.translate needs literals")
                else:
                    out.add(ctx, text, place)
            elif _is_tr_call(node) and node.args:
                arg = node.args[0]
                text = _const_str(arg)
                if text is None and isinstance(arg, ast.Name):
                    text = constants.get(arg.id)
                if context is None:
                    out.problems.append(f"{place}: tr() in a module without "
                                        "'tr = translator(\"Context\")'")
                elif text is None:
                    out.problems.append(f"{place}: tr() of a non-literal cannot be extracted")
                else:
                    out.add(context, text, place)
    for path in python_files([CORE_DIR]):
        rel = path.relative_to(ROOT).as_posix()
        if any(part in CORE_EXCLUDE for part in path.parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), rel)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id == "msg" and node.args:
                text = _const_str(node.args[0])
                if text is None:
                    out.problems.append(f"{rel}:{node.lineno}: msg() needs a literal template")
                else:
                    out.add(CORE_CONTEXT, text, f"{rel}:{node.lineno}")
    return out


# ------------------------------------------------------------------------------ catalogue
def fields_of(text: str) -> List[str]:
    """The sorted replacement fields of a str.format template ('{n:.1f}' -> 'n:.1f')."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return ["<malformed>"]
    return sorted(f"{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}"
                  for _lit, name, spec, conv in parsed if name is not None)


def read_ts(path: Path) -> Dict[Tuple[str, str], Tuple[str, str | None]]:
    """{(context, source): (translation, type attribute)} of a .ts file."""
    out: Dict[Tuple[str, str], Tuple[str, str | None]] = {}
    if not path.is_file():
        return out
    root = ET.parse(path).getroot()
    for ctx in root.iter("context"):
        name = ctx.findtext("name") or ""
        for message in ctx.iter("message"):
            source = message.findtext("source") or ""
            tr_el = message.find("translation")
            text = (tr_el.text or "") if tr_el is not None else ""
            kind = tr_el.get("type") if tr_el is not None else "unfinished"
            out[(name, source)] = (text, kind)
    return out


def write_ts(path: Path, language: str, extraction: Extraction) -> Tuple[int, int]:
    """Merge the extraction into ``path``; returns (messages, unfinished)."""
    old = read_ts(path)
    root = ET.Element("TS", version="2.1", language=language)
    contexts: Dict[str, List[Entry]] = {}
    for entry in extraction.entries.values():
        contexts.setdefault(entry.context, []).append(entry)
    total = unfinished = 0
    for context in sorted(contexts):
        ctx_el = ET.SubElement(root, "context")
        ET.SubElement(ctx_el, "name").text = context
        for entry in sorted(contexts[context], key=lambda e: e.source):
            message = ET.SubElement(ctx_el, "message")
            ET.SubElement(message, "source").text = entry.source
            text, kind = old.get((context, entry.source), ("", "unfinished"))
            tr_el = ET.SubElement(message, "translation")
            if text and kind not in ("unfinished", "obsolete", "vanished"):
                tr_el.text = text
            else:
                tr_el.set("type", "unfinished")
                tr_el.text = text or None
                unfinished += 1
            total += 1
    ET.indent(root, "    ")
    body = ET.tostring(root, encoding="unicode")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + body + "\n",
                    encoding="utf-8")
    return total, unfinished


def catalogue_problems(path: Path, extraction: Extraction) -> List[str]:
    """What a catalogue lacks compared with the code (empty list: complete)."""
    have = read_ts(path)
    problems = []
    for key, entry in sorted(extraction.entries.items()):
        where = f"[{entry.context}] {entry.source[:70]!r} ({entry.places[0]})"
        if key not in have:
            problems.append(f"missing: {where}")
            continue
        text, kind = have[key]
        if kind in ("unfinished", "obsolete", "vanished") or not text.strip():
            problems.append(f"unfinished: {where}")
        elif fields_of(text) != fields_of(entry.source):
            problems.append(f"fields {fields_of(text)} != {fields_of(entry.source)}: {where}")
    return problems


def ts_path(language: str) -> Path:
    return I18N / f"metamapper_{language}.ts"


# ------------------------------------------------------------------------------ literals
#: call name -> positions of the user-visible text argument(s) ("*" = every str argument)
TEXT_CALLS: Dict[str, Tuple] = {
    "setText": (0,), "setToolTip": (0,), "setWindowTitle": (0,), "setPlaceholderText": (0,),
    "setTitle": (0,), "setStatusTip": (0,), "setWhatsThis": (0,), "setLabelText": (0,),
    "setFilter": (0,), "addItem": (0,), "addRow": (0,), "setTabText": (1,),
    "setDialogTitle": (0,), "setProgressText": (0,), "setEditText": (0,),
    "QLabel": (0,), "QPushButton": (0,), "QGroupBox": (0,), "QCheckBox": (0,),
    "QRadioButton": (0,), "QToolButton": (0,), "QgsCollapsibleGroupBox": (0,),
    "QAction": ("*",), "QMessageBox": ("*",), "information": (1, 2), "warning": (1, 2),
    "critical": (1, 2), "question": (1, 2),
    "pushMessage": (1,), "pushInfo": (0,), "pushWarning": (0,), "reportError": (0,),
    "pushCommandInfo": (0,), "pushConsoleInfo": (0,), "pushFormattedMessage": (0,),
    "createMessage": (1,), "logMessage": (0,), "setDestinationName": (0,),
    "QgsProcessingException": (0,), "InputProblem": (0,), "PanelInputError": (0,),
    "GeometryProblem": (0,), "_end": (1,), "_message": (0,), "_error": (0,),
}
#: keyword arguments holding user-visible text
TEXT_KEYWORDS = ("description", "fileFilter", "title", "text", "message")
#: literals that are names, the same in every language
NOT_TEXT = ("MetaMapper",)
#: methods whose returned string is shown to the user
TEXT_METHODS = ("displayName", "group", "shortHelpString", "shortDescription", "longName",
                "helpString", "displayText")


def _call_name(node: ast.Call) -> str:
    f = node.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return ""


def _is_text(node: ast.AST) -> bool:
    """A string literal or f-string with letters in it (not '', not '%'), also as a part of
    a ``+`` concatenation or a conditional expression."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.IfExp):
        return _is_text(node.body) or _is_text(node.orelse)
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and any(c.isalpha() for c in str(v.value))
                   for v in node.values)
    text = _const_str(node)
    return text is not None and any(c.isalpha() for c in text)


def _text_args(node: ast.Call) -> List[ast.AST]:
    name = _call_name(node)
    out: List[ast.AST] = [kw.value for kw in node.keywords if kw.arg in TEXT_KEYWORDS]
    if name.startswith(("QgsProcessingParameter", "QgsProcessingOutput")):
        out += node.args[1:2]
    positions = TEXT_CALLS.get(name)
    if positions == ("*",):
        out += node.args
    elif positions:
        out += [node.args[i] for i in positions if i < len(node.args)]
    return out


def untranslated_literals(path: Path) -> List[str]:
    """'file:line: text' for user-visible literals that do not go through tr()."""
    rel = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
    tree = ast.parse(path.read_text(encoding="utf-8"), rel)
    found = []
    for node in ast.walk(tree):
        candidates: List[ast.AST] = []
        if isinstance(node, ast.Call):
            candidates = _text_args(node)
            if isinstance(node.func, ast.Attribute) and node.func.attr == "__init__" \
                    and isinstance(node.func.value, ast.Call) \
                    and _call_name(node.func.value) == "super":
                candidates += node.args[:1]  # QGroupBox/QDockWidget titles
        elif isinstance(node, ast.FunctionDef) and node.name in TEXT_METHODS:
            candidates = [n.value for n in ast.walk(node)
                          if isinstance(n, ast.Return) and n.value is not None]
        for arg in candidates:
            if _is_text(arg) and _const_str(arg) not in NOT_TEXT:
                text = _const_str(arg) or ast.get_source_segment(
                    path.read_text(encoding="utf-8"), arg) or ""
                found.append(f"{rel}:{arg.lineno}: {text[:70]!r}")
    return found


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 when a catalogue is incomplete")
    args = parser.parse_args(argv)
    extraction = extract()
    for problem in extraction.problems:
        print("error:", problem, file=sys.stderr)
    status = 1 if extraction.problems else 0
    for language in LANGUAGES:
        path = ts_path(language)
        if args.check:
            problems = catalogue_problems(path, extraction)
            for problem in problems:
                print(f"{path.name}: {problem}", file=sys.stderr)
            print(f"{path.name}: {len(extraction.entries)} strings, {len(problems)} problems")
            status = status or (1 if problems else 0)
        else:
            total, unfinished = write_ts(path, language, extraction)
            print(f"{path.relative_to(ROOT)}: {total} strings, {unfinished} unfinished")
    return status


if __name__ == "__main__":
    sys.exit(main())
