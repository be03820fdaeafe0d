"""The notebooks in ``notebooks/``: they run, they are clean, JupyterLab serves them.

* Every notebook is executed top to bottom with nbclient, twice: on the bundled
  corpus (``../corpus``, the default of its ``parameters`` cell) and on
  ``tests/data/mini_corpus`` (a small corpus written for these tests), with the
  output folder moved to a temporary directory both times. Any error fails.
* Every notebook names the civictext kernel ("Python (civictext)", registered by
  ``tasks.py lab``) in its metadata, with ``language: python`` so a Jupyter
  without that kernel falls back to its Python kernel.
* With ``../shared/corpora`` present (``realdata``), every notebook also runs on
  the first items of a real corpus fetched with ``ct.fetch_corpus``.
* The kernel is the running interpreter's ``python3`` kernel, started in
  ``notebooks/`` with ``PYTHONPATH`` set to this checkout, so ``import civictext``
  imports the code under test (checked by ``test_kernel_is_this_environment``).
  One kernel runs the notebooks one after another (starting a kernel and
  importing civictext, pandas, matplotlib, scikit-learn and underthesea cost
  3-4 s of CPU per notebook); before each notebook its namespace is emptied
  (``%reset -f``: a notebook that forgets an import still fails), its working
  directory, warning filters and matplotlib settings are put back as they were
  when the kernel started, and its figures closed. Imported modules stay
  loaded, as in a researcher's session.
* Every committed ``.ipynb`` has no outputs and the same cells as its paired
  ``py:percent`` script (the reviewed source).
* JupyterLab starts headless on 127.0.0.1, answers, and lists the notebooks.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import jupytext
import nbclient
import nbformat
import pandas as pd
import pytest

import civictext as ct

pytestmark = pytest.mark.notebooks

ROOT = Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
MINI_CORPUS = ROOT / "tests" / "data" / "mini_corpus"
NOTEBOOKS = sorted(NB_DIR.glob("[0-9][0-9]_*.py"))
NB_IDS = [p.stem for p in NOTEBOOKS]
EXPECTED = ["01_corpus_overview", "02_tokenization", "03_themes", "04_topic_trends",
            "05_reproduce_figures", "06_case_study_news_feed", "07_theme_model",
            "08_corrected_shares"]

TIMEOUT_PER_CELL = 240


def _parameters_index(nb) -> int:
    idx = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(idx) == 1, f"expected exactly one cell tagged 'parameters', found {len(idx)}"
    return idx[0]


def _inject_parameters(nb, values: dict[str, object]):
    """Papermill-style: a cell right after the ``parameters`` cell overrides its values."""
    i = _parameters_index(nb)
    src = "\n".join(f"{k} = {v!r}" for k, v in values.items())
    cell = nbformat.v4.new_code_cell(src, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(i + 1, cell)
    return nb


def _kernel_env(cache: Path, shared: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    env["CIVICTEXT_CACHE"] = str(cache)
    env.pop("MPLBACKEND", None)  # let the kernel use its inline backend: figures really render
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    # no real corpus unless a test asks for one (the realdata runs set it)
    env["CIVICTEXT_SHARED_CORPORA"] = str(shared or (cache / "no-shared-corpora"))
    env["CIVICTEXT_DATA"] = str(cache / "datasets")
    return env


# Run first in every notebook on a shared kernel: the state a fresh kernel would have,
# but for the modules already imported. The first run records the fresh state.
RESET_CELL = f"""%reset -f
import os as _os, sys as _sys, warnings as _warnings
import matplotlib as _mpl, matplotlib.pyplot as _plt
_os.chdir({str(NB_DIR)!r})
_sys.__dict__.setdefault("_civictext_nbtest_fresh", (list(_warnings.filters), {{
    k: v for k, v in _mpl.rcParams.items() if k != "backend"}}))
