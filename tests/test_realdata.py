"""The pipeline on the real corpora in ``../shared/corpora`` (skipped where absent).

Samples only (first N records), so the module stays well under a minute; the
full runs are in benchmarks/ (RESULTS.md, "Real corpora"). Documents are
referred to by id; no text of the corpora is copied here.
"""
from __future__ import annotations

import importlib

import pandas as pd
import pytest

from civictext.ingest.reader import read_corpus, url_timestamp
from civictext.themes.lexicon import load_lexicons
from civictext.themes.scoring import score_themes, theme_evidence
from civictext.trends.shares import theme_trends

tok = importlib.import_module("civictext.text.segmentation")  # the module, not the function

pytestmark = pytest.mark.realdata

FEED = "news-feed/articles.jsonl.gz"
VNDS = "vnds-test/articles.seg.jsonl.gz"
DANTRI = "dantri-unc/articles"


@pytest.fixture(scope="module")
def feed(shared_corpora):
    # ~36 days of the feed (about 420 items a day)
    return read_corpus(shared_corpora / FEED, limit=15000)


@pytest.fixture(scope="module")
def vnds(shared_corpora):
    return read_corpus(shared_corpora / VNDS, limit=30)


def _ones(articles: pd.DataFrame) -> pd.Series:
    return pd.Series(1, index=articles["doc_id"].astype(str))


def test_each_layout_reads(shared_corpora, feed, vnds):
    dantri = read_corpus(shared_corpora / DANTRI, limit=30,
                         category_pattern=r"news_([a-z]+)_")
    assert len(dantri) == 30 and (dantri["format"] == "txt-header").all()
    assert dantri["category"].str.len().gt(0).all()
    assert (dantri["date_precision"] == "day").all()
    assert feed["doc_id"].is_unique and feed["source"].str.len().gt(0).all()
    assert feed["published"].notna().all()
    assert vnds["segmented"].all()
    assert (vnds["text"] == vnds["tokens_given"].str.replace("_", " ")).all()


def test_tuoi_tre_dates_come_from_the_link(feed):
    tt = feed[feed["url"].str.contains("tuoitre.vn")]
    assert len(tt) > 100
    fixed = tt[tt["date_evidence"].str.startswith("url timestamp")]
    # most Tuổi Trẻ items carry a timestamp id and were fetched hours later
    assert len(fixed) > 0.5 * len(tt)
    for url, pub in zip(fixed["url"].head(50), fixed["published"].head(50)):
        assert pub == url_timestamp(url)
    others = feed[~feed["url"].str.contains("tuoitre.vn")]
    assert (others["date_evidence"] == "jsonl:published").all()


def test_presegmented_text_is_not_segmented_again(vnds, monkeypatch):
    def boom(self, sentence):  # the CRF word segmenter
        raise AssertionError("the segmenter ran on pre-segmented text")

    monkeypatch.setattr(tok._Segmenter, "syllables", boom)
    tokens = tok.tokenize(vnds, cache=False)
    counts = tok.count_tokens(vnds, cache=False)
    assert counts.sum() > 10000
    # the given words are the tokens (lexicon compounds aside), with surface offsets
    first = vnds.iloc[0]
    t = tokens[tokens["doc_id"] == first["doc_id"]]
    given_words = {w.lower() for w in first["tokens_given"].split()}
    share = t["token"].str.lower().isin(given_words).mean()
    assert share > 0.95
    text = first["text"]
    assert all(text[s:e].replace(" ", "_").lower() == w.lower()
               for w, s, e in zip(t["token"], t["start"], t["end"]))
    analyzer = tok.Analyzer()
    assert analyzer.given(first["text"], first["tokens_given"])


def test_scoring_a_sample_end_to_end(vnds, feed):
    sample = pd.concat([vnds, feed.head(2000)], ignore_index=True)
    ev = theme_evidence(sample)
    assert len(ev) > 0
    assert all(sample.set_index("doc_id").loc[d, "text"][s:e] == m
               for d, s, e, m in zip(ev["doc_id"], ev["start"], ev["end"], ev["matched"]))
    scores = score_themes(sample, n_tokens=_ones(sample), presence="focus")
    assert len(scores) == 3 * len(sample) and scores["present"].any()


def test_acronym_inside_a_name_is_not_a_hit(shared_corpora):
    # doc d3214c3f… (record 30,177): a tennis report; "SIPAS" occurs only inside
    # a player's name
    feed = read_corpus(shared_corpora / FEED, limit=30200)
    doc = feed[feed["doc_id"] == "d3214c3f0fd54322572b7d3cf167f5ba"]
    assert len(doc) == 1 and "sipas" in doc["text"].iloc[0].lower()
    ev = theme_evidence(doc)
    assert not (ev["term"] == "SIPAS").any()


def test_office_culture_in_a_soft_skills_ad_is_not_a_hit(shared_corpora):
    # Dân trí news_education_238: "văn hóa công sở" as business etiquette in a
    # university's ad (judged not about the theme, benchmarks/labels/real_hits.csv)
    doc = read_corpus(shared_corpora / DANTRI / "news_education_238.txt")
    folded = doc["text"].iloc[0].lower()
    assert "văn hóa công sở" in folded or "văn hoá công sở" in folded
    ev = theme_evidence(doc, load_lexicons())
    assert not (ev["term"] == "văn hóa công sở").any()


