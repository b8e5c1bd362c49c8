"""User-facing failures of the engine: each message says what is wrong and how to fix it."""

from __future__ import annotations


class MetaMapperError(Exception):
    """Base class of every MetaMapper failure shown to the user."""


class ModelFileError(MetaMapperError):
    """A model file is missing, damaged, of an unknown format, or unsafe to load."""
