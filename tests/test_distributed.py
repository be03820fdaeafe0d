"""The Dask engine: same results as the local engine, resume, retries, failures.

The engine's mechanics are tested with small stand-in stage functions (plain
pandas, no segmentation model) injected through ``Stages``; the comparison
with the real local pipeline runs once the stage modules are present. One
2-worker ``LocalCluster`` (processes) serves the whole module.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from civictext._io import write_csv
from civictext.engines import dask as cd
from civictext.ingest.synthetic import generate_corpus

distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")
# Workers cannot import this test module: ship its stand-in functions by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

N_ARTICLES = 120
N_FILES = 6


# ------------------------------------------------------------ stand-in stages
_LEXICON = {"reform": ("cải cách", "hành chính"), "conduct": ("văn hóa công sở", "ứng xử"),
            "people": ("người dân",)}


def _read(root: Path, files, strict: bool) -> pd.DataFrame:
    rows, skipped = [], []
    for f in files:
        for n, line in enumerate(Path(f).read_text(encoding="utf-8").splitlines(), 1):
            if line == "BOOM":
                with open(root.parent / "boom.log", "a", encoding="utf-8") as fh:
                    fh.write(f"{Path(f).name}\n")
                raise RuntimeError(f"stand-in reader cannot read {Path(f).name}")
            try:
                rows.append({**json.loads(line), "path": Path(f).relative_to(root).as_posix()})
            except ValueError:
                if strict:
                    raise
                skipped.append({"path": Path(f).name, "line": n, "reason": "not JSON"})
    with open(root.parent / "calls.log", "a", encoding="utf-8") as fh:
        fh.write(" ".join(Path(f).name for f in files) + "\n")
    df = pd.DataFrame(rows)
    df.attrs["skipped"] = skipped
    return df


def _flaky_read(root: Path, files, strict: bool) -> pd.DataFrame:
    marker = root.parent / f"failed-once-{Path(files[0]).name}"
    if not marker.exists():
        marker.write_text("x")
        raise OSError("stand-in: the shared disk hiccuped")
    return _read(root, files, strict)


def _count(articles: pd.DataFrame) -> pd.Series:
    return pd.Series(articles["text"].str.split().str.len().to_numpy(), index=articles["doc_id"])


def _score(articles: pd.DataFrame, lexicon, n_tokens: pd.Series, *,
           presence: str = "focus") -> pd.DataFrame:
    rows = []
    for doc_id, text in zip(articles["doc_id"], articles["text"].str.lower()):
        n = int(n_tokens[doc_id])
        for theme, terms in lexicon.items():
            hits = sum(text.count(t) for t in terms)
            rows.append({"doc_id": doc_id, "theme": theme, "hits": hits, "n_tokens": n,
                         "per_1k": 1000 * hits / n if n else 0.0, "present": hits > 0})
    return pd.DataFrame(rows)


def _evidence(articles: pd.DataFrame, lexicon) -> pd.DataFrame:
    rows = [{"doc_id": d, "theme": th, "term": t, "start": m.start(), "end": m.end()}
            for d, text in zip(articles["doc_id"], articles["text"].str.lower())
            for th, terms in lexicon.items() for t in terms
            for m in re.finditer(re.escape(t), text)]
    return pd.DataFrame(rows, columns=["doc_id", "theme", "term", "start", "end"])


def _trends(scores, articles, *, freq, by, random_state) -> pd.DataFrame:
    """Deliberately ORDER-DEPENDENT bootstrap (as theme_trends): row order must be kept."""
    rng = np.random.default_rng(random_state)
    df = scores.merge(articles[["doc_id", "published"]], on="doc_id")
    df["period"] = df["published"].str[:4] if freq == "Y" else df["published"].str[:7]
    keys = ["period", "theme"] + ([by] if by else [])
    if by:
        df = df.merge(articles[["doc_id", by]], on="doc_id")
    out = []
    for (period, theme, *_), g in df.groupby(keys, sort=True):
        values = g["per_1k"].to_numpy()
        boot = values[rng.integers(0, len(g), (20, len(g)))].mean(axis=1)
        out.append({"period": period, "theme": theme, "n_articles": len(g),
                    "share": g["present"].mean(), "mean_per_1k": g["per_1k"].mean(),
                    "per_1k_lo": np.quantile(boot, 0.05), "per_1k_hi": np.quantile(boot, 0.95)})
    return pd.DataFrame(out)


def _lexicon(lexicon):
    return _LEXICON if lexicon is None else lexicon


def _warm_log(path_env: str = "CIVICTEXT_TEST_WARM_LOG") -> None:
    with open(os.environ[path_env], "a", encoding="utf-8") as fh:
        fh.write(f"{os.getpid()}\n")


def _setenv(key: str, value: str) -> None:
    os.environ[key] = value


STANDIN = cd.Stages(read=_read, count_tokens=_count, score_themes=_score,
                    theme_evidence=_evidence, theme_trends=_trends, load_lexicon=_lexicon,
                    warm=None)


def _local_standin(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The same stand-in stages run in this process on the whole corpus at once."""
    articles = _read(root, sorted(root.glob("*.jsonl")), False)  # file order, not doc_id order
    scores = _score(articles, _LEXICON, _count(articles))
    return scores, _trends(scores, articles, freq="M", by=None, random_state=0)