def test_monthly_trends_per_outlet_on_a_month(feed):
    month = feed[feed["published"].str.startswith("2025-09")]
    assert month["source"].nunique() >= 3
    scores = score_themes(month, n_tokens=_ones(month), presence="focus")
    tr = theme_trends(scores, month, freq="M", by="source", n_boot=200)
    assert set(tr["theme"]) == {"reform", "conduct", "satisfaction"}
    assert tr["source"].nunique() == month["source"].nunique()
    assert ((tr["share"] >= 0) & (tr["share"] <= 1)).all()


def _judged_documents(shared_corpora, labels: pd.DataFrame, tmp_path) -> dict[str, pd.DataFrame]:
    """The judged documents of each corpus, read by read_corpus from files of the
    same format holding only their records (copies under tmp_path, never the repo)."""
    import gzip
    import json
    import shutil

    out = {}
    for corpus, rel in (("newsfeed", FEED), ("vnds", VNDS)):
        want = set(labels.loc[labels["corpus"] == corpus, "doc_id"])
        sub = tmp_path / corpus / rel.rsplit("/", 1)[1]
        sub.parent.mkdir(parents=True)
        with gzip.open(shared_corpora / rel, "rt", encoding="utf-8") as src, \
                gzip.open(sub, "wt", encoding="utf-8") as dst:
            for line in src:
                if line.strip() and str(json.loads(line).get("id")) in want:
                    dst.write(line)
        out[corpus] = read_corpus(sub)
    folder = tmp_path / "dantri"
    folder.mkdir()
    for doc_id in set(labels.loc[labels["corpus"] == "dantri", "doc_id"]):
        shutil.copy(shared_corpora / DANTRI / f"{doc_id}.txt", folder)
    out["dantri"] = read_corpus(folder)
    return out


def test_focus_rule_precision_on_the_judged_real_hits(shared_corpora, tmp_path):
    """The README's precision figures: of the hand-judged hits (ids in
    benchmarks/labels/real_hits.csv) that the default rule still counts as
    present, at least 80 % per theme were judged about the theme; under
    presence="mention" it is far lower. Guards the lexicons and the rule
    against regressions (these hits include the ones the rule was tuned on;
    the fresh-sample figures are in benchmarks/RESULTS.md)."""
    from pathlib import Path

    labels = pd.read_csv(Path(__file__).resolve().parents[1] / "benchmarks" / "labels" /
                         "real_hits.csv", dtype={"doc_id": str})
    docs = _judged_documents(shared_corpora, labels, tmp_path)
    found = []
    for corpus, arts in docs.items():
        assert set(labels.loc[labels["corpus"] == corpus, "doc_id"]) <= set(arts["doc_id"])
        s = score_themes(arts, n_tokens=_ones(arts), presence="focus")
        found.append(s.assign(corpus=corpus)[["corpus", "doc_id", "theme", "mentioned",
                                              "present"]])
    lab = labels.merge(pd.concat(found), on=["corpus", "doc_id", "theme"])
    assert len(lab) == len(labels)
    for theme, g in lab.groupby("theme"):
        focus = g.loc[g["present"], "judged_relevant"]
        mention = g.loc[g["mentioned"], "judged_relevant"]
        assert len(focus) >= 20, theme
        assert focus.mean() >= 0.8, (theme, focus.mean(), len(focus))
        assert mention.mean() < focus.mean() - 0.1, theme
    # the second, blind coder (91 of the same hits): reform and conduct hold;
    # satisfaction does not (README: 0.58, a question of the theme's definition)
    coder2 = pd.read_csv(Path(__file__).resolve().parents[1] / "benchmarks" / "labels" /
                         "real_hits_coder2.csv", dtype={"doc_id": str})
    two = coder2.merge(lab[["corpus", "doc_id", "theme", "present"]],
                       on=["corpus", "doc_id", "theme"])
    assert len(two) == len(coder2)
    by2 = two[two["present"]].groupby("theme")["judged_relevant"].mean()
    assert by2["reform"] >= 0.8 and by2["conduct"] >= 0.8, by2.to_dict()


@pytest.mark.parametrize("rel, n", [(VNDS, 100), (FEED, 100), (DANTRI, 10),
                                    ("vn4news2020/articles.jsonl.gz", 10)])
def test_model_features_reuse_is_exact_on_samples(shared_corpora, rel, n):
    """The theme model's token features (given words analysed in one pass, headline
    sentences taken from the text's tokens) equal analysing each text and each
    headline alone, so p_model cannot change; pre-segmented input writes no cache."""
    import sqlite3

    from civictext.config import cache_dir
    from civictext.text import cache as _cache

    tm = importlib.import_module("civictext.themes.model")
    arts = read_corpus(shared_corpora / rel, limit=n)
    docs, n_tok = tm._token_docs(arts)
    an = tok.Analyzer()
    texts = arts["text"].tolist()
    givens = tok._givens(arts, texts)
    body = [an.given(t, g) if g else an(t) for t, g in zip(texts, givens)]
    # a pre-segmented document's headline and lead: the same spans of its given words
    heads = [an.given(h, "\n".join(g[a:b] for a, b in sp)) if g and h else an(h)
             for h, g, sp in zip(tm._headlines(arts), givens, tm._head_spans(arts))]
    assert docs == [" ".join(t) + (" " + " ".join("h:" + w for w in h) if h else "")
                    for t, h in zip(body, heads)]
    assert n_tok.tolist() == [len(t) for t in body]
    if arts.get("segmented", pd.Series(False, index=arts.index)).all():
        db = _cache.db_path(cache_dir())
        assert not db.exists() or sqlite3.connect(db).execute(
            "SELECT COUNT(*) FROM tokens_v1").fetchone()[0] == 0
