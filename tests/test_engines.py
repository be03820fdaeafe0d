"""One reader plan and one per-partition function for both engines (issue 14).

``civictext run --engine dask`` must write the local engine's outputs byte for
byte (only ``timings`` in the manifest differ), whatever the partitioning.
The Dask runs use a 2-worker ``LocalCluster`` with threads (``processes=False``)
so the module stays fast; the partition function is the same one either way.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from civictext.engines import dask as cd
from civictext.engines.local import LocalEngine, ScoreSpec, combine, process_partition
from civictext.ingest.reader import ReadOptions, plan_corpus, read_corpus, read_corpus_result

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from compare_runs import compare  # noqa: E402

from conftest import write_duplicates_corpus  # noqa: E402

distributed = pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]


def _folder_case(root: Path) -> Path:
    """news/a.txt listed in a root manifest.csv, next to a _collect/ folder."""
    (root / "news").mkdir(parents=True)
    (root / "_collect").mkdir()
    (root / "_collect" / "raw.html").write_text("<html></html>", encoding="utf-8")
    (root / "news" / "a.txt").write_text(
        "Cải cách hành chính ở phường\n\n(PLO) Phường công khai thủ tục hành chính và giảm "
        "thời gian chờ của người dân.\n\nCán bộ tiếp dân niềm nở, đúng quy tắc ứng xử.\n",
        encoding="utf-8")
    (root / "manifest.csv").write_text("file,source,url,published,date_evidence\n"
                                       "news/a.txt,PLO,,2024-05-12,bản in\n", encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                       dashboard_address=":0")
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_the_dask_reader_reads_a_folder_as_read_corpus(tmp_path):
    root = _folder_case(tmp_path / "c")
    whole = read_corpus(root)
    assert whole[["source", "published", "category"]].values.tolist() == [
        ["PLO", "2024-05-12", ""]]
    files = cd.Stages().list_files(root.resolve())
    part = cd.Stages().read(root.resolve(), files, False)
    pd.testing.assert_frame_equal(part, whole, check_like=False)


def test_partitions_of_the_plan_give_read_corpus_with_ids_renamed_corpus_wide(tmp_path):
    """Files in separate partitions: the same table, report and renaming as one read."""
    root = tmp_path / "c"
    root.mkdir()
    for k, ids in enumerate((["a", "b"], ["a", "a-2"], ["b", "c"])):
        lines = [json.dumps({"id": i, "title": f"Tin {i} {k}", "text": f"Cải cách hành chính "
                             f"số {k} của {i}.", "published": f"202{k}-01-0{k + 1}"},
                            ensure_ascii=False) for i in ids]
        (root / f"f{k}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "notes.md").write_text("x", encoding="utf-8")
    expect = read_corpus_result(root)
    plan = plan_corpus(root)
    spec = ScoreSpec(presence="focus")
    parts = [process_partition(plan, [f], spec, index=i) for i, f in enumerate(plan.files)]
    read, scores, evidence = combine(plan, parts[::-1])  # any completion order
    pd.testing.assert_frame_equal(read.articles, expect.articles)
    assert read.articles["doc_id"].tolist() == ["a", "b", "a-3", "a-2", "b-2", "c"]
    assert (read.files, read.skipped, read.renamed) == (expect.files, expect.skipped,
                                                        expect.renamed)
    from civictext.themes.scoring import score_themes, theme_evidence

    pd.testing.assert_frame_equal(scores, score_themes(expect.articles, presence="focus"))
    pd.testing.assert_frame_equal(evidence, theme_evidence(expect.articles))


def test_limit_counts_over_partitions_on_the_local_engine(tmp_path):
    root = ROOT / "tests" / "data" / "mini_corpus"
    plan = plan_corpus(root, ReadOptions(limit=3))
    res = LocalEngine(partition_size=1).map(plan, plan.partitions(1), ScoreSpec())
    read, _, _ = combine(plan, res)
    assert read.spill is not None  # more than one partition: the texts went to disk
    pd.testing.assert_frame_equal(read.full_articles(), read_corpus(root, limit=3))


def _run(argv: list[str]) -> None:
    from civictext.cli import main

    assert main([*argv, "-q"]) == 0


@pytest.fixture(scope="module")
def folder_case(tmp_path_factory) -> Path:
    return _folder_case(tmp_path_factory.mktemp("folder") / "c")


@pytest.mark.parametrize("corpus", ["bundled", "mini", "folder"])
def test_run_with_the_dask_engine_writes_the_local_outputs(corpus, client, folder_case,
                                                           tmp_path):
    path = {"bundled": ROOT / "corpus", "mini": ROOT / "tests" / "data" / "mini_corpus",
            "folder": folder_case}[corpus]
    _run(["run", str(path), "--out", str(tmp_path / "local"), "--jobs", "1"])
    # partitions of ~1 file each, so ids, dedup and topics cross partitions
    _run(["run", str(path), "--out", str(tmp_path / "dask"), "--engine", "dask",
          "--scheduler", client.scheduler.address, "--partition-mb", "0.000001"])
    assert compare(tmp_path / "local", tmp_path / "dask") == []
    manifest = json.loads((tmp_path / "dask" / "figures" / "manifest.json").read_text())
    assert manifest["timings"]["engine"] == "dask"
    assert manifest["parameters"]["presence"] == "auto"  # the theme model, on the workers
    assert (tmp_path / "dask" / "scores.csv").read_text().splitlines()[0].count("p_model")


# ------------------------------------------- near-duplicates from signatures
@pytest.mark.parametrize("keep", ["first", "longest"])
def test_near_duplicates_from_partition_signatures_equal_the_whole_corpus(tmp_path, client,
                                                                          keep):
    """Signatures per partition, clustered on the driver, the pairs checked where the
    texts are: the table near_duplicates gives on the whole corpus, on both engines."""
    from civictext.engines.local import near_duplicates_table
    from civictext.ingest.dedup import DedupSpec, near_duplicates

    root = write_duplicates_corpus(tmp_path / "c")
    whole = read_corpus(root)
    expect = near_duplicates(whole, keep=keep, threshold=0.7, num_perm=64)
    assert expect["size"].max() > 2 and (~expect["is_representative"]).sum() > 5
    assert (expect["representative"] != expect["doc_id"]).any()
    plan = plan_corpus(root)
    spec = ScoreSpec(presence="focus", dedup=DedupSpec(keep=keep, threshold=0.7, num_perm=64))
    engines = [(LocalEngine(), 1), (LocalEngine(partition_size=1), 4),
               (cd.DaskEngine(scheduler=client, partition_size=1), 4)]
    for engine, n_groups in engines:
        groups = engine.partitions(plan)
        assert len(groups) == n_groups
        res = engine.map(plan, groups, spec)
        read, _, _ = combine(plan, res)
        # more than one partition: on either engine the driver spills their texts
        assert (read.spill is not None) == (n_groups > 1)
        pd.testing.assert_frame_equal(near_duplicates_table(res, read.articles), expect)


def test_the_dask_engine_brings_signatures_not_texts_to_the_driver_for_dedup(tmp_path, client,
                                                                             monkeypatch):
    """No shingling on the driver (the workers are threads here, so the driver is
    the main thread): signatures, lengths and one float per checked pair come back;
    the run's near_duplicates.csv is the local engine's."""
    import threading

    from civictext.ingest import dedup

    root = write_duplicates_corpus(tmp_path / "c")
    _run(["run", str(root), "--out", str(tmp_path / "local"), "--jobs", "1"])
    real, on_driver = dedup.shingles, []

    def watched(text: str, k: int = 3) -> set[str]:
        if threading.current_thread() is threading.main_thread():
            on_driver.append(text[:20])
        return real(text, k)

    monkeypatch.setattr(dedup, "shingles", watched)
    _run(["run", str(root), "--out", str(tmp_path / "dask"), "--engine", "dask",
          "--scheduler", client.scheduler.address, "--partition-mb", "0.000001"])
    assert on_driver == []
    assert compare(tmp_path / "local", tmp_path / "dask") == []
    clusters = pd.read_csv(tmp_path / "dask" / "near_duplicates.csv")
    assert (~clusters["is_representative"]).sum() > 5


def test_coverage_counts_summed_over_partitions_equal_the_whole_table_report(tmp_path):
    """issue 17: the coverage table from per-partition counts (no text on the driver) is
    the whole-table coverage_report, whatever the partitioning; the counts can fail."""
    from civictext.engines.local import combined_coverage
    from civictext.themes.scoring import coverage_counts, coverage_report, coverage_table

    root = ROOT / "tests" / "data" / "mini_corpus"
    whole = coverage_report(read_corpus(root))
    assert whole["hits"].sum() > 0  # the corpus exercises the counts
    plan = plan_corpus(root)
    for size in (None, 1):
        res = LocalEngine(partition_size=size).map(plan, plan.partitions(size),
                                                   ScoreSpec(presence="focus", coverage=True))
        assert all(r.coverage is not None for r in res)
        if size == 1:
            assert len(res) > 1
        pd.testing.assert_frame_equal(coverage_table(combined_coverage(res)), whole)
    assert combined_coverage(LocalEngine().map(plan, plan.partitions(None),
                                               ScoreSpec(presence="focus"))) is None
    one = coverage_counts(read_corpus(root).iloc[:1])
    assert (one <= coverage_counts(read_corpus(root))).all()
    with pytest.raises(Exception, match="coverage_table"):
        coverage_table(one[:2])