_warnings.filters[:] = _sys._civictext_nbtest_fresh[0]
getattr(_warnings, "_filters_mutated", lambda: None)()
_plt.close("all")
_mpl.rcParams.update(_sys._civictext_nbtest_fresh[1])
%reset -f"""


class _Kernel:
    """One python3 kernel (this interpreter) that executes notebook after notebook."""

    def __init__(self, cache: Path, shared: Path | None = None):
        self.env = _kernel_env(cache, shared)
        self.km = None

    def execute(self, nb):
        nb.cells.insert(0, nbformat.v4.new_code_cell(RESET_CELL,
                                                     metadata={"tags": ["test-reset"]}))
        if self.km is not None and not nbclient.util.run_sync(self.km.is_alive)():
            self.km = None  # the last notebook killed it: start another
        client = nbclient.NotebookClient(
            nb, km=self.km, kernel_name="python3", timeout=TIMEOUT_PER_CELL,
            allow_errors=False, resources={"metadata": {"path": str(NB_DIR)}},
        )
        try:
            client.execute(env=self.env, cleanup_kc=False)
        finally:
            self.km = client.km
            if client.kc is not None:
                client.kc.stop_channels()
        del nb.cells[0]
        return nb

    def shutdown(self):
        if self.km is not None and nbclient.util.run_sync(self.km.is_alive)():
            nbclient.util.run_sync(self.km.shutdown_kernel)(now=True)


def _execute(nb, kernel: _Kernel):
    return kernel.execute(nb)


def _stderr_text(nb) -> str:
    return "\n".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.get("outputs", []) if o.get("name") == "stderr")


@pytest.fixture(scope="module")
def token_cache(tmp_path_factory) -> Path:
    """One token cache shared by the notebook runs (they read the same corpora)."""
    return tmp_path_factory.mktemp("nb-cache")


@pytest.fixture(scope="module")
def kernel(token_cache):
    """The kernel of the bundled and mini-corpus runs (no real corpus)."""
    k = _Kernel(token_cache)
    yield k
    k.shutdown()


@pytest.fixture(scope="module")
def real_kernel(token_cache, shared_corpora):
    """The kernel of the real-corpus runs (``CIVICTEXT_SHARED_CORPORA`` set)."""
    k = _Kernel(token_cache, shared_corpora)
    yield k
    k.shutdown()


# ------------------------------------------------------------------ structure
def test_the_numbered_sequence_is_there():
    """01-06 are there; later notebooks (07, 08, ...) are picked up by the glob."""
    assert NB_IDS[:len(EXPECTED)] == EXPECTED
    assert [int(n[:2]) for n in NB_IDS] == list(range(1, len(NB_IDS) + 1)), NB_IDS
    for py in NOTEBOOKS:
        assert py.with_suffix(".ipynb").is_file(), f"{py.name} has no paired .ipynb"
    assert sorted(p.stem for p in NB_DIR.glob("*.ipynb")) == NB_IDS


@pytest.mark.parametrize("py", NOTEBOOKS, ids=NB_IDS)
def test_ipynb_has_no_outputs_and_matches_its_py(py: Path):
    ipynb = nbformat.read(py.with_suffix(".ipynb"), as_version=4)
    for i, cell in enumerate(ipynb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{py.stem}.ipynb cell {i} has outputs; clear them"
            assert cell.execution_count is None, f"{py.stem}.ipynb cell {i} has an execution count"
    paired = jupytext.read(py)
    got = [(c.cell_type, c.source) for c in ipynb.cells]
    want = [(c.cell_type, c.source) for c in paired.cells]
    assert got == want, (f"{py.stem}.ipynb is out of sync with {py.name}; "
                         f"run: python -m jupytext --sync notebooks/{py.name}")
    tags = [c.metadata.get("tags", []) for c in ipynb.cells]
    assert tags == [c.metadata.get("tags", []) for c in paired.cells]
    spec = ipynb.metadata.get("kernelspec", {})
    assert spec == {"display_name": "Python (civictext)", "language": "python",
                    "name": "civictext"}, spec
    assert ipynb.metadata.get("language_info", {}).get("name", "python") == "python"


@pytest.mark.parametrize("py", NOTEBOOKS, ids=NB_IDS)
def test_parameters_cell_comes_first_with_corpus_out_seed(py: Path):
    nb = jupytext.read(py)
    i = _parameters_index(nb)
    assert all(c.cell_type == "markdown" for c in nb.cells[:i]), "parameters must be the first code cell"
    ns: dict[str, object] = {}
    exec(nb.cells[i].source, {}, ns)  # plain assignments only
    assert ns["CORPUS"] == "../corpus"
    assert str(ns["OUT"]).startswith("../outputs/notebooks/")
    assert ns["SEED"] == 0
    assert "LIMIT" in ns and ns["LIMIT"] is None  # the default reads everything
    assert ns["DATASET"] is None or ns["DATASET"] in set(ct.datasets.list()["name"])
    assert "ct.datasets.list()" in nb.cells[i].source  # says how to switch to a real corpus


@pytest.mark.parametrize("py", NOTEBOOKS, ids=NB_IDS)
def test_notebooks_define_no_pipeline_code(py: Path):
    """Notebooks call civictext; functions and classes belong in the package."""
    nb = jupytext.read(py)
    for c in nb.cells:
        if c.cell_type == "code":
            assert not re.search(r"^\s*(def|class|async def)\s", c.source, re.M), (
                f"{py.name} defines a function or class; move it into civictext")


# ------------------------------------------------------------------ execution
def test_kernel_is_this_environment(kernel):
    """nbclient's python3 kernel is this interpreter and imports this checkout."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import os, sys, civictext\nprint(sys.executable)\nprint(civictext.__file__)\nprint(os.getcwd())")]
    _execute(nb, kernel)
    exe, init, cwd = nb.cells[0].outputs[0]["text"].splitlines()
    assert Path(exe).resolve() == Path(sys.executable).resolve()
    assert Path(init).resolve().parent == (ROOT / "civictext").resolve()
    assert Path(cwd).resolve() == NB_DIR.resolve()


