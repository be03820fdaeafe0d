"""Exceptions and warnings raised by civictext.

Every error a user can meet derives from :class:`CivictextError`, so a script can
catch them all with one ``except``. Messages name the file or parameter, what was
received, and what to do about it.
"""
from __future__ import annotations

__all__ = [
    "CivictextError",
    "ParameterError",
    "ParameterTypeError",
    "CorpusError",
    "LexiconError",
    "CacheError",
    "ModelError",
    "CollectError",
    "DatasetError",
    "ValidationError",
    "TrendError",
    "CivictextWarning",
]


class CivictextError(Exception):
    """Base class of every error civictext raises on purpose."""


class ParameterError(CivictextError, ValueError):
    """An argument is out of range or malformed (names the parameter, what was
    given and what is allowed)."""


class ParameterTypeError(ParameterError, TypeError):
    """An argument has the wrong type (also a :class:`TypeError`)."""


class CorpusError(CivictextError, ValueError):
    """An input file or folder cannot be read as a corpus (names the file)."""


class LexiconError(CivictextError, ValueError):
    """A theme lexicon file is invalid (names the file and line)."""


class CacheError(CivictextError):
    """The token cache cannot be used (names the cache folder)."""


class ModelError(CivictextError, ValueError):
    """A topic model cannot be fitted, saved or loaded as asked."""


class CollectError(CivictextError):
    """The crawler cannot proceed (names the URL list or output folder)."""


class DatasetError(CivictextError):
    """A corpus cannot be fetched (names the corpus, the URL or the cache file)."""


class ValidationError(CivictextError, ValueError):
    """Scores or labels cannot be compared (names the parameter and what to fix)."""


class TrendError(CivictextError, ValueError):
    """Trends cannot be computed as asked (names the parameter or column)."""


class CivictextWarning(UserWarning):
    """Something was skipped or assumed; the message says what and why."""
