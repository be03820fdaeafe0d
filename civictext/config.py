"""Defaults that more than one stage uses, kept in one place."""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEFAULT_RANDOM_STATE", "DEFAULT_CI_LEVEL", "cache_dir", "package_versions"]

#: The seed every stochastic function uses unless given ``random_state``.
DEFAULT_RANDOM_STATE = 0

#: Level of every bootstrap interval unless given ``level``.
DEFAULT_CI_LEVEL = 0.90


def cache_dir() -> Path:
    """Folder for the token cache: ``$CIVICTEXT_CACHE``, else ``~/.cache/civictext``."""
    env = os.environ.get("CIVICTEXT_CACHE")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "civictext"


def package_versions() -> dict[str, str]:
    """Versions of civictext and the libraries that decide its numbers."""
    from importlib import metadata

    out = {}
    for name in ("civictext", "underthesea", "underthesea_core", "scikit-learn", "pandas",
                 "numpy", "scipy", "matplotlib"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
