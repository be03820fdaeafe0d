"""Bounded driver memory (issue 17): the local engine's partitions spill their text
columns to disk, and the topic model is fitted on a bounded sample above a cap.

Both must leave every output as it was: a spilled run writes the bytes of a run that
holds the whole table in memory, and ``RunResult.articles`` / ``kept`` give back every
column.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from civictext import pipeline
from civictext.engines.local import LocalEngine
from civictext.engines.spill import SPILLED_COLUMNS, Spill
from civictext.ingest.reader import read_corpus
from civictext.pipeline import RunConfig, TopicSpec, run, write_outputs

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from compare_runs import compare  # noqa: E402

from conftest import write_duplicates_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def _corpus(name: str, tmp_path: Path) -> Path:
    if name == "mini":
        return ROOT / "tests" / "data" / "mini_corpus"
    return write_duplicates_corpus(tmp_path / "dups")


def _run(corpus: Path, engine: LocalEngine, **kw):
    return run(RunConfig(corpus, engine=engine, n_jobs=1, presence="focus", **kw))


@pytest.mark.parametrize("name", ["mini", "duplicates"])
def test_a_spilled_run_writes_the_bytes_of_an_in_memory_run(name, tmp_path):
    corpus = _corpus(name, tmp_path)
    whole = _run(corpus, LocalEngine(partition_size=None))
    spilled = _run(corpus, LocalEngine(partition_size=1))  # a partition per file: spills
    assert whole.read.spill is None
    assert spilled.read.spill is not None and len(spilled.read.spill.sizes) > 1
    # the driver's table holds no text column; the texts are on disk
    assert not set(SPILLED_COLUMNS) & set(spilled.read.articles.columns)
    write_outputs(whole, tmp_path / "whole")
    write_outputs(spilled, tmp_path / "spilled")
    assert compare(tmp_path / "whole", tmp_path / "spilled") == []
    if name == "duplicates":  # near-duplicate pairs across partitions were checked on texts
        assert (~spilled.near_duplicates["is_representative"]).sum() > 5


def test_the_spilled_result_gives_back_every_column(tmp_path):
    corpus = write_duplicates_corpus(tmp_path / "c")
    whole = _run(corpus, LocalEngine(partition_size=None))
    spilled = _run(corpus, LocalEngine(partition_size=1))
    expect = read_corpus(corpus)
    expect.attrs = {}
    got = spilled.articles
    got.attrs = {}
    pd.testing.assert_frame_equal(got, expect)
    pd.testing.assert_frame_equal(spilled.kept, whole.kept)
    assert len(spilled.kept) < len(expect)  # near-duplicates were dropped


def test_scores_and_evidence_keep_on_the_driver_only_the_columns_the_run_reads(tmp_path):
    corpus = _corpus("mini", tmp_path)
    whole = _run(corpus, LocalEngine(partition_size=None))
    spilled = _run(corpus, LocalEngine(partition_size=1))
    assert spilled.spilled == ("scores", "evidence") and whole.spilled == ()
    assert list(spilled.score_table.columns) == ["doc_id", "theme", "per_1k", "mentioned",
                                                  "present"]
    assert list(spilled.evidence_table.columns) == ["doc_id", "theme", "term"]
    assert len(whole.evidence) > 0
    for table in ("scores", "evidence"):
        pd.testing.assert_frame_equal(getattr(spilled, table), getattr(whole, table))
    pd.testing.assert_frame_equal(spilled.kept_scores,
                                  whole.kept_scores[spilled.score_table.columns])


def test_spill_rows_come_back_in_the_order_asked_across_partitions():
    spill = Spill()
    frames = [pd.DataFrame({"doc_id": [f"{k}-{i}" for i in range(n)],
                            "text": [f"text {k}-{i}" for i in range(n)],
                            "source": "S"}) for k, n in enumerate((3, 0, 4))]
    slim = [spill.put(f) for f in frames]
    assert [list(s.columns) for s in slim] == [["doc_id", "source"]] * 3
    assert spill.sizes == [3, 0, 4]
    got = spill.rows([5, 0, 3, 2, 6], ["text"])["text"].tolist()
    assert got == ["text 2-2", "text 0-0", "text 2-0", "text 0-2", "text 2-3"]
    whole = pd.concat([s for s in slim if len(s)], ignore_index=True)  # as combine does
    back = spill.full(whole, ["doc_id", "source", "text"])
    pd.testing.assert_frame_equal(back, pd.concat([f for f in frames if len(f)],
                                                  ignore_index=True)[["doc_id", "source", "text"]])
    folder = spill.path
    spill.close()
    assert not folder.exists()


def test_write_csv_frames_writes_the_bytes_of_one_write(tmp_path):
    from civictext._io import write_csv, write_csv_frames

    df = pd.DataFrame({"a": ["x", "y,z", None, "w"], "b": [1.5, 2.0, 1 / 3, 4.0],
                       "c": [True, False, True, True]})
    write_csv(tmp_path / "one.csv", df)
    write_csv_frames(tmp_path / "parts.csv", [df.iloc[:0], df.iloc[:1], df.iloc[1:1],
                                               df.iloc[1:]])
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "parts.csv").read_bytes()


# ------------------------------------------------------------- the topic cap
def test_topic_fit_rows_is_every_row_up_to_the_cap_then_a_seeded_sorted_sample():
    rows = np.arange(10, 40)
    assert (pipeline.topic_fit_rows(rows, 0, cap=30) == rows).all()
    a = pipeline.topic_fit_rows(rows, 0, cap=12)
    assert len(a) == 12 and (np.diff(a) > 0).all() and set(a) <= set(rows)
    assert (a == pipeline.topic_fit_rows(rows, 0, cap=12)).all()
    assert not (a == pipeline.topic_fit_rows(rows, 1, cap=12)).all()


@pytest.fixture(scope="module")
def many_files(tmp_path_factory):
    """60 synthetic articles written as 4 JSON Lines files (no near-duplicates)."""
    from civictext.ingest.synthetic import generate_corpus

    arts = generate_corpus(60, random_state=3)
    root = tmp_path_factory.mktemp("many")
    for k in range(4):
        part = arts.iloc[k::4][["doc_id", "title", "text", "published", "source"]]
        part.to_json(root / f"p{k}.jsonl", orient="records", lines=True, force_ascii=False)
    return root


def test_above_the_cap_topics_are_fitted_on_a_sample_and_every_document_weighted(
        many_files, monkeypatch):
    monkeypatch.setattr(pipeline, "TOPIC_FIT_CAP", 25)
    monkeypatch.setattr(pipeline, "_TOPIC_CHUNK", 7)
    kw = dict(dedup=False, topics=TopicSpec(method="nmf"))
    res = _run(many_files, LocalEngine(partition_size=1), **kw)
    model = res.model
    kept_ids = res.kept_table["doc_id"].tolist()
    assert len(kept_ids) == 60
    assert model.params["n_docs"] == 25
    assert model.params["fit_sample"] == {"n_fitted": 25, "n_documents": 60, "cap": 25,
                                          "random_state": 0}
    dt = model.doc_topics
    assert dt["doc_id"].drop_duplicates().tolist() == kept_ids  # every kept document
    assert np.allclose(dt.groupby("doc_id")["weight"].sum(), 1)
    # the fitted documents' weights are those of the model fitted on them alone
    from civictext.topics.model import fit_topics

    fit_rows = pipeline.topic_fit_rows(np.arange(60), 0, cap=25)
    alone = fit_topics(res.articles.iloc[fit_rows].reset_index(drop=True), method="nmf",
                       random_state=0)
    mine = dt[dt["doc_id"].isin(alone.doc_topics["doc_id"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, alone.doc_topics.reset_index(drop=True),
                                  check_exact=False, atol=1e-12)
    # spilled or not, the same weights
    whole = _run(many_files, LocalEngine(partition_size=None), **kw)
    pd.testing.assert_frame_equal(whole.model.doc_topics, dt)