def _run(py: Path, values: dict[str, object], kernel: _Kernel):
    nb = _inject_parameters(jupytext.read(py), {"DATASET": None, **values})
    nb = _execute(nb, kernel)
    err = _stderr_text(nb)
    assert "Glyph" not in err and "missing from font" not in err, (
        f"{py.stem}: a figure could not draw some Vietnamese characters:\n{err}")
    return nb


@pytest.mark.parametrize("py", NOTEBOOKS, ids=NB_IDS)
def test_notebook_runs_on_the_bundled_corpus(py: Path, tmp_path, kernel):
    _run(py, {"OUT": str(tmp_path / "out")}, kernel)


# Second run: parameters a researcher would set for a dated corpus of their own.
MINI_EXTRA = {
    "04_topic_trends": {"FREQ": "M"},  # the mini corpus has two articles a month
    "05_reproduce_figures": {"CHECK_REBUILD": False},  # checked once, on the bundled run
}


@pytest.mark.parametrize("py", NOTEBOOKS, ids=NB_IDS)
def test_notebook_runs_on_another_corpus(py: Path, tmp_path, kernel):
    out = tmp_path / "out"
    values = {"CORPUS": str(MINI_CORPUS), "OUT": str(out), **MINI_EXTRA.get(py.stem, {})}
    _run(py, values, kernel)
    assert out.is_dir() and any(out.iterdir()), f"{py.stem} wrote nothing to OUT={out}"
    MINI_CHECKS.get(py.stem, lambda out: None)(out)


# Third run, where ../shared/corpora exists: the first items of the real news feed
# (titles and summaries of three outlets), fetched through ct.fetch_corpus. Only the
# notebooks that are quick on it (the seeded topic model of 04 and 05 costs 20-30 s
# even on 150 items); all six ran on 5,000 real items from JupyterLab
# (benchmarks/jupyterlab_check.py, results in benchmarks/RESULTS.md).
REAL_LIMIT = 150
REAL_NOTEBOOKS = [p for p in NOTEBOOKS if p.stem[:2] in {"01", "02", "03", "06"}]
REAL_EXTRA: dict[str, dict[str, object]] = {}