# ------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", memory_limit="1GB")
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _write_corpus(folder: Path, n: int = N_ARTICLES, n_files: int = N_FILES) -> Path:
    """Generated articles as JSONL files, dealt round-robin so no file is in doc_id order."""
    folder.mkdir(parents=True, exist_ok=True)
    df = generate_corpus(n, random_state=0)
    keep = ["doc_id", "source", "title", "text", "published", "date_precision"]
    for k in range(n_files):
        part = df.iloc[k::n_files][keep].iloc[::-1]
        lines = [json.dumps(r, ensure_ascii=False) for r in part.to_dict("records")]
        (folder / f"news-{k:02d}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def corpus(tmp_path) -> Path:
    return _write_corpus(tmp_path / "corpus")


def _small_partitions(folder: Path) -> int:
    """A partition_size that puts each file in its own partition."""
    return min(f.stat().st_size for f in folder.glob("*.jsonl"))


# ---------------------------------------------------------------------- tests
def test_results_equal_the_local_run_whatever_the_partitioning(client, corpus, tmp_path):
    one = cd.run_dask(corpus, tmp_path / "one", scheduler=client, stages=STANDIN,
                      partition_size=10**9)
    many = cd.run_dask(corpus, tmp_path / "many", scheduler=client, stages=STANDIN,
                       partition_size=_small_partitions(corpus))
    assert (one["n_partitions"], many["n_partitions"]) == (1, N_FILES)
    assert one["n_articles"] == many["n_articles"] == N_ARTICLES
    scores, trends = _local_standin(corpus)
    for run in (tmp_path / "one", tmp_path / "many"):
        got = cd.load_table(run, "scores")
        pd.testing.assert_frame_equal(got, scores, check_dtype=False)
        assert (run / "trends.csv").read_bytes() == (one["trends"]).read_bytes()
    assert one["trends"].read_bytes() == write_csv(tmp_path / "local.csv", trends).read_bytes()


def test_outputs_are_partitioned_parquet_without_text_with_manifests(client, corpus, tmp_path):
    out = tmp_path / "out"
    summary = cd.run_dask(corpus, out, scheduler=client, stages=STANDIN,
                          partition_size=_small_partitions(corpus))
    for table in ("articles", "scores", "evidence"):
        assert sorted(p.name for p in (out / table).iterdir()) == [
            f"part-{i:05d}.parquet" for i in range(N_FILES)]
    part = pd.read_parquet(out / "articles" / "part-00000.parquet")
    assert "text" not in part.columns and {"n_chars", "n_tokens"} <= set(part.columns)
    assert not part["doc_id"].is_monotonic_increasing  # read order is kept (as locally)
    manifest = json.loads((out / "_manifests" / "part-00003.json").read_text())
    assert manifest["inputs"][0]["path"] == "news-03.jsonl"
    assert manifest["outputs"]["scores"]["rows"] == manifest["n_articles"] * len(_LEXICON)
    assert summary["n_tokens"] == cd.load_table(out, "articles")["n_tokens"].sum()
    evidence = cd.load_table(out, "evidence")
    assert len(evidence) == cd.load_table(out, "scores")["hits"].sum()


def test_rerun_resumes_finished_partitions_and_redoes_a_damaged_one(client, corpus, tmp_path):
    out = tmp_path / "out"
    kw = dict(scheduler=client, stages=STANDIN, partition_size=_small_partitions(corpus))
    first = cd.run_dask(corpus, out, **kw)
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert first["computed"] == N_FILES and len(calls) == N_FILES
    trends = first["trends"].read_bytes()

    again = cd.run_dask(corpus, out, **kw)
    assert (again["computed"], again["resumed"]) == (0, N_FILES)
    assert (tmp_path / "calls.log").read_text().splitlines() == calls  # nothing re-read
    assert again["trends"].read_bytes() == trends

    (out / "scores" / "part-00002.parquet").write_bytes(b"damaged")
    changed = corpus / "news-04.jsonl"
    changed.write_text(changed.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    third = cd.run_dask(corpus, out, **kw)
    redone = (tmp_path / "calls.log").read_text().splitlines()[len(calls):]
    assert sorted(redone) == ["news-02.jsonl", "news-04.jsonl"]
    assert (third["computed"], third["resumed"]) == (2, N_FILES - 2)
    assert third["trends"].read_bytes() == trends

    fresh = cd.run_dask(corpus, out, resume=False, **kw)
    assert fresh["computed"] == N_FILES
    # another presence rule is another result: nothing is resumed
    other = cd.run_dask(corpus, out, presence="mention", **kw)
    assert (other["computed"], other["resumed"]) == (N_FILES, 0)


def test_a_failing_partition_is_retried_then_reported_and_rerun_later(client, corpus, tmp_path):
    out = tmp_path / "out"
    kw = dict(scheduler=client, stages=STANDIN, partition_size=_small_partitions(corpus))
    bad = corpus / "news-01.jsonl"
    good_text = bad.read_text(encoding="utf-8")
    bad.write_text(good_text + "BOOM\n", encoding="utf-8")
    summary = cd.run_dask(corpus, out, retries=1, **kw)
    assert summary["failed"] == 1 and summary["computed"] == N_FILES - 1
    assert summary["trends"] is None and not (out / "trends.csv").exists()
    report = pd.read_csv(out / "failures.csv")
    assert report.to_dict("records") == [{
        "partition": "part-00001", "files": "news-01.jsonl", "error": "RuntimeError",
        "message": "stand-in reader cannot read news-01.jsonl"}]
    assert (tmp_path / "boom.log").read_text().split() == ["news-01.jsonl"] * 2  # 1 + 1 retry
    assert json.loads((out / "_run.json").read_text())["failed"] == 1

    bad.write_text(good_text, encoding="utf-8")
    fixed = cd.run_dask(corpus, out, **kw)
    assert (fixed["failed"], fixed["computed"], fixed["resumed"]) == (0, 1, N_FILES - 1)
    assert not (out / "failures.csv").exists()
    _, trends = _local_standin(corpus)
    assert fixed["trends"].read_bytes() == write_csv(tmp_path / "local.csv", trends).read_bytes()


def test_a_flaky_partition_succeeds_on_retry(client, corpus, tmp_path):
    stages = cd.Stages(**{**STANDIN.__dict__, "read": _flaky_read})
    summary = cd.run_dask(corpus, tmp_path / "out", scheduler=client, stages=stages,
                          partition_size=_small_partitions(corpus), retries=1)
    assert (summary["failed"], summary["computed"]) == (0, N_FILES)
    assert len(list(tmp_path.glob("failed-once-*"))) == N_FILES  # every one failed once


def test_the_model_is_loaded_once_per_worker_not_per_task(client, corpus, tmp_path):
    log_file = tmp_path / "warm.log"
    client.run(_setenv, "CIVICTEXT_TEST_WARM_LOG", str(log_file))
    client.run(cd._reset_warm)
    stages = cd.Stages(**{**STANDIN.__dict__, "warm": _warm_log})
    summary = cd.run_dask(corpus, tmp_path / "out", scheduler=client, stages=stages,
                          partition_size=_small_partitions(corpus))
    assert summary["computed"] == N_FILES > 2
    pids = log_file.read_text().split()
    workers = client.run(os.getpid)
    assert sorted(pids) == sorted(str(p) for p in workers.values())  # once each
    assert set(client.run(cd._warm_calls).values()) == {1}


def test_skipped_input_lines_are_reported(client, corpus, tmp_path):
    f = corpus / "news-05.jsonl"
    f.write_text(f.read_text(encoding="utf-8") + "{not json\n", encoding="utf-8")
    summary = cd.run_dask(corpus, tmp_path / "out", scheduler=client, stages=STANDIN)
    assert summary["skipped"].to_dict("records") == [
        {"path": "news-05.jsonl", "line": N_ARTICLES // N_FILES + 1, "reason": "not JSON"}]
    assert (tmp_path / "out" / "skipped.csv").is_file()


def test_fewer_partitions_on_rerun_leave_no_stale_parts(client, corpus, tmp_path):
    out = tmp_path / "out"
    cd.run_dask(corpus, out, scheduler=client, stages=STANDIN,
                partition_size=_small_partitions(corpus))
    cd.run_dask(corpus, out, scheduler=client, stages=STANDIN, partition_size=10**9)
    assert [p.name for p in (out / "scores").iterdir()] == ["part-00000.parquet"]
    assert len(cd.load_table(out, "articles")) == N_ARTICLES


def test_a_doc_id_in_two_partitions_is_reported_and_blocks_trends(client, corpus, tmp_path):
    first = (corpus / "news-00.jsonl").read_text(encoding="utf-8").splitlines()[0]
    with open(corpus / "news-03.jsonl", "a", encoding="utf-8") as fh:
        fh.write(first + "\n")
    summary = cd.run_dask(corpus, tmp_path / "out", scheduler=client, stages=STANDIN,
                          partition_size=_small_partitions(corpus))
    assert (summary["duplicate_doc_ids"], summary["trends"]) == (1, None)
    assert not (tmp_path / "out" / "trends.csv").exists()


def test_partitions_follow_file_order_and_size(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    for name, size in [("b.jsonl", 40), ("a.jsonl", 30), ("c/x.txt", 100), ("d.csv", 10)]:
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_bytes(b"x" * size)
    (folder / "manifest.csv").write_text("metadata, not an input")
    root, groups = cd._plan(folder, 70, cd.Stages().list_files)
    assert [[f.relative_to(root).as_posix() for f in g] for g in groups] == [
        ["a.jsonl", "b.jsonl"], ["c/x.txt"], ["d.csv"]]


def test_bad_parameters_and_paths_are_named(tmp_path):
    with pytest.raises(cd.CivictextError, match=r"input .*nowhere does not exist"):
        cd.run_dask(tmp_path / "nowhere", tmp_path / "out", stages=STANDIN)
    with pytest.raises(cd.CivictextError, match="partition_size must be a positive"):
        cd.run_dask(tmp_path, tmp_path / "out", stages=STANDIN, partition_size=0)
    with pytest.raises(cd.CivictextError, match="no input files under"):
        cd.run_dask(tmp_path, tmp_path / "out", stages=STANDIN)
    with pytest.raises(cd.CivictextError, match="no finished partitions"):
        cd.load_table(tmp_path, "scores")
    with pytest.raises(cd.CivictextError, match="presence must be 'focus' or 'mention'"):
        cd.run_dask(tmp_path, tmp_path / "out", stages=STANDIN, presence="about")


def test_missing_dask_gives_an_install_hint(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(cd.DaskNotInstalledError, match=r"pip install civictext\[dask\]"):
        cd.run_dask(tmp_path, tmp_path / "out", stages=STANDIN)
    from civictext.cli import main

    assert main(["themes", str(tmp_path), "--out", str(tmp_path / "s.csv"),
                 "--engine", "dask", "-q"]) == 2


def test_civictext_imports_without_dask():
    code = ("import sys; sys.modules['dask'] = None; sys.modules['distributed'] = None; "
            "import civictext, civictext.engines.dask, civictext.cli; "
            "civictext.cli.build_parser().parse_args(['run', 'x', '--out', 'y']); print('ok')")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert res.stdout.strip() == "ok", res.stderr


# ------------------------------------------------ the real stages, both engines
@pytest.fixture(scope="module")
def real_corpus(tmp_path_factory) -> Path:
    """36 generated articles in 3 JSONL files (read by the real read_corpus)."""
    folder = tmp_path_factory.mktemp("real") / "corpus"
    folder.mkdir()
    df = generate_corpus(36, random_state=0)
    for k in range(3):
        part = df.iloc[k::3].iloc[::-1]
        lines = [json.dumps({"id": r.doc_id, "title": r.title, "text": r.text,
                             "published": r.published, "source": r.source}, ensure_ascii=False)
                 for r in part.itertuples()]
        (folder / f"feed-{k}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def local_tables(real_corpus, tmp_path_factory) -> dict[str, bytes]:
    """What the local engine writes for real_corpus, as CSV bytes."""
    from civictext.ingest.reader import read_corpus
    from civictext.themes.scoring import score_themes, theme_evidence
    from civictext.trends.shares import choose_freq, theme_trends

    with pytest.MonkeyPatch.context() as mp:  # module scope: the autouse cache fixture is not on yet
        mp.setenv("CIVICTEXT_CACHE", str(tmp_path_factory.mktemp("cache")))
        articles = read_corpus(real_corpus)
        scores = score_themes(articles)  # the default reading, theme model included
    freq = choose_freq(articles)
    frames = {"articles": articles.drop(columns=["text"]), "scores": scores,
              "evidence": theme_evidence(articles),
              "trends": theme_trends(scores, articles, freq=freq),
              "trends_by_source": theme_trends(scores, articles, freq=freq, by="source")}
    out = tmp_path_factory.mktemp("local")
    return {k: write_csv(out / f"{k}.csv", v).read_bytes() for k, v in frames.items()}


@pytest.fixture(scope="module")
def dask_run(client, real_corpus, tmp_path_factory) -> Path:
    """``run_dask`` (partitioned Parquet) on the module's cluster, one partition per file.

    (``civictext run --engine dask`` writes the local engine's outputs instead:
    tests/test_engines.py.)"""
    out = tmp_path_factory.mktemp("dask") / "run"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CIVICTEXT_CACHE", str(tmp_path_factory.mktemp("cache")))
        cd.run_dask(real_corpus, out, scheduler=client, partition_size=_small_partitions(real_corpus))
    return out


def test_real_stages_give_exactly_the_local_engine_tables(client, dask_run, local_tables,
                                                          tmp_path):
    run = json.loads((dask_run / "_run.json").read_text())
    assert (run["n_partitions"], run["failed"], run["n_articles"]) == (3, 0, 36)
    assert (dask_run / "trends.csv").read_bytes() == local_tables["trends"]
    assert (dask_run / "trends_by_source.csv").read_bytes() == local_tables["trends_by_source"]
    for table in ("scores", "evidence"):
        got = write_csv(tmp_path / f"{table}.csv", cd.load_table(dask_run, table)).read_bytes()
        assert got == local_tables[table], table
    meta = cd.load_table(dask_run, "articles").drop(columns=["n_chars", "n_tokens"])
    assert write_csv(tmp_path / "a.csv", meta).read_bytes() == local_tables["articles"]
    assert set(client.run(cd._warm_calls).values()) == {1}  # underthesea loaded once per worker


def test_cli_themes_with_the_dask_engine_writes_the_local_csv(client, real_corpus, local_tables,
                                                              tmp_path):
    from civictext.cli import main

    assert main(["themes", str(real_corpus), "--out", str(tmp_path / "s.csv"), "--evidence",
                 str(tmp_path / "e.csv"), "--engine", "dask", "--scheduler",
                 client.scheduler.address, "-q"]) == 0
    assert (tmp_path / "s.csv").read_bytes() == local_tables["scores"]
    assert (tmp_path / "e.csv").read_bytes() == local_tables["evidence"]
    assert (tmp_path / "s.csv.parts" / "_manifests" / "part-00000.json").is_file()


def test_cli_dask_refuses_options_it_would_ignore(tmp_path, capsys):
    from civictext.cli import main

    for extra in (["--threshold", "2"], ["--field", "text=noi_dung"]):
        assert main(["themes", str(tmp_path / "c"), "--out", str(tmp_path / "s.csv"),
                     "--engine", "dask", *extra]) == 2
        assert "not supported with --engine dask" in capsys.readouterr().err
    assert not (tmp_path / "s.csv").exists()


def test_reading_file_by_file_gives_the_folder_table(tmp_path):
    """Paths, per-category folders and a manifest.csv come out as read_corpus(folder)."""
    from civictext.ingest.reader import read_corpus

    root = tmp_path / "c"
    for cat, i in (("xa-hoi", 1), ("kinh-te", 2)):
        (root / cat).mkdir(parents=True)
        (root / cat / f"bai-{i}.txt").write_text(
            f"# doc_id = 10{i}\n# date = 2019051{i}\nCải cách hành chính ở phường số {i}\n"
            "Phường công khai thủ tục và giảm thời gian chờ của người dân.\n", encoding="utf-8")
    (root / "tin.jsonl").write_text(json.dumps(
        {"id": "t1", "title": "Văn hóa công sở", "text": "Cán bộ niềm nở khi tiếp dân."},
        ensure_ascii=False) + "\n", encoding="utf-8")
    (root / "manifest.csv").write_text("file,source,url,published,date_evidence\n"
                                       "tin.jsonl,Báo Thử,,2020-03-04,bản in\n", encoding="utf-8")
    stages = cd.Stages()
    top = root.resolve()
    files = stages.list_files(top)
    assert [f.relative_to(top).as_posix() for f in files] == [
        "kinh-te/bai-2.txt", "tin.jsonl", "xa-hoi/bai-1.txt"]
    parts = pd.concat([stages.read(top, [f], False) for f in files], ignore_index=True)
    whole = read_corpus(root)
    pd.testing.assert_frame_equal(parts, whole)
    assert whole["category"].tolist() == ["kinh-te", "", "xa-hoi"]
    assert whole["published"].tolist()[1] == "2020-03-04"


def test_the_engine_clusters_near_duplicates_across_worker_processes(client, tmp_path):
    """2 worker processes, one file per partition: signatures and band keys made in
    two processes, pairs checked on the workers, the whole corpus's clusters."""
    from civictext.engines.local import ScoreSpec, combine, near_duplicates_table
    from civictext.ingest.dedup import DedupSpec, near_duplicates
    from civictext.ingest.reader import plan_corpus, read_corpus
    from conftest import write_duplicates_corpus

    root = write_duplicates_corpus(tmp_path / "c")
    expect = near_duplicates(read_corpus(root), keep="longest", threshold=0.7)
    assert (~expect["is_representative"]).sum() > 5
    plan = plan_corpus(root)
    engine = cd.DaskEngine(scheduler=client, partition_size=1)
    spec = ScoreSpec(presence="focus", dedup=DedupSpec(keep="longest", threshold=0.7))
    res = engine.map(plan, engine.partitions(plan), spec)
    assert len(res) == 4 and all(r.signatures is not None for r in res)
    read, _, _ = combine(plan, res)
    pd.testing.assert_frame_equal(near_duplicates_table(res, read.articles), expect)
