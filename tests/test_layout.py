"""The subpackage layout: a newcomer reads the pipeline from the folder listing, and
code written for the flat layout (civictext <= 0.3) keeps importing."""
from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
import types
import warnings

import pytest

import civictext as ct
from civictext import _compat
from conftest import ROOT

STAGES = ["ingest", "text", "themes", "topics", "trends", "viz", "engines"]


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", code],
                          capture_output=True, text=True, cwd=ROOT)


def test_the_stage_subpackages_say_what_they_take_and_give():
    for name in STAGES:
        doc = importlib.import_module(f"civictext.{name}").__doc__ or ""
        assert len(doc.splitlines()) >= 5, name
    for name in STAGES[:-1]:  # every data stage names its tables and its columns
        doc = importlib.import_module(f"civictext.{name}").__doc__
        assert "Takes" in doc and "gives" in doc and ":" in doc, name


def test_no_module_is_named_like_a_function_it_exports():
    clashes = []
    for info in pkgutil.walk_packages(ct.__path__, "civictext."):
        if info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        short = info.name.rpartition(".")[2]
        if callable(getattr(module, short, None)) and not isinstance(
                getattr(module, short), types.ModuleType):
            clashes.append(info.name)
    assert not clashes
    assert not any(isinstance(getattr(ct, n), types.ModuleType)
                   for n in ct.__all__ if n not in ("datasets", "pipeline", "__version__"))


@pytest.mark.parametrize("old, new", sorted(_compat.MOVED.items()))
def test_an_old_module_path_is_the_new_module_with_a_warning(old, new):
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=f"{old} is now {new}") as record:
        module = importlib.import_module(old)
    assert module is importlib.import_module(new)
    assert module.__name__ == new and module.__spec__.name == new
    assert record[0].filename == __file__  # the warning points at the importing line


def test_the_old_paths_work_as_code_written_for_them_uses_them():
    code = (
        "import warnings; warnings.simplefilter('ignore', DeprecationWarning)\n"
        "import types, pickle\n"
        "import civictext as ct\n"
        "import civictext.tokenize\n"                  # the old, shadowing module path
        "from civictext.tokenize import Analyzer\n"
        "from civictext.corpus import read_corpus, ReadResult\n"
        "import civictext.corpus as old\n"
        "import civictext.ingest.reader as new\n"
        "assert old is new and read_corpus is ct.read_corpus\n"
        "assert Analyzer is ct.Analyzer\n"
        "assert callable(ct.tokenize) and not isinstance(ct.tokenize, types.ModuleType)\n"
        "assert pickle.loads(pickle.dumps(Analyzer())).__class__ is ct.Analyzer\n"
        "# monkeypatching the old module patches what the pipeline calls\n"
        "old.check_articles = lambda *a, **k: 'patched'\n"
        "assert new.check_articles() == 'patched'\n"
        "from civictext.themes import score_themes\n"    # old module, now a package
        "from civictext.trends import theme_trends\n"
        "from civictext.topics import TopicModel\n"
        "from civictext.engines import LocalEngine\n"
        "assert score_themes is ct.score_themes and theme_trends is ct.theme_trends\n"
        "assert TopicModel is ct.TopicModel and LocalEngine is ct.LocalEngine\n"
        "from civictext.themes import scoring, model\n"   # the submodules, not names\n
        "assert scoring.__name__ == 'civictext.themes.scoring'\n"
        "assert model.__name__ == 'civictext.themes.model'\n"
        "print('ok')\n")
    run = _run(code)
    assert run.stdout.strip() == "ok", run.stderr[-3000:]


def test_names_read_through_an_old_package_path_warn():
    importlib.import_module("civictext.themes.scoring")
    with pytest.warns(DeprecationWarning, match="civictext.themes.score_themes is now "
                                                "civictext.themes.scoring.score_themes"):
        from civictext.themes import score_themes
    assert score_themes is ct.score_themes
    with pytest.raises(AttributeError):
        importlib.import_module("civictext.trends").no_such_name


def test_the_new_paths_import_without_any_deprecation_warning():
    code = ("import importlib, pkgutil, civictext as ct\n"
            "for m in pkgutil.walk_packages(ct.__path__, 'civictext.'):\n"
            "    if not m.name.endswith('__main__'):\n"
            "        importlib.import_module(m.name)\n"
            "[getattr(ct, n) for n in ct.__all__]\n"
            "print('ok')\n")
    run = _run(code)
    assert run.stdout.strip() == "ok", run.stderr[-3000:]


def _imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module, [a.name for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name, []


def test_the_repository_imports_only_the_new_paths():
    """civictext, tests, benchmarks and notebooks: no import of an old path (the
    aliases are for users' code), and no name read through an old package path."""
    bad = []
    files = [p for d in ("civictext", "tests", "benchmarks", "notebooks")
             for p in (ROOT / d).rglob("*.py")]
    for path in files:
        if path.name == "test_layout.py":
            continue
        for line, module, names in _imported_modules(path):
            where = f"{path.relative_to(ROOT)}:{line}"
            if module in _compat.MOVED:
                bad.append(f"{where} imports {module}")
            if module in _compat.FORWARDED:
                subs = {m.name for m in pkgutil.iter_modules(
                    importlib.import_module(module).__path__)}
                bad += [f"{where} reads {module}.{n}" for n in names if n not in subs]
            if module == "civictext":
                bad += [f"{where} imports civictext.{n}" for n in names
                        if f"civictext.{n}" in _compat.MOVED and n not in ct._API
                        and n not in ct._MODULES]
    assert not bad, bad


def test_the_alias_hook_is_installed_once_and_costs_nothing_at_import():
    assert sum(f is _compat._AliasFinder for f in sys.meta_path) == 1
    _compat.install(ct, ct._API)  # again, as a reload of civictext would
    assert sum(f is _compat._AliasFinder for f in sys.meta_path) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _compat._AliasFinder.find_spec("civictext.no_such_module") is None


#: The imports that go against the stage order, each with its reason
#: (docs/architecture.md): (importing module, imported module).
BACKWARD = {
    ("civictext.ingest.reader", "civictext.text.normalize"): "text is normalised as it is read",
    ("civictext.ingest.pages", "civictext.text.normalize"): "the same, for page parts",
    ("civictext.ingest.crawl", "civictext.text.normalize"): "the same, for crawled pages",
    ("civictext.ingest.dedup", "civictext.text.normalize"): "tone marks before shingling",
    ("civictext.ingest.synthetic", "civictext.text.normalize"): "generated text is NFC",
    ("civictext.text.segmentation", "civictext.themes.lexicon"): "multi-word terms kept whole",
    ("civictext.themes.validation", "civictext.trends.shares"): "period strata of a sample",
    ("civictext.topics.model", "civictext.themes.lexicon"): "seeded topics",
}


def test_imports_flow_forward_through_the_stages():
    order = {"ingest": 0, "text": 1, "themes": 2, "topics": 2, "trends": 3, "viz": 4}
    found = set()
    for path in (ROOT / "civictext").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if len(parts) < 3 or parts[1] not in order:
            continue
        me = ".".join(parts)
        for _, module, _ in _imported_modules(path):
            stage = module.split(".")[1] if module.startswith("civictext.") else None
            if stage in order and stage != parts[1] and order[stage] >= order[parts[1]]:
                found.add((me, module))
    assert found == set(BACKWARD), (found - set(BACKWARD), set(BACKWARD) - found)