@pytest.mark.realdata
@pytest.mark.parametrize("py", REAL_NOTEBOOKS, ids=[p.stem for p in REAL_NOTEBOOKS])
def test_notebook_runs_on_a_real_corpus(py: Path, tmp_path, real_kernel):
    out = tmp_path / "out"
    values = {"DATASET": "news-feed", "LIMIT": REAL_LIMIT, "OUT": str(out),
              **REAL_EXTRA.get(py.stem, {})}
    nb = _run(py, values, real_kernel)
    text = "\n".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "articles.jsonl.gz" in text, f"{py.stem} did not read the fetched corpus"
    assert out.is_dir() and any(out.iterdir())
    REAL_CHECKS.get(py.stem, lambda out: None)(out)


def _real_01(out: Path) -> None:
    articles = pd.read_csv(out / "articles.csv", dtype=str, keep_default_na=False)
    assert len(articles) == REAL_LIMIT
    assert {"Thanh Niên", "Tuổi Trẻ"} <= {s.split(" - ")[0] for s in articles["source"]}


def _real_06(out: Path) -> None:
    trends = pd.read_csv(out / "trends_by_outlet.csv")
    assert trends["outlet"].nunique() >= 2


REAL_CHECKS = {"01_corpus_overview": _real_01, "06_case_study_news_feed": _real_06}


# What each notebook must have found in the mini corpus (14 readable documents,
# one broken line, 12 dated to the day + 1 to the month, satisfaction rising).
def _check_01(out: Path) -> None:
    articles = pd.read_csv(out / "articles.csv", dtype=str, keep_default_na=False)
    assert len(articles) == 14
    assert set(articles["source"]) == {"Tin Phường Mới", "Nhịp Sống Đô Thị"}


def _check_02(out: Path) -> None:
    tokens = pd.read_csv(out / "tokens.csv", dtype={"doc_id": str}, keep_default_na=False)
    assert tokens["doc_id"].nunique() == 14
    assert "dịch_vụ_công_trực_tuyến" in set(tokens["token"])  # a lexicon compound kept whole


def _check_03(out: Path) -> None:
    scores = pd.read_csv(out / "scores.csv", dtype={"doc_id": str})
    present = scores[scores["present"]].groupby("doc_id")["theme"].apply(set)
    assert "satisfaction" in present["tpm-2024-004"]  # the SIPAS article
    assert "nsdt-0409" not in present.index  # the flower festival
    evidence = pd.read_csv(out / "evidence.csv", dtype={"doc_id": str})
    assert evidence.loc[evidence["doc_id"] == "tpm-2024-007", "folded"].any()  # unaccented letter
    assert (out / "coding_sheet.csv").is_file()


def _check_04(out: Path) -> None:
    trends = pd.read_csv(out / "theme_trends_M.csv")
    sat = trends[trends["theme"] == "satisfaction"].set_index("period")
    assert list(sat.index) == [f"2024-0{m}" for m in range(1, 7)]
    assert sat.loc["2024-01", "share"] == 0 and sat.loc["2024-06", "share"] == 1
    assert (out / "theme_trends_M_by_source.csv").is_file()
    assert (out / "topic_stability.csv").is_file()


def _check_05(out: Path) -> None:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["corpus"]["documents"] == 14
    for fig in manifest["figures"]:
        assert (out / fig["png"]).is_file() and (out / fig["csv"]).is_file()


