"""The module paths of the flat layout (civictext <= 0.3), kept importable.

civictext's modules live in one subpackage per pipeline stage (``ingest``,
``text``, ``themes``, ``topics``, ``trends``, ``viz``, ``engines``). Code written
for the flat layout keeps working through the one table :data:`MOVED` and the
one import hook below, with a :class:`DeprecationWarning` naming the new path:

* ``import civictext.corpus`` (and ``from civictext.corpus import ...``,
  ``importlib.import_module``, ``pickle``) gives the module object of
  ``civictext.ingest.reader`` itself, not a copy: monkeypatching it patches the
  module the pipeline calls, and its classes are the same classes.
* Four old modules have the name of their new subpackage (``civictext.themes``,
  ``topics``, ``trends``, ``engines``). The package is what imports; names that
  are not its submodules are looked up in the module that used to live there
  (:data:`FORWARDED`, ``from civictext.themes import score_themes`` works, with
  the warning). Monkeypatch those on the new module: setting an attribute on the
  package does not reach the code that uses it.
* ``ct.tokenize`` stays the function whatever is imported: the import system
  sets ``civictext.tokenize`` to the module when ``civictext.tokenize`` (the old
  path) is imported; :func:`install` keeps public names from being replaced by
  a module that way. ``import civictext.tokenize as tk`` therefore binds the
  function; write ``import civictext.text.segmentation as tk``.

Nothing here is imported by civictext's own code except :mod:`civictext`'s
``__init__`` (the hook, installed at import) and the four packages above.
"""
from __future__ import annotations

import importlib
import sys
import types
import warnings
from functools import lru_cache
from importlib.machinery import ModuleSpec
from typing import Any, Callable, Iterable

#: Old module path -> the module that is now there (the same module object).
MOVED: dict[str, str] = {
    "civictext.corpus": "civictext.ingest.reader",
    "civictext._pages": "civictext.ingest.pages",
    "civictext._encodings": "civictext.ingest.encodings",
    "civictext.dates": "civictext.ingest.dates",
    "civictext.crawl": "civictext.ingest.crawl",
    "civictext.dedup": "civictext.ingest.dedup",
    "civictext.datasets": "civictext.ingest.datasets",
    "civictext.synthetic": "civictext.ingest.synthetic",
    "civictext.normalize": "civictext.text.normalize",
    "civictext.tokenize": "civictext.text.segmentation",
    "civictext._cache": "civictext.text.cache",
    "civictext.lexicon": "civictext.themes.lexicon",
    "civictext.theme_model": "civictext.themes.model",
    "civictext.validation": "civictext.themes.validation",
    "civictext.correction": "civictext.trends.correction",
    "civictext.plots": "civictext.viz.plots",
    "civictext.figures": "civictext.viz.figures",
    "civictext.distributed": "civictext.engines.dask",
}

#: Old modules whose path is now a subpackage -> the module their names moved to.
FORWARDED: dict[str, str] = {
    "civictext.themes": "civictext.themes.scoring",
    "civictext.topics": "civictext.topics.model",
    "civictext.trends": "civictext.trends.shares",
    "civictext.engines": "civictext.engines.local",
}


def _caller_level() -> int:
    """``stacklevel`` for a warning raised in here: the first frame outside the
    import machinery and this file (the ``import`` statement that asked).
    ``warnings`` does not count importlib's bootstrap frames; nor does this."""
    level = 1  # _warn
    frame: types.FrameType | None = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if not ("importlib" in name and "_bootstrap" in name):
            level += 1
            if name != __file__ and not name.endswith(("importlib/__init__.py",
                                                        "importlib\\__init__.py")):
                break
        frame = frame.f_back
    return level


def _warn(old: str, new: str) -> None:
    warnings.warn(f"{old} is now {new} (the subpackage layout of civictext 0.4); import "
                  f"{new} instead, or use the public names (import civictext as ct). The "
                  "old path will be removed in a later release.",
                  DeprecationWarning, stacklevel=_caller_level())


class _AliasFinder:
    """A meta-path finder and loader for the names in :data:`MOVED`."""

    @classmethod
    def find_spec(cls, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if fullname not in MOVED:
            return None
        return ModuleSpec(fullname, cls())  # type: ignore[arg-type]

    def create_module(self, spec: ModuleSpec) -> types.ModuleType:
        new = MOVED[spec.name]
        _warn(spec.name, new)
        module = importlib.import_module(new)
        spec.loader_state = module.__spec__  # the import system overwrites __spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # the module ran already (under its new name); give back its own spec
        module.__spec__ = module.__spec__.loader_state  # type: ignore[union-attr]


def forward(package: str) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a subpackage in :data:`FORWARDED`:
    a name that is not one of its submodules is read from the old module's new
    home, with the deprecation warning."""
    target = FORWARDED[package]

    @lru_cache(maxsize=1)
    def submodules() -> frozenset[str]:
        import pkgutil

        return frozenset(m.name for m in pkgutil.iter_modules(sys.modules[package].__path__))

    def __getattr__(name: str) -> Any:
        if name.startswith("__") or name in submodules():
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(target)
        try:
            value = getattr(module, name)
        except AttributeError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        _warn(f"{package}.{name}", f"{target}.{name}")
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | submodules())

    return __getattr__, __dir__


class _Package(types.ModuleType):
    """civictext's own module class: a submodule never replaces a public name."""

    _protected: frozenset[str] = frozenset()

    def __setattr__(self, name: str, value: Any) -> None:
        if name in type(self)._protected and isinstance(value, types.ModuleType):
            return  # the import system binding the old path civictext.tokenize
        super().__setattr__(name, value)


def install(package: types.ModuleType, public: Iterable[str]) -> None:
    """Put the alias finder first on ``sys.meta_path`` (once) and protect the
    ``public`` names of ``package`` from being replaced by submodules."""
    if not any(f is _AliasFinder for f in sys.meta_path):
        sys.meta_path.insert(0, _AliasFinder)  # type: ignore[arg-type]
    _Package._protected = frozenset(n for n in public if f"{package.__name__}.{n}" in MOVED)
    package.__class__ = _Package
