"""The two set-up routes (pip/venv and conda) install the same things, and
``import civictext`` stays light."""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import yaml

from conftest import ROOT


def _name(req: str) -> str:
    return re.split(r"[<>=!~\[ ;]", req.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _spec(req: str) -> str:
    req = re.sub(r"\[.*?\]", "", req.strip()).replace(" ", "")
    return req[len(_name(req)):]


def _pyproject_reqs() -> dict[str, str]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"]) + list(meta["optional-dependencies"]["test"])
    return {_name(r): _spec(r) for r in reqs}


def _environment_reqs() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out = {}
    for dep in env["dependencies"]:
        items = dep["pip"] if isinstance(dep, dict) else [dep]
        for r in items:
            if r.startswith("-e") or _name(r) in {"python", "pip"}:
                continue
            out[_name(r)] = _spec(r)
    return out


def test_environment_yml_names_the_same_dependencies_as_pyproject():
    py, env = _pyproject_reqs(), _environment_reqs()
    assert set(py) == set(env), (
        f"only in pyproject.toml: {sorted(set(py) - set(env))}; "
        f"only in environment.yml: {sorted(set(env) - set(py))}")
    differing = {k: (py[k], env[k]) for k in py if py[k] != env[k]}
    assert not differing, f"version ranges differ (pyproject, environment.yml): {differing}"


def test_environment_yml_installs_this_package_and_uses_conda_forge():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip
    assert "python=3.11" in env["dependencies"]


def test_import_is_light_and_loads_no_model():
    code = ("import sys, civictext; "
            "heavy = [m for m in ('underthesea', 'sklearn', 'matplotlib', 'pandas') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout.strip()
    assert out == "[]"


def test_public_api_names_resolve():
    import civictext

    missing = [n for n in civictext.__all__ if not hasattr(civictext, n)]
    assert not missing, f"__all__ names that do not resolve: {missing}"


def test_version_is_the_same_everywhere():
    """pyproject, civictext.__version__, CITATION.cff and the changelog agree."""
    import civictext

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert project["version"] == civictext.__version__ == str(citation["version"])
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## {civictext.__version__} (" in changelog


def test_no_module_shadows_a_public_function():
    """``ct.collect`` stays the function after ``ct.extract_article`` (whose module
    is imported then) and after every submodule is imported: a module named like a
    stage function replaces it on the package (the import system sets the
    attribute). No module is named like one now (``tokenize`` is
    ``civictext.text.segmentation``), and importing the old module paths
    (civictext.tokenize, an alias) keeps the functions too."""
    code = (
        "import importlib, pkgutil, types, civictext as ct\n"
        "ct.extract_article\n"
        "assert callable(ct.collect) and not isinstance(ct.collect, types.ModuleType), ct.collect\n"
        "try:\n"
        "    ct.collect('no-such-list.txt', 'out')\n"
        "except ct.CollectError as exc:\n"
        "    assert 'no-such-list.txt' in str(exc)\n"
        "import warnings; warnings.simplefilter('ignore', DeprecationWarning)\n"
        "from civictext import _compat\n"
        "for m in pkgutil.walk_packages(ct.__path__, 'civictext.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "for old in _compat.MOVED:\n"
        "    importlib.import_module(old)\n"
        "assert callable(ct.tokenize) and not isinstance(ct.tokenize, types.ModuleType)\n"
        "bad = [n for n in ct.__all__ if n not in ('datasets', 'pipeline', '__version__')\n"
        "       and isinstance(getattr(ct, n), types.ModuleType)]\n"
        "assert not bad, bad\n"
        "print('ok')\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.stdout.strip() == "ok", run.stderr[-2000:]