def _check_06(out: Path) -> None:
    trends = pd.read_csv(out / "trends_by_outlet.csv")
    assert set(trends["outlet"]) == {"Tin Phường Mới", "Nhịp Sống Đô Thị"}
    sat = trends[trends["theme"] == "satisfaction"].groupby("period")["n_present"].sum()
    assert sat.loc["2024-06"] > sat.loc["2024-01"]  # satisfaction rising
    coverage = pd.read_csv(out / "coverage.csv")
    assert coverage.loc[coverage["term"] == "SIPAS", "docs"].iloc[0] >= 1


def _check_07(out: Path) -> None:
    key = pd.read_csv(out / "next_coding.key.csv")
    assert len(key) == 10 and set(key["stratum"]) <= {"uncertain", "random"}
    assert key["pi"].between(0, 1, inclusive="right").all()
    assert (out / "own_coding.xlsx").is_file()
    own = pd.read_csv(out / "own_coding.key.csv", dtype={"doc_id": str})
    mini = ct.read_corpus(MINI_CORPUS)
    assert set(own["doc_id"]) <= set(mini["doc_id"].astype(str))


def _check_08(out: Path) -> None:
    lab = pd.read_csv(out / "labelled_set_correction.csv", keep_default_na=False)
    assert set(lab["theme"]) == {"reform", "conduct", "satisfaction"}
    assert (lab["n_coded"] > 0).all()
    assert (out / "coding_sheet.xlsx").is_file() and (out / "coding_sheet.key.csv").is_file()
    key = pd.read_csv(out / "coding_sheet.key.csv")
    assert key["pi"].between(0, 1, inclusive="right").all()
    sim = pd.read_csv(out / "synthetic_corrected_trends.csv")
    covered = (sim["corrected_lo"] <= sim["true_share"]) & (sim["true_share"] <= sim["corrected_hi"])
    assert covered.mean() >= 0.75 and sim["share"].mean() < sim["true_share"].mean() - 0.05
    cross = pd.read_csv(out / "cross_fitted_corrected_trends.csv")  # part 4: cross-fitted
    assert cross["share_corrected"].notna().all() and (cross["n_coded"] >= 10).all()


MINI_CHECKS = {"01_corpus_overview": _check_01, "02_tokenization": _check_02,
               "03_themes": _check_03, "04_topic_trends": _check_04,
               "05_reproduce_figures": _check_05, "06_case_study_news_feed": _check_06,
               "07_theme_model": _check_07, "08_corrected_shares": _check_08}


# ------------------------------------------------------------------ JupyterLab
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str) -> dict | list:
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(req, timeout=5) as r:  # noqa: S310 (loopback only)
        return json.loads(r.read().decode())


def test_jupyterlab_serves_the_notebooks(tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
           "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
           f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={NB_DIR}",
           "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline, status, last = time.monotonic() + 60, None, None
        while time.monotonic() < deadline and status is None:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {proc.returncode}:\n"
                            f"{(tmp_path / 'lab.log').read_text()[-3000:]}")
            try:
                status = _get(f"{base}/api/status", token)
            except (urllib.error.URLError, ConnectionError, OSError) as exc:
                last = exc
                time.sleep(0.5)
        assert status is not None, f"JupyterLab did not answer within 60 s ({last})"
        listing = _get(f"{base}/api/contents", token)
        names = {item["name"] for item in listing["content"]}
        for name in NB_IDS:
            assert f"{name}.ipynb" in names, f"{name}.ipynb not listed by JupyterLab: {sorted(names)}"
        kernels = _get(f"{base}/api/kernelspecs", token)
        assert "python3" in kernels["kernelspecs"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        log.close()


@pytest.mark.parametrize("py", NOTEBOOKS, ids=NB_IDS)
def test_notebooks_use_only_public_names(py: Path):
    """A notebook is what a researcher copies: no ``civictext._private`` module or name."""
    src = py.read_text(encoding="utf-8")
    private = re.findall(r"(?:civictext|ct)\.(_[a-z]\w*)|from civictext(?:\.\w+)? import (_\w+)", src)
    assert not private, f"{py.name} uses private names {private}; use ct.* or pandas"
