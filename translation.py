"""Qt translations of MetaMapper: the translator for QGIS's locale, ``tr`` per context, and
the core messages translated at the QGIS boundary.

* ``tr = translator("MetaMapperPanel")`` at the top of a ui/ or provider/ module, then
  ``tr("Run")`` for every user-visible string (``scripts/update_ts.py`` finds them by AST).
* The engine (core/, no Qt) builds its messages with ``core.messages.msg``; the doors show
  them with :func:`tr_message` / :func:`error_text`, which look the template up in the
  ``core`` context and fill in the parameters.
* :func:`install_translator` loads ``i18n/metamapper_<locale>.qm`` (built by ``make``) for
  QGIS's locale: ``locale/userLocale`` when ``locale/overrideFlag`` is set, else the system
  locale. English needs no catalogue.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

from .core.messages import CONTEXT as CORE_CONTEXT
from .core.messages import message_of, render

I18N_DIR = Path(__file__).resolve().parent / "i18n"
CATALOGUE_PREFIX = "metamapper_"
#: QGIS's own names for a language -> our catalogue (QGIS 3 offers Simplified Chinese as
#: "zh-Hans" in Options > General)
ALIASES = {"zh_hans": "zh_CN", "zh_sg": "zh_CN", "zh": "zh_CN"}


def translator(context: str) -> Callable[[str], str]:
    """``tr(text)`` translating in ``context`` (the extractor reads the context literal)."""

    def tr(text: str) -> str:
        return QCoreApplication.translate(context, text)

    return tr


#: a line break between two of these (CJK text) is dropped, not turned into a space
_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_BREAK = re.compile(f"(?<=[{_CJK}])\n(?=[{_CJK}])")


def help_html(text: str) -> str:
    """An algorithm's help (``shortHelpString``) as one line of HTML.

    Processing's dialog makes a paragraph of every line of it
    (``QgsProcessingAlgorithmDialogBase::formatHelp``), so the source's wrapped lines showed
    as paragraph gaps. A break between two CJK characters is dropped, any other becomes a
    space (where HTML would have put one)."""
    return _CJK_BREAK.sub("", text).replace("\n", " ")


def tr_core(template: str) -> str:
    """One core template translated (English when the catalogue has none)."""
    return QCoreApplication.translate(CORE_CONTEXT, template)


def tr_message(text: Any) -> str:
    """A core :class:`~.core.messages.Message` in the user's language; other text as is."""
    return render(text, tr_core)


def error_text(error: BaseException) -> str:
    """What to show for an engine exception: its message, translated."""
    return tr_message(message_of(error))


# ------------------------------------------------------------------------------ locale
def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def qgis_locale() -> str:
    """QGIS's user interface locale, e.g. 'zh_CN' or 'en_US'."""
    settings = QgsSettings()
    if _as_bool(settings.value("locale/overrideFlag", False)):
        chosen = str(settings.value("locale/userLocale", "") or "")
        if chosen:
            return chosen
    return QLocale().name()


def catalogue_for(locale: str) -> Path | None:
    """The compiled catalogue for ``locale`` ('zh_CN', then 'zh'), or None (English)."""
    locale = (locale or "").replace("-", "_")
    for name in (locale, ALIASES.get(locale.lower(), ""), locale.split("_")[0]):
        if not name or name.lower().startswith("en"):
            continue
        path = I18N_DIR / f"{CATALOGUE_PREFIX}{name}.qm"
        if path.is_file():
            return path
    return None


def install_translator(locale: str | None = None) -> QTranslator | None:
    """Load and install the catalogue for ``locale`` (default: QGIS's); None for English
    or when no catalogue exists. Keep the returned object and pass it to
    :func:`remove_translator` on unload."""
    path = catalogue_for(qgis_locale() if locale is None else locale)
    if path is None:
        return None
    qt_translator = QTranslator()
    if not qt_translator.load(str(path)):
        return None
    QCoreApplication.installTranslator(qt_translator)
    return qt_translator


def remove_translator(qt_translator: QTranslator | None) -> None:
    if qt_translator is not None:
        QCoreApplication.removeTranslator(qt_translator)
