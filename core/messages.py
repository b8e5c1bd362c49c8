"""Translatable user-facing messages of the engine, without any Qt import.

Every text the engine shows to the user (error messages, warnings, notes, progress lines) is
built with :func:`msg` from a *literal* English template with named ``{fields}``::

    raise RasterError(msg("The raster '{name}' has no CRS.", name=path.name))

The result is a :class:`Message`: a ``str`` holding the English text (so ``str(error)``, logs
and tests read English as before) that also carries ``template`` and ``params``. The QGIS
side (``translation.tr_message``) looks the template up in the ``core`` context of the Qt
translation catalogue and formats the translation with the same parameters.
``scripts/update_ts.py`` collects the templates from the ``msg("...")`` calls in core/ by AST,
so the catalogue can be compared with the code.
"""

from __future__ import annotations

from typing import Any, Dict

#: The translation context of every core template (``QCoreApplication.translate``).
CONTEXT = "core"


class Message(str):
    """An English message (``str``) that remembers its template and parameters."""

    template: str
    params: Dict[str, Any]

    def __new__(cls, template: str, params: Dict[str, Any]) -> Message:
        text = template.format(**params)
        obj = super().__new__(cls, text)
        obj.template = template
        obj.params = dict(params)
        return obj

    def __reduce__(self):  # pickling (multiprocessing) keeps the template
        return (Message, (self.template, self.params))


def msg(template: str, /, **params: Any) -> Message:
    """The message ``template.format(**params)``; ``template`` must be a string literal."""
    return Message(template, params)


def render(text: Any, translate=None) -> str:
    """``text`` as a str, translated with ``translate(template) -> str`` when it is a
    :class:`Message` (nested messages in its parameters too); plain strings unchanged."""
    template = getattr(text, "template", None)
    params = getattr(text, "params", None)
    if template is None or params is None or translate is None:
        return str(text)
    values = {k: render(v, translate) if isinstance(v, Message) else v
              for k, v in params.items()}
    translated = translate(template) or template
    try:
        return translated.format(**values)
    except (KeyError, IndexError, ValueError):  # a broken translation: fall back to English
        return template.format(**values)


def message_of(error: BaseException) -> Any:
    """The :class:`Message` an exception was raised with (else its plain ``str``)."""
    first = error.args[0] if getattr(error, "args", None) else None
    if isinstance(first, Message):
        return first
    return str(error)
