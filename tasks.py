#!/usr/bin/env python3
"""Set up civictext and run its main job or its tests: needs only Python 3.11+.

    python3 tasks.py demo    # create .venv, install, rebuild every figure from corpus/
    python3 tasks.py test    # create .venv, install, run the whole test suite
    python3 tasks.py lint    # create .venv, install, run ruff and mypy (pyproject.toml)
    python3 tasks.py lab     # create .venv, install, register the kernel, open JupyterLab

The virtual environment lives in ``.venv`` next to this file. It is created on
first use and re-installed only when ``pyproject.toml`` or ``constraints.txt``
change (a stamp file records their hash), so the second run starts at once.
Extra arguments after ``test`` go to pytest; after ``demo``, to ``civictext run``.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("CIVICTEXT_VENV", ROOT / ".venv"))
STAMP = VENV / ".civictext-installed"
KERNEL_NAME = "civictext"


def _venv_python() -> Path:
    sub = "Scripts/python.exe" if os.name == "nt" else "bin/python"
    return VENV / sub


def _run(*cmd: object, **kw) -> None:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kw)


def _install_hash() -> str:
    h = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        p = ROOT / name
        if p.exists():
            h.update(p.read_bytes())
    h.update(sys.version.encode())
    return h.hexdigest()


def ensure_env() -> Path:
    """Create .venv and install civictext (editable) with its test extras."""
    if sys.version_info < (3, 11):
        sys.exit(f"civictext needs Python 3.11 or newer; this is {sys.version.split()[0]}. "
                 "Run the command with python3.11 (or newer).")
    py = _venv_python()
    if not py.exists():
        print(f"Creating the virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    want = _install_hash()
    if STAMP.exists() and STAMP.read_text() == want:
        return py
    _run(py, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    cons = ["-c", "constraints.txt"] if (ROOT / "constraints.txt").exists() else []
    _run(py, "-m", "pip", "install", "--quiet", *cons, "-e", ".[test]")
    # Register the environment's kernel so notebooks open with civictext importable.
    _run(py, "-m", "ipykernel", "install", "--sys-prefix", "--name", KERNEL_NAME,
         "--display-name", "Python (civictext)")
    STAMP.write_text(want)
    return py


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"demo", "test", "lab", "env", "lint"}:
        print(__doc__)
        return 2
    task, rest = argv[0], argv[1:]
    py = ensure_env()
    env = dict(os.environ, MPLBACKEND="Agg") if task != "lab" else dict(os.environ)
    if task == "env":
        print(f"Environment ready: {py}")
        return 0
    if task == "lint":
        for cmd in ([py, "-m", "ruff", "check", ".", *rest], [py, "-m", "mypy"]):
            print("+", " ".join(str(c) for c in cmd), flush=True)
            code = subprocess.run([str(c) for c in cmd], cwd=ROOT).returncode
            if code:
                return code
        return 0
    if task == "demo":
        cmd = [py, "-m", "civictext", "run", "corpus", "--out", "outputs", *rest]
    elif task == "test":
        cmd = [py, "-m", "pytest", *rest]
    else:
        cmd = [py, "-m", "jupyter", "lab", "--notebook-dir", "notebooks", *rest]
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
