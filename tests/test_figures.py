"""Tests for civictext.viz.figures: files per figure, CSVs equal to the trend tables,
byte-identical reruns, honest captions, the manifest, run_all and the CLI.

``build_figures`` / ``run_all`` call the corpus, themes and topics stages; these
tests replace those modules with small stand-ins (monkeypatched into
``sys.modules``) so they check this module's work, not theirs. One test runs
the real stages on the bundled corpus when they are importable.
"""
from __future__ import annotations

import json
import sys
import types

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from civictext.cli import main  # noqa: E402
from civictext.errors import ModelError  # noqa: E402
from civictext.ingest.synthetic import PLANTED_THEME_KEYWORDS, planted_trend_corpus  # noqa: E402
from civictext.trends.shares import theme_trends, topic_trends  # noqa: E402
from civictext.viz import figures  # noqa: E402

N_BOOT = 200


def _score(articles: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keyword scores and evidence for the planted corpus (a stand-in scorer)."""
    rows, ev = [], []
    for d, text in zip(articles["doc_id"], articles["text"]):
        low = text.lower()
        n_tok = max(1, len(low.split()))
        for theme, kws in PLANTED_THEME_KEYWORDS.items():
            hits = 0
            for k in kws:
                c = low.count(k)
                hits += c
                ev += [{"doc_id": d, "theme": theme, "term": k, "matched": k, "start": 0,
                        "end": 0, "sentence": "", "folded": False}] * c
            rows.append({"doc_id": d, "theme": theme, "hits": hits, "folded_hits": 0,
                         "n_tokens": n_tok, "per_1k": 1000 * hits / n_tok, "present": hits > 0})
    return pd.DataFrame(rows), pd.DataFrame(ev)


def _doc_topics(articles: pd.DataFrame, k: int = 3) -> pd.DataFrame:
    w = np.random.default_rng(0).dirichlet(np.ones(k), size=len(articles))
    return pd.DataFrame([{"doc_id": d, "topic": j, "weight": w[i, j]}
                         for i, d in enumerate(articles["doc_id"]) for j in range(k)])


@pytest.fixture(scope="module")
def planted():
    periods = [f"2022Q{q}" for q in range(1, 5)] + [f"2023Q{q}" for q in range(1, 5)]
    arts, _ = planted_trend_corpus({"satisfaction": np.linspace(.1, .6, 8),
                                    "conduct": [.3] * 8, "reform": [.4] * 8},
                                   periods, [30, 30, 0, 30, 30, 30, 30, 30], random_state=2,
                                   year_only_share=0.1)
    arts = arts.copy()
    arts.loc[arts.index[:6], ["published", "date_precision"]] = ["", "unknown"]
    scores, evidence = _score(arts)
    return arts, scores, evidence


def _read(path):
    return pd.read_csv(path, keep_default_na=True)


# ----------------------------------------------------- figures_from_tables
@pytest.fixture(scope="module")
def built(planted, tmp_path_factory):
    """The same tables drawn twice into two folders (drawing is the slow part)."""
    arts, scores, ev = planted
    dt = _doc_topics(arts)
    root = tmp_path_factory.mktemp("built")
    kw = dict(evidence=ev, doc_topics=dt, freq="Q", n_boot=N_BOOT, random_state=4,
              topic_labels={0: "công sở", 1: "dịch vụ công"})
    ra = figures.figures_from_tables(arts, scores, root / "a", **kw)
    rb = figures.figures_from_tables(arts, scores, root / "b", **kw)
    return root / "a", root / "b", ra, rb, dt


def test_figures_from_tables_writes_png_svg_csv(built):
    a, _, recs, _, _ = built
    assert [r["name"] for r in recs] == [
        "corpus_volume_by_quarter", "theme_share_by_quarter", "theme_share_by_outlet",
        "theme_cooccurrence", "top_terms_per_theme", "topic_prevalence_by_quarter"]
    for r in recs:
        png = (a / r["png"]).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
        assert (a / r["svg"]).read_text(encoding="utf-8").lstrip().startswith("<?xml")
        assert len(_read(a / r["csv"])) == r["rows"]
    assert (a / "captions.md").read_text(encoding="utf-8").count("## ") == 6
    assert not list(a.glob("*.tmp")) and not list(a.glob(".*"))


def test_figure_csvs_match_the_trend_tables(planted, built):
    arts, scores, _ = planted
    a, _, recs, _, dt = built
    recs = {r["name"]: r for r in recs}
    want = theme_trends(scores, arts, freq="Q", n_boot=N_BOOT, random_state=4)
    got = _read(a / recs["theme_share_by_quarter"]["csv"])
    cols = ["period", "theme", "n_articles", "n_present", "share", "share_lo", "share_hi",
            "low_n"]
    assert list(got.columns) == cols
    pd.testing.assert_frame_equal(got, want[cols].reset_index(drop=True).astype(
        {"period": object}), check_dtype=False, check_exact=False, rtol=1e-9)
    assert (got["period"] == "2022Q3").sum() == 3 and \
        (got.loc[got["period"] == "2022Q3", "n_articles"] == 0).all()  # empty period kept
    by = theme_trends(scores, arts, freq="Q", by="source", n_boot=N_BOOT, random_state=4)
    got_by = _read(a / "theme_share_by_outlet.csv")
    assert got_by["source"].tolist() == by["source"].tolist()
    assert np.allclose(got_by["share_hi"], by["share_hi"], equal_nan=True)
    tt = topic_trends(dt, arts, freq="Q", n_boot=N_BOOT, random_state=4)
    got_t = _read(a / recs["topic_prevalence_by_quarter"]["csv"])
    assert np.allclose(got_t["mean_weight"], tt["mean_weight"], equal_nan=True)
    assert got_t["label"].tolist()[:3] == ["công sở", "dịch vụ công", "topic 2"]
    vol = _read(a / recs["corpus_volume_by_quarter"]["csv"])
    assert vol["n_articles"].tolist() == want.drop_duplicates("period")["n_articles"].tolist()


def test_rerun_gives_identical_files(built):
    a, b, ra, rb, _ = built
    assert ra == rb
    for r in ra:
        for kind in ("csv", "png", "svg"):
            assert (a / r[kind]).read_bytes() == (b / r[kind]).read_bytes(), r[kind]
    assert (a / "captions.md").read_bytes() == (b / "captions.md").read_bytes()


def test_auto_frequency_and_honest_captions_for_a_tiny_corpus(tmp_path):
    # like the bundled corpus: one article dated to the year, the rest undated
    arts = pd.DataFrame({"doc_id": [f"t{i}" for i in range(18)],
                         "published": ["2019"] + [""] * 17,
                         "date_precision": ["year"] + ["unknown"] * 17,
                         "source": "Lao Động Thủ Đô",
                         "text": ["Văn hóa công sở và quy tắc ứng xử."] + ["Tin khác."] * 17})
    scores, ev = _score(arts)
    recs = figures.figures_from_tables(arts, scores, tmp_path, evidence=ev, n_boot=N_BOOT)
    names = [r["name"] for r in recs]
    assert "theme_share_by_year" in names and "corpus_volume_by_year" in names
    share = next(r for r in recs if r["name"] == "theme_share_by_year")
    assert "Not shown: 17 of 18 documents undated." in share["caption"]
    t = _read(tmp_path / "theme_share_by_year.csv")
    assert t["n_articles"].tolist() == [1, 1, 1] and t["low_n"].all()


# ------------------------------------------------------- build_figures
@pytest.fixture(scope="module")
def small_planted():
    """A smaller corpus for the end-to-end tests: 3 years, yearly figures."""
    arts, _ = planted_trend_corpus({"satisfaction": [.1, .3, .6], "conduct": [.3] * 3},
                                   ["2021", "2022", "2023"], 12, random_state=9,
                                   year_only_share=0.2)
    arts = arts.copy()
    arts.loc[arts.index[:3], ["published", "date_precision"]] = ["", "unknown"]
    scores, evidence = _score(arts)
    return arts, scores, evidence


@pytest.fixture
def fake_stages(monkeypatch, small_planted):
    """Stand-ins for civictext.ingest.reader / themes / lexicon / topics."""
    arts, scores, ev = small_planted
    calls = {}

    from civictext import pipeline  # noqa: F401 - before the stand-ins replace stages
    from civictext.ingest.reader import ReadResult
    from civictext.themes import model as theme_model  # noqa: F401 - before the stand-ins replace stages

    def read_and_score(config, coverage=False):  # the engine's part: read, score, evidence
        calls["read"] = (str(config.corpus), config.read.strict, config.progress)
        # no clusters and no coverage counts from the engine: the driver computes both
        return ReadResult(arts.copy(), [], [], [], {}), scores.copy(), ev.copy(), None, None

    monkeypatch.setattr(pipeline, "_read_and_score", read_and_score)
    corpus = types.ModuleType("civictext.ingest.reader")

    def write_read_report(articles, out):
        from civictext._io import write_text
        return write_text(f"{out}/read_report.md", f"{len(articles.articles)} documents\n")

    def read_corpus(path, *, strict=False, progress=True):  # civictext trends reads this way
        calls["read"] = (str(path), strict, progress)
        return arts.copy()

    corpus.read_corpus, corpus.write_read_report = read_corpus, write_read_report
    from civictext.ingest.reader import COLUMNS, check_articles  # the real ones: dedup and run_all
    corpus.check_articles, corpus.COLUMNS = check_articles, COLUMNS  # import them from here
    from civictext.themes.scoring import (  # real ones
        DEFAULT_PRESENCE,
        MODEL_PRESENCE,
        PRESENCE_RULES,
        check_point,
    )

    themes = types.ModuleType("civictext.themes.scoring")
    themes.MODEL_PRESENCE, themes.DEFAULT_PRESENCE = MODEL_PRESENCE, DEFAULT_PRESENCE
    themes.PRESENCE_RULES, themes.check_point = PRESENCE_RULES, check_point
    themes.release_last_pass = lambda: None
    themes.score_themes = lambda a, lexicon=None, **k: scores.copy()
    themes.theme_evidence = lambda a, lexicon=None, **k: ev.copy()
    themes.coverage_report = lambda a, lexicon=None, **k: pd.DataFrame(
        {"theme": ["reform"], "term": ["một cửa"], "n_docs": [1]})
    lexicon = types.ModuleType("civictext.themes.lexicon")
    lexicon.load_lexicons = lambda paths=None: object()
    topics = types.ModuleType("civictext.topics.model")

    class Model:
        def __init__(self, a):
            self.doc_topics = _doc_topics(a)
            self.topics = pd.DataFrame({"topic": [0, 1, 2], "label": ["công sở", "một cửa",
                                                                      "hài lòng"]})
            self.top_terms = pd.DataFrame({"topic": [0], "rank": [1], "term": ["x"],
                                           "weight": [1.0]})

        def save(self, path):
            from civictext._io import write_text
            write_text(f"{path}/model.txt", "fake\n")

    def fit_topics(a, *, method="nmf", random_state=0, **kw):
        calls["fit"] = (method, random_state)
        if calls.get("fail_topics"):
            raise ModelError("fit_topics: 18 documents are too few for 8 topics")
        return Model(a)

    topics.fit_topics = fit_topics
    for mod in (corpus, themes, lexicon, topics):
        monkeypatch.setitem(sys.modules, mod.__name__, mod)
    return calls


@pytest.fixture
def corpus_folder(tmp_path):
    d = tmp_path / "corpus"
    (d / "sub").mkdir(parents=True)
    (d / "a.txt").write_text("Bài một về văn hóa công sở.\n", encoding="utf-8")
    (d / "sub" / "b.txt").write_text("Bài hai về dịch vụ công trực tuyến.\n", encoding="utf-8")
    (d / ".hidden").write_text("ignored", encoding="utf-8")
    return d


def test_build_figures_manifest_is_complete_and_reproducible(fake_stages, corpus_folder,
                                                             tmp_path):
    m1 = figures.build_figures(corpus_folder, tmp_path / "o1", random_state=5, n_boot=N_BOOT)
    m2 = figures.build_figures(corpus_folder, tmp_path / "o2", random_state=5, n_boot=N_BOOT)
    b1 = (tmp_path / "o1" / "manifest.json").read_bytes()
    assert b1 == (tmp_path / "o2" / "manifest.json").read_bytes()
    for r in m1["figures"]:
        assert (tmp_path / "o1" / r["csv"]).read_bytes() == \
            (tmp_path / "o2" / r["csv"]).read_bytes()
    man = json.loads(b1)
    assert man == json.loads(json.dumps(m1))
    assert fake_stages["fit"] == ("seeded", 5) and fake_stages["read"][1] is False
    assert man["random_state"] == 5 and man["parameters"]["n_boot"] == N_BOOT
    assert man["parameters"]["freq"] == "Y" and man["parameters"]["freq_chosen_automatically"]
    assert man["corpus"]["files"] == 2 and len(man["corpus"]["sha256"]) == 64
    assert man["corpus"]["excluded_by_date_precision"] == {"unknown": 3}
    assert man["corpus"]["documents"] == 36
    assert {"pandas", "numpy", "matplotlib", "scikit-learn"} <= set(man["versions"])
    assert len(man["figures"]) == 6 and man["skipped"] == {}
    import hashlib
    for r in man["figures"]:
        assert hashlib.sha256((tmp_path / "o1" / r["csv"]).read_bytes()).hexdigest() == \
            r["csv_sha256"]
    text = b1.decode()
    assert str(tmp_path) not in text and "2026-" not in text  # no paths, no timestamps
    assert m2 == m1


def test_never_writes_into_the_corpus(fake_stages, corpus_folder):
    before = sorted(p.name for p in corpus_folder.rglob("*"))
    with pytest.raises(figures.TrendError, match="inside the corpus folder"):
        figures.build_figures(corpus_folder, corpus_folder / "figs")
    with pytest.raises(figures.TrendError, match="read-only"):
        figures.run_all(corpus_folder, corpus_folder)
    assert sorted(p.name for p in corpus_folder.rglob("*")) == before


def test_corpus_fingerprint_follows_content(corpus_folder):
    f1 = figures.corpus_fingerprint(corpus_folder)
    (corpus_folder / ".hidden").write_text("changed", encoding="utf-8")
    assert figures.corpus_fingerprint(corpus_folder) == f1
    (corpus_folder / "a.txt").write_text("Bài một, đã sửa.\n", encoding="utf-8")
    assert figures.corpus_fingerprint(corpus_folder)["sha256"] != f1["sha256"]
    single = figures.corpus_fingerprint(corpus_folder / "sub" / "b.txt")
    assert single["files"] == 1 and single["name"] == "b.txt"
    with pytest.raises(figures.TrendError, match="does not exist"):
        figures.corpus_fingerprint(corpus_folder / "nope")


def test_topics_that_cannot_be_fitted_are_skipped_with_the_reason(fake_stages, corpus_folder,
                                                                  tmp_path, monkeypatch):
    fake_stages["fail_topics"] = True
    man = figures.build_figures(corpus_folder, tmp_path / "o", n_boot=N_BOOT)
    assert "too few" in man["skipped"]["topic_prevalence"]
    names = [r["name"] for r in man["figures"]]
    assert "top_terms_per_theme" in names  # the evidence figure is still drawn
    assert not any(n.startswith("topic_prevalence") for n in names)
    assert json.loads((tmp_path / "o" / "manifest.json").read_text())["skipped"] == \
        man["skipped"]


def test_run_all_via_cli_writes_every_output_and_says_where(fake_stages, corpus_folder,
                                                            tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(corpus_folder), "--out", str(out), "--seed", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for rel in ("articles.csv", "read_report.md", "scores.csv", "evidence.csv", "coverage.csv",
                "topics/topics.csv", "topics/doc_topics.csv", "topics/model/model.txt",
                "trends.csv", "trends_by_source.csv", "topic_trends.csv",
                "figures/manifest.json", "figures/captions.md"):
        assert (out / rel).is_file(), rel
    text = "\n".join(lines)
    assert str(out / "trends.csv") in text and str(out / "figures") in text
    assert any("figures: 6 in" in line for line in lines)
    # the stage timing table ends the run's report and is in the manifest
    at = next(i for i, line in enumerate(lines) if line.startswith("stage timings"))
    assert lines[at + 1].split() == ["stage", "wall", "s", "CPU", "s"]
    assert lines[-1].split()[0] == "total"
    stages = json.loads((out / "figures" / "manifest.json").read_text())["timings"]["stages"]
    order = [r["stage"] for r in stages]
    assert order.index("near-duplicates") < order.index("topics") < order.index("figures")
    assert {"topics", "figures", "trends (bootstrap)", "total"} <= {r["stage"] for r in stages}
    assert "Not shown: 3 of 36 documents undated" in text
    t = _read(out / "trends.csv")
    assert t["period"].astype(str).unique().tolist() == ["2021", "2022", "2023"]
    man = json.loads((out / "figures" / "manifest.json").read_text())
    assert man["random_state"] == 1 and fake_stages["fit"] == ("seeded", 1)


def test_cli_figures_and_trends(fake_stages, corpus_folder, tmp_path, capsys, monkeypatch):
    seen = {}

    def fake_build(corpus, out, **kw):
        seen.update(kw, corpus=corpus, out=out)
        return {"figures": [{}, {}]}

    monkeypatch.setattr(figures, "build_figures", fake_build)
    assert main(["figures", "--corpus", str(corpus_folder), "--out", str(tmp_path / "f"),
                 "--seed", "3", "--strict"]) == 0
    assert "wrote 2 figures" in capsys.readouterr().out
    assert seen["random_state"] == 3 and seen["strict"] is True
    assert main(["trends", str(corpus_folder), "--out", str(tmp_path / "t.csv"),
                 "--freq", "Q", "--by", "source"]) == 0
    assert "excluded for date precision" in capsys.readouterr().out
    assert set(_read(tmp_path / "t.csv")["source"]) == {"SYNTHETIC-A", "SYNTHETIC-B"}
    assert main(["trends", str(corpus_folder), "--out", str(tmp_path / "s.csv"),
                 "--smooth", "2", "--n-boot", "50"]) == 0
    out = capsys.readouterr().out
    assert "freq Y" in out and "Not shown: 3 of 36 documents undated." in out
    assert "share_smooth" in _read(tmp_path / "s.csv").columns
    assert main(["trends", str(corpus_folder), "--out", str(tmp_path / "t.csv"),
                 "--by", "outlet"]) == 2
    assert "by='outlet'" in capsys.readouterr().err


# ------------------------------------------------- the real stages, when present
@pytest.mark.slow
def test_build_figures_on_the_bundled_corpus(corpus_dir, tmp_path):
    try:
        import civictext.ingest.reader  # noqa: F401
        import civictext.themes.scoring  # noqa: F401
        import civictext.topics.model  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"stage not merged yet: {exc}")
    man = figures.build_figures(corpus_dir, tmp_path / "a", n_boot=N_BOOT)
    again = figures.build_figures(corpus_dir, tmp_path / "b", n_boot=N_BOOT)
    assert (tmp_path / "a" / "manifest.json").read_bytes() == \
        (tmp_path / "b" / "manifest.json").read_bytes()
    assert man == again and man["parameters"]["freq"] == "Y"
    share = next(r for r in man["figures"] if r["name"] == "theme_share_by_year")
    n_docs = man["corpus"]["documents"]
    undated = man["corpus"]["excluded_by_date_precision"].get("unknown", 0)
    assert undated > 0 and "Not shown: " in share["caption"]
    assert f"{undated} undated" in share["caption"] or \
        f"{undated} of {n_docs} documents undated" in share["caption"]


def test_run_all_counts_each_story_once_unless_asked(tmp_path):
    """Issue 7: trend counts use de-duplicated articles by default and say how many
    were dropped; --keep-duplicates (dedup=False) counts every copy."""
    from civictext.viz.figures import run_all

    story = ("UBND phường tổ chức hội nghị triển khai cải cách hành chính, đẩy mạnh dịch vụ "
             "công trực tuyến và cơ chế một cửa liên thông cho người dân trên địa bàn. "
             "Lãnh đạo phường yêu cầu cán bộ niềm nở, đúng quy tắc ứng xử khi tiếp dân.")
    other = "Đội bóng của trường giành giải nhất hội thao mùa xuân sau trận chung kết kịch tính."
    rows = [
        {"id": "a1", "title": "Phường đẩy mạnh cải cách hành chính", "text": story,
         "published": "2024-03-04", "source": "Báo Một"},
        {"id": "a2", "title": "Phường đẩy mạnh cải cách hành chính", "text": story,
         "published": "2024-03-05", "source": "Báo Hai"},  # a syndicated copy
        {"id": "a3", "title": "Hội thao mùa xuân", "text": other,
         "published": "2024-03-06", "source": "Báo Một"},
    ]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "news.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")

    lines = run_all(corpus, tmp_path / "dedup", random_state=0)
    assert any("near-duplicates: 1 of 3 documents" in line for line in lines)
    trends = pd.read_csv(tmp_path / "dedup" / "trends.csv")
    assert set(trends["n_articles"]) == {2}
    manifest = json.loads((tmp_path / "dedup" / "figures" / "manifest.json").read_text())
    assert manifest["corpus"]["near_duplicates_dropped"] == 1

    run_all(corpus, tmp_path / "all", random_state=0, dedup=False)
    assert set(pd.read_csv(tmp_path / "all" / "trends.csv")["n_articles"]) == {3}


def test_run_keeps_the_survivors_as_rows_of_the_articles_table(tmp_path):
    """The run's kept table holds the survivors' rows with the columns later stages
    read; ``RunResult.kept`` still gives every column of those rows, in order."""
    from civictext import pipeline

    story = ("UBND phường tổ chức hội nghị triển khai cải cách hành chính, đẩy mạnh dịch vụ "
             "công trực tuyến và cơ chế một cửa liên thông cho người dân trên địa bàn.")
    rows = [{"id": f"k{i}", "title": title, "text": text, "published": f"2024-03-0{i + 1}",
             "source": src, "url": f"https://example.vn/{i}"}
            for i, (title, text, src) in enumerate([
                ("Phường đẩy mạnh cải cách hành chính", story, "Báo Một"),
                ("Phường đẩy mạnh cải cách hành chính", story, "Báo Hai"),  # a copy
                ("Hội thao", "Đội bóng của trường giành giải nhất hội thao mùa xuân.", "Báo Một")])]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "news.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    res = pipeline.run(pipeline.config_from_kwargs(corpus, random_state=0), coverage=False)
    assert res.n_duplicates_dropped == 1
    assert list(res.kept.columns) == list(res.articles.columns)
    expected = res.articles[res.articles["doc_id"] != res.articles["doc_id"][1]]
    pd.testing.assert_frame_equal(res.kept, expected.reset_index(drop=True))
    assert "url" not in res.kept_table.columns
    assert "text" not in res.kept_table.columns  # the topic model reads it by position
    pd.testing.assert_frame_equal(res.kept_table, res.kept[list(res.kept_table.columns)])


def test_presence_rule_reaches_trends_manifest_and_captions(tmp_path):
    """A passing mention in a long article counts under presence="mention" only;
    the manifest and the captions say which reading the figures use."""
    from civictext.viz.figures import run_all

    weather = [f"Ngày {i}, trời mưa và giao thông ùn tắc ở nhiều tuyến phố." for i in range(10)]
    rows = [
        {"id": "long", "title": "Mưa lớn kéo dài", "published": "2024-03-04", "source": "Báo Một",
         "text": "\n".join(weather + ["Phường cũng nhắc lại cải cách hành chính."])},
        {"id": "about", "title": "Phường đẩy mạnh cải cách hành chính", "published": "2024-03-05",
         "source": "Báo Hai", "text": "Người dân nộp hồ sơ trực tuyến tại bộ phận một cửa."},
        {"id": "other", "title": "Hội thao mùa xuân", "published": "2024-03-06",
         "source": "Báo Một", "text": "Đội bóng của trường giành giải nhất hội thao."},
    ]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "news.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")

    def reform_present(out):
        t = pd.read_csv(out / "trends.csv")
        return int(t.loc[t["theme"] == "reform", "n_present"].sum())

    run_all(corpus, tmp_path / "focus", random_state=0, presence="focus")
    run_all(corpus, tmp_path / "mention", random_state=0, presence="mention")
    assert reform_present(tmp_path / "focus") == 1
    assert reform_present(tmp_path / "mention") == 2
    for reading, word in (("focus", "is present (the theme is prominent"),
                          ("mention", "is mentioned (one specific lexicon term")):
        fig = tmp_path / reading / "figures"
        assert json.loads((fig / "manifest.json").read_text())["parameters"]["presence"] == reading
        assert word in (fig / "captions.md").read_text(encoding="utf-8")
    scores = pd.read_csv(tmp_path / "focus" / "scores.csv", dtype={"doc_id": str})
    long = scores[(scores["doc_id"] == "long") & (scores["theme"] == "reform")].iloc[0]
    assert bool(long["mentioned"]) and not bool(long["present"])


def test_run_takes_the_reader_options_and_records_them(tmp_path, capsys):
    """A JSON dump with its own field names, categories in file names: `run`
    reads it as `ingest` does (--field, --category-pattern), the manifest records
    the options, and the Dask engine reads them the same way."""
    from civictext.cli import main

    rows = [{"ma": f"b{i}", "tieu_de": t, "noi_dung": "Người dân nộp hồ sơ tại bộ phận một cửa.",
             "ngay": f"2024-0{i + 1}-10"} for i, t in enumerate(
                ["Phường đẩy mạnh cải cách hành chính", "Tỉnh công bố chỉ số SIPAS",
                 "Hội thao mùa xuân"])]
    corpus = tmp_path / "dump"
    corpus.mkdir()
    (corpus / "bao_xahoi_1.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    opts = ["--field", "text=noi_dung", "--field", "title=tieu_de", "--field", "published=ngay",
            "--field", "id=ma", "--category-pattern", r"bao_([a-z]+)_"]
    out = tmp_path / "out"
    assert main(["run", str(corpus), "--out", str(out), "-q", "--presence", "focus", *opts]) == 0
    arts = pd.read_csv(out / "articles.csv", dtype=str)
    assert arts["doc_id"].tolist() == ["b0", "b1", "b2"]
    assert set(arts["category"]) == {"xahoi"} and arts["published"].str.startswith("2024").all()
    scores = pd.read_csv(out / "scores.csv", dtype={"doc_id": str})
    assert scores.loc[scores["present"], "doc_id"].tolist() == ["b0", "b1"]
    man = json.loads((out / "figures" / "manifest.json").read_text())
    assert man["parameters"]["read_options"] == {
        "fields": {"text": "noi_dung", "title": "tieu_de", "published": "ngay", "id": "ma"},
        "category_pattern": r"bao_([a-z]+)_"}
    capsys.readouterr()
    assert main(["run", str(corpus), "--out", str(tmp_path / "d"), "-q", "--presence", "focus",
                 "--engine", "dask", "--workers", "1", *opts]) == 0
    assert (tmp_path / "d" / "articles.csv").read_bytes() == (out / "articles.csv").read_bytes()
    assert (tmp_path / "d" / "scores.csv").read_bytes() == (out / "scores.csv").read_bytes()


def test_run_by_another_column(tmp_path, capsys):
    """`run --by category`: per-category trends and small multiples; a column the
    articles do not have is a one-line error."""
    from civictext.cli import main

    rows = [{"id": f"c{i}", "title": t, "text": "Người dân nộp hồ sơ tại bộ phận một cửa.",
             "published": f"2024-0{i + 1}-10", "category": c} for i, (t, c) in enumerate(
                [("Phường đẩy mạnh cải cách hành chính", "thoi-su"),
                 ("Tỉnh công bố chỉ số SIPAS", "kinh-te"), ("Hội thao mùa xuân", "the-thao")])]
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "tin.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(corpus), "--out", str(out), "-q", "--by", "category"]) == 0
    assert not (out / "trends_by_source.csv").exists()
    by_cat = pd.read_csv(out / "trends_by_category.csv")
    assert set(by_cat["category"]) == {"thoi-su", "kinh-te", "the-thao"}
    man = json.loads((out / "figures" / "manifest.json").read_text())
    assert man["parameters"]["by"] == "category"
    capsys.readouterr()
    assert main(["run", str(corpus), "--out", str(tmp_path / "x"), "--by", "outlet"]) == 2
    assert "by='outlet' is not a column" in capsys.readouterr().err
