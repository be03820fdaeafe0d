"""civictext.topics.model: what researchers rely on when they fit, check and reuse topic models.

The analyzer here is a small regex splitter that keeps a few multi-word terms
whole (like civictext's own Analyzer does for the lexicon), so these tests do
not depend on the word segmenter. The themed paragraphs are written for these
tests.
"""
from __future__ import annotations

import json
import math
import re
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civictext.errors import CivictextWarning, ModelError
from civictext.ingest.synthetic import generate_corpus
from civictext.topics.model import (
    TopicModel,
    _stability_table,
    compare_n_topics,
    fit_topics,
    npmi_coherence,
    topic_stability,
)
from conftest import count_segmenter_calls

PHRASES = ("cải cách hành chính", "thủ tục hành chính", "dịch vụ công trực tuyến", "một cửa",
           "quy tắc ứng xử", "văn hóa công sở", "nơi công cộng", "giao tiếp", "thái độ",
           "hài lòng", "niềm tin", "người dân", "cán bộ", "công chức", "nhân dân", "bóng đá",
           "thời tiết", "hồ sơ")
STOP = frozenset("là và của các có được với những trong đã cho để một này khi từ tại theo "
                 "về đến như thì mà ở nhiều năm so số ra vào lên".split())


class PhraseAnalyzer:
    """Lowercase, keep PHRASES whole with '_', split on non-word characters, drop STOP."""

    def __init__(self, phrases: tuple[str, ...] = PHRASES):
        self.phrases = tuple(sorted(phrases, key=len, reverse=True))

    def __call__(self, text: str) -> list[str]:
        text = text.lower()
        for p in self.phrases:
            text = text.replace(p, p.replace(" ", "_"))
        return [w for w in re.findall(r"\w+", text) if w not in STOP]


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


LEXICON = {
    "reform": ["cải cách hành chính", "thủ tục hành chính", "dịch vụ công trực tuyến", "một cửa"],
    "conduct": ["quy tắc ứng xử", "văn hóa công sở", "nơi công cộng", "giao tiếp", "thái độ"],
    "satisfaction": ["hài lòng", "niềm tin", "SIPAS", "PAPI"],
}

# Short news-style paragraphs written for these tests, five per theme plus unrelated ones.
THEMED = {
    "reform": [
        "Quận đẩy mạnh cải cách hành chính, rút ngắn thủ tục hành chính tại bộ phận một cửa.",
        "Người dân nộp hồ sơ qua dịch vụ công trực tuyến, thủ tục hành chính được giải quyết nhanh.",
        "Bộ phận một cửa liên thông tiếp nhận hồ sơ, cải cách hành chính tiếp tục được đẩy mạnh.",
        "Thành phố cắt giảm thủ tục hành chính, mở rộng dịch vụ công trực tuyến mức độ bốn.",
        "Cải cách hành chính gắn với số hóa hồ sơ, dịch vụ công trực tuyến phủ khắp phường.",
    ],
    "conduct": [
        "Cán bộ phải thực hiện quy tắc ứng xử, giữ văn hóa công sở và thái độ niềm nở.",
        "Quy tắc ứng xử nơi công cộng được tuyên truyền, người dân giữ giao tiếp văn minh.",
        "Công chức vi phạm văn hóa công sở, thái độ hách dịch khi giao tiếp với dân bị kỷ luật.",
        "Phường ra mắt mô hình văn hóa công sở, cán bộ giao tiếp lịch sự, đúng quy tắc ứng xử.",
        "Giữ gìn nơi công cộng sạch đẹp, thực hiện quy tắc ứng xử là trách nhiệm của mọi người.",
    ],
    "satisfaction": [
        "Chỉ số SIPAS cho thấy mức độ hài lòng của người dân tăng so với năm trước.",
        "Kết quả PAPI phản ánh niềm tin của người dân vào chính quyền cơ sở.",
        "Tỉnh xếp hạng cao về sự hài lòng, chỉ số SIPAS và PAPI đều cải thiện.",
        "Khảo sát niềm tin và sự hài lòng của người dân được công bố cùng chỉ số PAPI.",
        "Mức hài lòng tăng, niềm tin của người dân với cơ quan hành chính được củng cố, SIPAS cao.",
    ],
    "other": [
        "Đội bóng đá thành phố thắng trận giao hữu, khán giả cổ vũ nhiệt tình suốt trận.",
        "Thời tiết miền Bắc chuyển lạnh, mưa phùn kéo dài nhiều ngày cuối tuần.",
        "Giải bóng đá học sinh khép lại, đội trường Lê Lợi giành cúp vô địch.",
        "Dự báo thời tiết tuần tới có nắng nóng, nhiệt độ cao nhất ba mươi tám độ.",
    ],
}


# Few iterations keep the tests fast (sklearn LDA's E-step loops over documents in Python);
# the properties tested hold whether or not the solver has converged.
ITERS = {"nmf": 80, "lda": 5, "seeded": 100}
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _frame(texts: list[str], prefix: str = "d") -> pd.DataFrame:
    return pd.DataFrame({"doc_id": [f"{prefix}{i:03d}" for i in range(len(texts))], "text": texts})


@pytest.fixture(scope="module")
def themed() -> pd.DataFrame:
    rows = [(theme, text) for theme, texts in THEMED.items() for text in texts]
    df = _frame([t for _, t in rows])
    df["theme"] = [th for th, _ in rows]
    return df


@pytest.fixture(scope="module")
def synth() -> pd.DataFrame:
    return generate_corpus(120, random_state=0)


@pytest.fixture(scope="module")
def seeded_synth(synth) -> TopicModel:
    return fit_topics(synth, method="seeded", n_topics=6, analyzer=PhraseAnalyzer(),
                      lexicon=LEXICON, random_state=0)


@pytest.fixture(scope="module")
def seeded_themed(themed) -> TopicModel:
    return fit_topics(themed, method="seeded", n_extra=1, analyzer=PhraseAnalyzer(),
                      lexicon=LEXICON, min_df=1, random_state=0)


def _weights(doc_topics: pd.DataFrame) -> pd.DataFrame:
    return doc_topics.pivot(index="doc_id", columns="topic", values="weight")


# ---------------------------------------------------------------- tables
@pytest.mark.parametrize("method", ["nmf", "lda", "seeded"])
def test_tables_follow_the_contract_and_weights_sum_to_one(synth, method):
    before = synth.copy()
    m = fit_topics(synth.head(60), method=method, n_topics=5, analyzer=PhraseAnalyzer(),
                   lexicon=LEXICON, max_iter=ITERS[method])
    pd.testing.assert_frame_equal(synth, before)  # input untouched
    assert list(m.doc_topics.columns) == ["doc_id", "topic", "weight"]
    assert list(m.top_terms.columns)[:4] == ["topic", "rank", "term", "weight"]
    assert list(m.topics.columns) == ["topic", "label", "seeded_theme", "coherence_npmi",
                                      "exclusivity"]
    assert len(m.doc_topics) == 60 * m.n_topics == 60 * 5
    assert m.doc_topics["doc_id"].unique().tolist() == synth["doc_id"].head(60).tolist()
    sums = m.doc_topics.groupby("doc_id")["weight"].sum()
    np.testing.assert_allclose(sums, 1.0, atol=1e-9)
    assert (m.doc_topics["weight"] >= 0).all()
    assert m.top_terms.groupby("topic")["rank"].apply(lambda r: r.tolist() == list(
        range(1, len(r) + 1))).all()
    assert m.topics["coherence_npmi"].between(-1, 1).all()
    assert m.topics["exclusivity"].between(1 / 5 - 1e-12, 1 + 1e-12).all()


def test_exclusivity_is_the_mean_share_of_top_terms_weight(synth):
    m = fit_topics(synth.head(60), method="nmf", n_topics=4, analyzer=PhraseAnalyzer())
    phi = m.topic_term
    share = phi / phi.sum(axis=0, keepdims=True)
    col = {t: j for j, t in enumerate(m.vocabulary)}
    for k in range(4):
        terms = m.top_terms.loc[m.top_terms["topic"] == k, "term"]
        expected = np.mean([share[k, col[t]] for t in terms])
        assert m.topics.loc[k, "exclusivity"] == pytest.approx(expected)


# ---------------------------------------------------------- seeded topics
def test_seeded_topics_are_named_after_the_themes_and_hold_their_seed_terms(seeded_themed):
    m = seeded_themed
    assert m.topics["seeded_theme"].tolist() == ["reform", "conduct", "satisfaction", ""]
    assert m.topics["label"].tolist()[:3] == ["reform", "conduct", "satisfaction"]
    for k, theme in enumerate(["reform", "conduct", "satisfaction"]):
        top = m.top_terms.loc[m.top_terms["topic"] == k, "term"].tolist()
        seeds = {"_".join(t.lower().split()) for t in LEXICON[theme]}
        assert len(seeds & set(top[:5])) >= 2, (theme, top)
        assert top[0] in seeds, (theme, top)


def test_seed_terms_never_appear_under_another_topic(seeded_synth, seeded_themed):
    for m in (seeded_synth, seeded_themed):
        seed_theme = {}
        for theme, terms in LEXICON.items():
            for t in terms:
                seed_theme["_".join(t.lower().split())] = theme
        tt = m.top_terms.merge(m.topics[["topic", "seeded_theme"]], on="topic")
        seeds_listed = tt[tt["term"].isin(seed_theme)]
        assert len(seeds_listed) > 0
        assert (seeds_listed["term"].map(seed_theme) == seeds_listed["seeded_theme"]).all()
        assert (tt["is_seed"] == tt["term"].isin(seed_theme)).all()


def test_seeded_documents_load_on_their_theme(themed, seeded_themed):
    w = _weights(seeded_themed.doc_topics)
    for k, theme in enumerate(["reform", "conduct", "satisfaction"]):
        ids = themed.loc[themed["theme"] == theme, "doc_id"]
        assert (w.loc[ids].idxmax(axis=1) == k).all(), theme


def test_seeded_on_synthetic_news_ranks_frequent_seeds_first(seeded_synth):
    top = seeded_synth.top_terms
    for k, theme in enumerate(LEXICON):
        head = top.loc[(top["topic"] == k) & (top["rank"] <= 10), "is_seed"]
        assert head.any(), theme
    st_ = seeded_synth.seed_terms
    assert set(st_.columns) >= {"theme", "term", "token", "in_vocabulary", "doc_freq"}
    row = st_[st_["term"] == "quy tắc ứng xử"].iloc[0]
    assert row["token"] == "quy_tắc_ứng_xử" and row["in_vocabulary"] and row["doc_freq"] > 0


def test_seed_terms_match_case_insensitively_and_lexicon_can_be_a_table(themed):
    table = pd.DataFrame({"theme": ["satisfaction", "satisfaction", "reform"],
                          "term": ["sipas", "Hài Lòng", "một  cửa"]})
    m = fit_topics(themed, method="seeded", n_extra=1, analyzer=PhraseAnalyzer(), lexicon=table,
                   min_df=1)
    st_ = m.seed_terms.set_index("term")
    assert st_.loc["sipas", "token"] == "sipas" and st_.loc["Hài Lòng", "token"] == "hài_lòng"
    assert st_.loc["một  cửa", "token"] == "một_cửa"
    assert m.topics["seeded_theme"].tolist() == ["satisfaction", "reform", ""]


def test_theme_without_any_term_in_the_corpus_is_dropped_with_a_warning(themed):
    lex = dict(LEXICON, weather_alerts=["bão số chín"])
    with pytest.warns(CivictextWarning, match="weather_alerts.*none of its 1 terms"):
        m = fit_topics(themed, method="seeded", n_extra=1, analyzer=PhraseAnalyzer(), lexicon=lex,
                       min_df=1)
    assert "weather_alerts" not in m.topics["seeded_theme"].tolist()


def test_rare_seed_terms_survive_min_df(themed):
    arts = themed.drop(columns="theme")  # "liên" occurs in one document only
    assert "liên" not in fit_topics(arts, n_topics=2, analyzer=words, min_df=2).vocabulary
    m = fit_topics(arts, method="seeded", n_extra=1, analyzer=words, min_df=2,
                   lexicon={"reform": ["liên", "cải"]})
    assert "liên" in m.vocabulary
    assert m.seed_terms.set_index("term").loc["liên", "doc_freq"] == 1


# ------------------------------------------------------- reproducibility
@pytest.mark.parametrize("method", ["nmf", "lda", "seeded"])
def test_same_seed_gives_identical_tables(synth, method):
    kw = dict(method=method, n_topics=5, analyzer=PhraseAnalyzer(), lexicon=LEXICON,
              max_iter=ITERS[method])
    a = fit_topics(synth.head(60), random_state=3, **kw)
    b = fit_topics(synth.head(60), random_state=3, **kw)
    pd.testing.assert_frame_equal(a.doc_topics, b.doc_topics, check_exact=True)
    pd.testing.assert_frame_equal(a.top_terms, b.top_terms, check_exact=True)
    pd.testing.assert_frame_equal(a.topics, b.topics, check_exact=True)


def test_rows_fit_the_same_model_as_a_copy_of_those_rows(synth, monkeypatch):
    """``fit_topics(articles, rows=)`` (what ``civictext run`` uses for the
    near-duplicates' survivors) is the model of ``articles.iloc[rows]``, read a
    slice at a time (slices of 7 here, so several), without copying the texts."""
    from civictext.topics import model as topic_model

    monkeypatch.setattr(topic_model, "_CHUNK", 7)
    rows = np.array([50, 3, 4, 10, 11, 12, 30, *range(60, 90), 2])
    kw = dict(method="seeded", n_topics=5, analyzer=PhraseAnalyzer(), lexicon=LEXICON,
              max_iter=ITERS["seeded"], random_state=3)
    a = fit_topics(synth.iloc[rows].reset_index(drop=True), **kw)
    b = fit_topics(synth, rows=rows, **kw)
    assert b.doc_topics["doc_id"].drop_duplicates().tolist() == synth["doc_id"].iloc[rows].tolist()
    for name in ("doc_topics", "top_terms", "topics"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    np.testing.assert_array_equal(a.vocabulary, b.vocabulary)
    broken = synth.copy()
    broken.loc[[rows[1], 1], "text"] = None  # one kept row without text (row 1 is not kept)
    with pytest.warns(CivictextWarning, match="1 article"):
        fit_topics(broken, rows=rows, **kw)
    with pytest.raises(ModelError, match="rows has positions outside"):
        fit_topics(synth, rows=[0, len(synth)], **kw)
    dup = synth.copy()
    dup.loc[rows[2], "doc_id"] = dup.loc[rows[1], "doc_id"]
    with pytest.raises(ModelError, match="doc_id must be unique"):
        fit_topics(dup, rows=rows, **kw)


@pytest.mark.parametrize("method", ["nmf", "lda"])
def test_different_seeds_differ_but_stability_matches_their_topics(synth, method):
    kw = dict(method=method, n_topics=4, analyzer=PhraseAnalyzer(), max_iter=ITERS[method])
    arts = synth.head(40)
    a = fit_topics(arts, random_state=0, **kw)
    b = fit_topics(arts, random_state=1, **kw)
    assert not np.allclose(a.doc_topics["weight"], b.doc_topics["weight"])
    st_ = topic_stability(arts, seeds=(0, 1), **kw)
    assert list(st_.columns) == ["topic", "label", "seeded_theme", "similarity_mean",
                                 "similarity_min", "top_terms_jaccard", "n_runs"]
    assert st_["topic"].tolist() == [0, 1, 2, 3] and (st_["n_runs"] == 2).all()
    pairs = pd.DataFrame(st_.attrs["pairs"])
    assert sorted(pairs["matched_topic"]) == [0, 1, 2, 3]  # one-to-one
    # the matching is at least as good as pairing topics by their index
    cos = _cos(a.topic_term, b.topic_term)
    assert pairs["similarity"].sum() >= np.trace(cos) - 1e-9
    for t, c, sim in zip(pairs["topic"], pairs["matched_topic"], pairs["similarity"]):
        assert sim == pytest.approx(cos[t, c])
    assert st_["similarity_mean"].between(0, 1 + 1e-9).all()


def _cos(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return a @ b.T


def test_stability_recovers_a_permutation_of_the_same_topics(synth):
    import copy

    a = fit_topics(synth.head(60), method="nmf", n_topics=4, analyzer=PhraseAnalyzer())
    b = copy.deepcopy(a)
    perm = np.array([2, 0, 3, 1])
    b.estimator.components_ = a.estimator.components_[perm]
    b.top_terms = pd.concat([a.top_terms[a.top_terms["topic"] == old].assign(topic=new)
                             for new, old in enumerate(perm)], ignore_index=True)
    st_ = _stability_table([a, b], [0, 7])
    pairs = pd.DataFrame(st_.attrs["pairs"]).set_index("topic")
    assert [int(pairs.loc[old, "matched_topic"]) for old in range(4)] == [
        int(np.where(perm == old)[0][0]) for old in range(4)]
    np.testing.assert_allclose(st_["similarity_mean"], 1.0)
    np.testing.assert_allclose(st_["top_terms_jaccard"], 1.0)


def test_seeded_topics_keep_their_identity_across_seeds(themed):
    st_ = topic_stability(themed, seeds=(0, 1, 2), method="seeded", n_extra=1,
                          analyzer=PhraseAnalyzer(), lexicon=LEXICON, min_df=1)
    pairs = pd.DataFrame(st_.attrs["pairs"])
    named = pairs[pairs["topic"] < 3]
    assert (named["topic"] == named["matched_topic"]).all()
    assert (st_.loc[st_["seeded_theme"] != "", "similarity_min"] > 0.9).all()


def test_compare_n_topics_reports_each_k(synth):
    cmp = compare_n_topics(synth.head(50), ks=(2, 4), seeds=(0, 1), analyzer=PhraseAnalyzer(),
                           max_iter=80)
    assert list(cmp.columns) == ["n_topics", "n_topics_fitted", "coherence_npmi", "exclusivity",
                                 "stability_mean", "stability_min"]
    assert cmp["n_topics"].tolist() == [2, 4] and cmp["n_topics_fitted"].tolist() == [2, 4]
    assert cmp["stability_mean"].between(0, 1 + 1e-9).all()
    assert (cmp["stability_min"] <= cmp["stability_mean"] + 1e-12).all()
    m = fit_topics(synth.head(50), n_topics=4, analyzer=PhraseAnalyzer(), max_iter=80)
    assert cmp.loc[1, "coherence_npmi"] == pytest.approx(m.topics["coherence_npmi"].mean())


# --------------------------------------------------- transform, save, load
def test_transform_scores_new_articles_without_refitting(seeded_themed, themed):
    m = seeded_themed
    components = m.estimator.components_.copy()
    pd.testing.assert_frame_equal(m.transform(themed.drop(columns="theme")), m.doc_topics)
    new = _frame(["Phường công bố kết quả cải cách hành chính, giảm thủ tục hành chính.",
                  "Chỉ số hài lòng SIPAS của tỉnh tăng, niềm tin của người dân cao hơn.",
                  "xin chào"], prefix="new")
    out = m.transform(new)
    assert list(out.columns) == ["doc_id", "topic", "weight"] and len(out) == 3 * m.n_topics
    w = _weights(out)
    assert w.loc["new000"].idxmax() == 0 and w.loc["new001"].idxmax() == 2
    np.testing.assert_allclose(w.loc["new002"], 1 / m.n_topics)  # no known term
    assert out.attrs["empty_docs"] == ["new002"]
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    np.testing.assert_array_equal(m.estimator.components_, components)


def test_save_and_load_round_trip_gives_identical_transform(seeded_themed, tmp_path):
    folder = seeded_themed.save(tmp_path / "model")
    side = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    assert side["method"] == "seeded" and "scikit-learn" in side["versions"]
    assert len(side["sha256"]) == 64 and side["params"]["n_topics"] == 4
    assert side["analyzer"].endswith("PhraseAnalyzer") and side["model_file"] == "model.skops"
    with pytest.raises(ModelError, match="custom analyzer .*PhraseAnalyzer.*analyzer="):
        TopicModel.load(folder)
    loaded = TopicModel.load(folder, analyzer=PhraseAnalyzer())
    new = generate_corpus(6, random_state=5)
    pd.testing.assert_frame_equal(loaded.transform(new), seeded_themed.transform(new),
                                  check_exact=True)
    for name in ("doc_topics", "top_terms", "topics", "seed_terms"):
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(seeded_themed, name))
    assert loaded.params == seeded_themed.params


def test_load_refuses_a_changed_model_file(seeded_themed, tmp_path):
    folder = seeded_themed.save(tmp_path / "m")
    with open(folder / "model.skops", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelError, match="does not match the checksum"):
        TopicModel.load(folder)


def test_load_warns_or_raises_on_a_version_mismatch(seeded_themed, tmp_path):
    folder = seeded_themed.save(tmp_path / "m")
    side = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    side["versions"]["scikit-learn"] = "0.0.1"
    (folder / "model.json").write_text(json.dumps(side), encoding="utf-8")
    with pytest.warns(CivictextWarning, match=r"scikit-learn 0\.0\.1 \(now .*refit"):
        TopicModel.load(folder, analyzer=PhraseAnalyzer())
    with pytest.raises(ModelError, match="scikit-learn 0.0.1"):
        TopicModel.load(folder, strict_versions=True, analyzer=PhraseAnalyzer())


def _rewrite_sidecar(folder, **changes):
    from civictext._io import sha256_file

    side = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    side.update(changes)
    target = Path(side["model_file"])
    target = target if target.is_absolute() else folder / target
    if target.is_file():
        side["sha256"] = sha256_file(target)  # a hostile sender rewrites both files
    (folder / "model.json").write_text(json.dumps(side), encoding="utf-8")


class _Payload:
    """Unpickling this writes a marker file: stands for code run on load."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "ran"))


def test_load_refuses_a_pickle_unless_trusted_and_runs_no_code(seeded_themed, tmp_path):
    import joblib

    folder = seeded_themed.save(tmp_path / "m")
    marker = tmp_path / "payload-ran"
    joblib.dump({"x": _Payload(marker)}, folder / "model.joblib")
    _rewrite_sidecar(folder, model_file="model.joblib", format_version=1)
    with pytest.raises(ModelError, match="pickle.*runs code.*trusted=True"):
        TopicModel.load(folder, analyzer=PhraseAnalyzer())
    assert not marker.exists()


def test_trusted_true_still_reads_an_old_pickled_model(seeded_themed, tmp_path):
    import joblib

    folder = tmp_path / "old"
    folder.mkdir()
    m = seeded_themed
    joblib.dump({"method": m.method, "params": m.params, "vectorizer": m.vectorizer,
                 "estimator": m.estimator, "column_weights": m.column_weights,
                 "doc_topics": m.doc_topics, "top_terms": m.top_terms, "topics": m.topics,
                 "seed_terms": m.seed_terms}, folder / "model.joblib")
    (folder / "model.json").write_text(json.dumps(
        {"format": "civictext-topic-model", "format_version": 1, "model_file": "model.joblib",
         "sha256": "", "versions": {}}), encoding="utf-8")
    _rewrite_sidecar(folder, civictext=__import__("civictext").__version__,
                     versions={"scikit-learn": __import__("sklearn").__version__})
    loaded = TopicModel.load(folder, trusted=True)
    new = generate_corpus(4, random_state=2)
    pd.testing.assert_frame_equal(loaded.transform(new), m.transform(new))
    loaded.save(folder)  # converting it: skops file, no pickle left behind
    assert (folder / "model.skops").is_file() and not (folder / "model.joblib").exists()
    TopicModel.load(folder, analyzer=PhraseAnalyzer())


def test_load_refuses_untrusted_types_in_a_skops_file(seeded_themed, tmp_path):
    import skops.io as sio

    folder = seeded_themed.save(tmp_path / "m")
    sio.dump({"format": "civictext-topic-model", "payload": PhraseAnalyzer()},
             folder / "model.skops")
    _rewrite_sidecar(folder)
    with pytest.raises(ModelError, match="not trusted: .*PhraseAnalyzer.*not loaded"):
        TopicModel.load(folder, analyzer=PhraseAnalyzer())


@pytest.mark.parametrize("name", ["ABSOLUTE", "../outside/model.skops", "link.skops"])
def test_load_refuses_a_model_file_outside_the_folder(seeded_themed, tmp_path, name):
    folder = seeded_themed.save(tmp_path / "m")
    outside = tmp_path / "outside"
    outside.mkdir()
    (folder / "model.skops").rename(outside / "model.skops")
    if name == "ABSOLUTE":
        name = str(outside / "model.skops")
    if name == "link.skops":
        (folder / name).symlink_to(outside / "model.skops")
    _rewrite_sidecar(folder, model_file=name)
    with pytest.raises(ModelError, match="outside the model folder"):
        TopicModel.load(folder, analyzer=PhraseAnalyzer())


def test_a_civictext_analyzer_is_stored_by_its_settings(tmp_path):
    from civictext.text.segmentation import Analyzer
    from civictext.topics.model import _analyzer_from_state, _analyzer_state

    a = Analyzer(compounds=["cải cách hành chính"], pos=("N", "V"), fold=True)
    back = _analyzer_from_state(_analyzer_state(a))
    assert type(back) is Analyzer and back.__dict__ == a.__dict__
    assert isinstance(back.stopwords, frozenset) and back.pos == ("N", "V")


def test_load_names_a_folder_without_a_model(tmp_path):
    with pytest.raises(ModelError, match="no model.json in .*TopicModel.save"):
        TopicModel.load(tmp_path)


# ---------------------------------------------------------------- NPMI
def test_npmi_on_a_hand_computed_case():
    docs = [{"a", "b"}, {"a", "b"}, {"a"}, {"c"}]
    # p(a)=3/4, p(b)=1/2, p(a,b)=1/2: log((1/2)/(3/8)) / -log(1/2) = log(4/3) / log(2)
    ab = math.log(4 / 3) / math.log(2)
    assert npmi_coherence(["a", "b"], docs) == pytest.approx(ab)
    assert npmi_coherence(["a", "c"], docs) == pytest.approx(-1.0)  # never together
    assert npmi_coherence(["a", "b", "c"], docs) == pytest.approx((ab - 1 - 1) / 3)
    assert npmi_coherence(["a", "b", "zzz"], docs) == pytest.approx(ab)  # absent term left out
    assert npmi_coherence(["x", "y"], [{"x", "y"}] * 3) == pytest.approx(1.0)
    assert math.isnan(npmi_coherence(["a"], docs))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sets(st.sampled_from("abcdef"), max_size=6), min_size=1, max_size=12),
       st.permutations(list("abcd")))
def test_npmi_is_bounded_and_ignores_term_order(docs, terms):
    v = npmi_coherence(terms, docs)
    assert math.isnan(v) or -1 - 1e-12 <= v <= 1 + 1e-12
    w = npmi_coherence(sorted(terms), docs)
    assert (math.isnan(v) and math.isnan(w)) or v == pytest.approx(w)


def test_model_coherence_is_npmi_of_top_terms_in_the_fitting_corpus(synth):
    arts = synth.head(50)
    m = fit_topics(arts, n_topics=3, analyzer=PhraseAnalyzer(), max_iter=80)
    docs = [set(PhraseAnalyzer()(t)) for t in arts["text"]]
    for k in range(3):
        terms = m.top_terms.loc[m.top_terms["topic"] == k, "term"].tolist()
        assert m.topics.loc[k, "coherence_npmi"] == pytest.approx(npmi_coherence(terms, docs))
    ref = synth.tail(40)
    via_ref = fit_topics(arts, n_topics=3, analyzer=PhraseAnalyzer(), max_iter=80, reference=ref)
    np.testing.assert_allclose(via_ref.topics["coherence_npmi"], m.coherence(ref))


def _old_document_frequency(counts):
    return np.asarray((counts > 0).sum(axis=0)).ravel()


def test_document_frequency_from_the_indices_is_the_comparisons_on_tricky_matrices(monkeypatch):
    """The topic fit's document frequencies (``_document_frequency``) are those of
    ``(counts > 0).sum(axis=0)``, the old formula, also for matrices on which a bare
    ``np.bincount(counts.indices)`` would be wrong: a (row, column) stored twice, a
    stored zero, a negative entry, unsorted indices, empty last columns; and the
    CountVectorizer output the fit gets is counted without the comparison."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer

    from civictext.topics.model import _document_frequency

    def coo(rows, cols, vals, shape):
        return sp.csr_matrix(sp.coo_matrix((vals, (rows, cols)), shape=shape))

    # built from raw arrays: scipy keeps repeated and unsorted indices as given
    dup = sp.csr_matrix((np.array([1, 2, 3, 1]), np.array([2, 2, 0, 1]), np.array([0, 3, 4])),
                        shape=(2, 6))
    assert not dup.has_canonical_format
    zero = sp.csr_matrix((np.array([0, 4, 5]), np.array([1, 1, 3]), np.array([0, 1, 3])),
                         shape=(2, 5))
    cancel = sp.csr_matrix((np.array([2, -2, 1]), np.array([0, 0, 1]), np.array([0, 2, 3])),
                           shape=(2, 3))  # a pair summing to a stored 0 after sum_duplicates
    cases = [dup, zero, cancel, coo([0, 1], [1, 1], [-1, 3], (2, 4)),
             coo([0, 0, 1], [3, 1, 3], [1, 1, 1], (3, 7)), sp.csr_matrix((4, 3), dtype=np.int64)]
    for m in cases:
        before = m.toarray()
        want = _old_document_frequency(m)
        got = _document_frequency(m)
        assert got.dtype == want.dtype == np.int64
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(m.toarray(), before)  # the same matrix afterwards
    rng = np.random.default_rng(3)
    docs = [[f"t{j}" for j in rng.integers(0, 40, rng.integers(0, 30))] for _ in range(200)]
    counts = CountVectorizer(analyzer=lambda d: d, lowercase=False).fit_transform(docs)
    want = _old_document_frequency(counts)

    def no_comparison(self, other):
        raise AssertionError("the boolean copy was made")

    monkeypatch.setattr(sp.csr_matrix, "__gt__", no_comparison)
    np.testing.assert_array_equal(_document_frequency(counts), want)


def test_coherences_from_one_matrix_are_each_lists_own_and_read_the_documents_once(synth):
    """The coherence pass: one binary matrix for every topic (of only the columns
    the topics use) gives each topic the NPMI the whole matrix gave it (the fit's
    own corpus) and the NPMI of a matrix of its terms alone, as npmi_coherence
    built once per topic (a reference corpus, now read once: a one-shot iterator
    works)."""
    from civictext.topics.model import _coherences, _design_coherences, _npmi_mean, _prepare

    design = _prepare(synth.head(60), method="nmf", analyzer=PhraseAnalyzer(), lexicon=None,
                      min_df=2, max_df=0.95, seed_weight=5.0, where="test")
    vocab = list(design.vocab)
    lists = [vocab[:6], vocab[3:9], [vocab[-1], vocab[0]], [vocab[5]], vocab[10:20:2]]
    # the old pass: the whole design as a binary CSC matrix
    whole = (design.X > 0).astype(np.float64).tocsc()
    col_of = {t: i for i, t in enumerate(vocab)}
    want = [_npmi_mean(whole, [col_of[t] for t in terms]) for terms in lists]
    got = _design_coherences(design, lists)
    np.testing.assert_array_equal(np.array(got), np.array(want))  # NaN for the 1-term list
    # a stored zero in X is not a term of its document, as with (X > 0)
    X = design.X.copy()
    X.data[np.flatnonzero(X.indices == col_of[vocab[4]])[:3]] = 0.0
    design.X = X
    whole = (X > 0).astype(np.float64).tocsc()
    want = [_npmi_mean(whole, [col_of[t] for t in terms]) for terms in lists]
    np.testing.assert_array_equal(np.array(_design_coherences(design, lists)), np.array(want))

    docs = [set(PhraseAnalyzer()(t)) for t in synth["text"].tail(40)]
    lists2 = [*lists, ["zzz", vocab[1], vocab[1], vocab[2]]]  # an absent term, a repeat
    one_shot = iter([list(d) for d in docs])
    got = _coherences(lists2, one_shot)
    want = [_old_npmi_coherence(terms, docs) for terms in lists2]
    np.testing.assert_array_equal(np.array(got), np.array(want))
    np.testing.assert_array_equal([npmi_coherence(terms, docs) for terms in lists2], got)
    with pytest.raises(ModelError, match="npmi_coherence: got no documents"):
        _coherences(lists2, [])


def _old_npmi_coherence(terms, documents):
    """npmi_coherence as it was: its own matrix of one list's terms."""
    import scipy.sparse as sp

    from civictext.topics.model import _npmi_mean

    terms = list(dict.fromkeys(terms))
    col_of = {t: i for i, t in enumerate(terms)}
    rows, cols = [], []
    n_docs = 0
    for i, doc in enumerate(documents):
        n_docs += 1
        for t in set(doc):
            if t in col_of:
                rows.append(i)
                cols.append(col_of[t])
    B = sp.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_docs, len(terms)))
    return _npmi_mean(B, list(range(len(terms))))


# ------------------------------------------------------- tiny corpora, errors
def test_tiny_corpus_lowers_n_topics_and_min_df_with_a_warning(themed):
    tiny = themed.head(4)
    with pytest.warns(CivictextWarning, match="n_topics=10 is more than the corpus supports"):
        m = fit_topics(tiny, n_topics=10, analyzer=words, min_df=1)
    assert m.n_topics == 4 and m.params["n_topics"] == 4
    assert any("n_topics=10" in a for a in m.params["adjustments"])
    with pytest.warns(CivictextWarning, match="min_df=50 is more than the 4 documents"):
        m = fit_topics(tiny, n_topics=2, analyzer=words, min_df=50)
    assert m.params["min_df"] == 1


@pytest.mark.parametrize("kwargs,articles,match", [
    ({"method": "bert"}, None, "method='bert' is not one of nmf, lda, seeded"),
    ({}, pd.DataFrame({"doc_id": ["a", "b"]}), "no column 'text'"),
    ({}, ["một", "hai"], "must be a DataFrame"),
    ({}, pd.DataFrame({"doc_id": ["a", "a"], "text": ["x y", "y z"]}), "doc_id must be unique"),
    ({}, pd.DataFrame({"doc_id": ["a"], "text": ["cải cách"]}), "at least 2 documents"),
    ({}, pd.DataFrame({"doc_id": ["a", "b"], "text": ["", "  "]}), "produced no tokens"),
    ({"min_df": 1.0, "max_df": 1.0}, None,
     r"no terms remain after min_df=1.0 and max_df=1.0 .*lower min_df or raise max_df"),
    ({"min_df": 0}, None, "min_df must be a whole number"),
    ({"min_df": 5, "max_df": 3}, None, "lower min_df or raise max_df"),
    ({"n_topics": 0}, None, "n_topics must be a whole number >= 1"),
    ({"method": "seeded", "lexicon": {"x": ["không có đâu"]}}, None,
     "none of the 1 lexicon terms occurs among the analyzer's tokens"),
    ({"method": "seeded", "lexicon": LEXICON, "n_topics": 2}, None,
     "n_topics=2 is smaller than the 3 seeded themes"),
    ({"method": "seeded", "lexicon": LEXICON, "seed_weight": 0.5}, None, "seed_weight must be"),
    ({"method": "seeded", "lexicon": 42}, None, "lexicon must be a Lexicon"),
])
@pytest.mark.filterwarnings("ignore::civictext.errors.CivictextWarning")
def test_errors_name_the_parameter_and_what_to_do(themed, kwargs, articles, match):
    arts = themed.drop(columns="theme") if articles is None else articles
    with pytest.raises(ModelError, match=match):
        fit_topics(arts, **{"analyzer": PhraseAnalyzer(), **kwargs})


def test_stability_needs_two_seeds(themed):
    with pytest.raises(ModelError, match="at least 2 different random states"):
        topic_stability(themed, seeds=(0,), analyzer=words)


# ------------------------------------------------------------------- CLI
def test_cli_topics_writes_tables_and_a_loadable_model(themed, tmp_path, monkeypatch):
    from civictext import cli

    fake_corpus = types.ModuleType("civictext.ingest.reader")
    fake_corpus.read_corpus = lambda path, **kw: themed.drop(columns="theme")
    fake_tok = types.ModuleType("civictext.text.segmentation")
    fake_tok.Analyzer = PhraseAnalyzer
    fake_lex = types.ModuleType("civictext.themes.lexicon")
    fake_lex.load_lexicons = lambda paths=None: LEXICON
    for name, mod in [("civictext.ingest.reader", fake_corpus), ("civictext.text.segmentation", fake_tok),
                      ("civictext.themes.lexicon", fake_lex)]:
        monkeypatch.setitem(sys.modules, name, mod)
    out = tmp_path / "out"
    rc = cli.main(["topics", "corpus/", "--out", str(out), "--n-topics", "4", "--min-df", "1",
                   "--stability", "2", "-q"])
    assert rc == 0
    topics = pd.read_csv(out / "topics.csv", keep_default_na=False)
    assert topics["seeded_theme"].tolist() == ["reform", "conduct", "satisfaction", ""]
    assert len(pd.read_csv(out / "doc_topics.csv")) == len(themed) * 4
    assert {"theme", "term", "in_vocabulary"} <= set(pd.read_csv(out / "seed_terms.csv").columns)
    assert len(pd.read_csv(out / "stability.csv")) == 4
    model = TopicModel.load(out / "model", analyzer=PhraseAnalyzer())
    assert model.n_topics == 4
    rc = cli.main(["topics", "corpus/", "--out", str(tmp_path / "bad"), "--method", "nmf",
                   "--min-df", "0.0", "-q"])
    assert rc == 2


# --------------------------------------------------- the bundled corpus
def test_bundled_corpus_fits_with_the_default_analyzer_and_lexicon(corpus_dir):
    corpus = pytest.importorskip("civictext.ingest.reader")
    pytest.importorskip("civictext.text.segmentation")
    pytest.importorskip("civictext.themes.lexicon")
    articles = corpus.read_corpus(corpus_dir)
    m = fit_topics(articles, method="seeded", n_topics=6)
    assert set(m.topics["seeded_theme"]) - {""}  # at least one theme found its terms
    np.testing.assert_allclose(m.doc_topics.groupby("doc_id")["weight"].sum(), 1.0)
    assert len(m.doc_topics) == len(articles) * m.n_topics


# ----------------------------------------------------------- real news
@pytest.mark.realdata
@pytest.mark.slow
def test_seeded_topics_on_real_news_load_on_articles_that_mention_their_terms(shared_corpora):
    import gzip

    from civictext.text.normalize import normalize_text

    path = shared_corpora / "vnds-test" / "articles.seg.jsonl.gz"
    if not path.is_file():
        pytest.skip(f"{path} not available")
    lex = {"reform": ["cải cách hành chính", "thủ tục hành chính", "một cửa"],
           "conduct": ["quy tắc ứng xử", "văn hóa công sở", "nơi công cộng", "kỷ cương"],
           "satisfaction": ["hài lòng", "niềm tin", "phản ánh kiến nghị"]}
    civic, other = [], []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            text = normalize_text(rec["text_segmented"].replace("_", " "))
            low = text.lower()
            hit = {th for th, terms in lex.items() if any(t in low for t in terms)}
            if hit and len(civic) < 40:
                civic.append((str(rec["id"]), text, hit))
            elif not hit and len(other) < 40:
                other.append((str(rec["id"]), text, hit))
            if len(civic) == 40 and len(other) == 40:
                break
    rows = civic + other
    arts = pd.DataFrame({"doc_id": [r[0] for r in rows], "text": [r[1] for r in rows]})
    analyzer = PhraseAnalyzer(tuple(t for ts in lex.values() for t in ts))
    m = fit_topics(arts, method="seeded", n_topics=8, analyzer=analyzer, lexicon=lex,
                   min_df=3, max_df=0.5, max_iter=100)
    w = _weights(m.doc_topics).loc[arts["doc_id"]]
    none = np.array([not r[2] for r in rows])
    for k, theme in enumerate(m.topics["seeded_theme"][:len(m.params["themes"])]):
        has = np.array([theme in r[2] for r in rows])
        if has.sum() >= 5:
            assert w.loc[has, k].mean() > 3 * w.loc[none, k].mean(), theme


def test_repr_is_short(seeded_themed):
    assert repr(seeded_themed) == ("TopicModel(method='seeded', n_topics=4, n_docs=19, "
                                   f"n_terms={len(seeded_themed.vocabulary)}, "
                                   "named=['reform', 'conduct', 'satisfaction'])")


# ------------------------------------------------- default analyzer: token cache
class _PerTextAnalyzer:
    """civictext's Analyzer called one text at a time (the path without the cache)."""

    def __init__(self):
        from civictext.text.segmentation import Analyzer

        self.inner = Analyzer()

    def __call__(self, text: str) -> list[str]:
        return self.inner(text)


def test_seeded_fit_reuses_count_tokens_cache(monkeypatch):
    """score_themes -> fit_topics (as in run_all) segments each document once."""
    import civictext.text.segmentation as tk

    arts = generate_corpus(40, random_state=3)
    uncached = fit_topics(arts, method="seeded", random_state=0, analyzer=_PerTextAnalyzer())
    tk.count_tokens(arts)  # what score_themes does first
    calls = count_segmenter_calls(monkeypatch)
    cached = fit_topics(arts, method="seeded", random_state=0)
    assert calls[0] == 0
    pd.testing.assert_frame_equal(cached.doc_topics, uncached.doc_topics)
    pd.testing.assert_frame_equal(cached.top_terms, uncached.top_terms)
    # new articles still go through the analyzer itself
    new = generate_corpus(3, random_state=11)
    monkeypatch.undo()
    pd.testing.assert_frame_equal(cached.transform(new), uncached.transform(new))


def test_transform_and_coherence_read_the_cache_and_given_segmentation(monkeypatch):
    """transform and coherence see the tokens fit saw: cached documents are not
    segmented again, and pre-segmented rows keep their own words."""
    import civictext.text.segmentation as tk

    arts = generate_corpus(40, random_state=3)
    tk.count_tokens(arts)
    model = fit_topics(arts, method="seeded", random_state=0)
    calls = count_segmenter_calls(monkeypatch)
    again = model.transform(arts)
    coherence = model.coherence(arts)
    assert calls[0] == 0
    pd.testing.assert_frame_equal(again, model.doc_topics, check_exact=False, atol=1e-9)
    assert coherence.notna().all()
    # a pre-segmented row: its '_'-joined words, never the segmenter
    seg = pd.DataFrame({"doc_id": ["s"], "text": ["Người dân hài lòng với thủ tục hành chính"],
                        "segmented": [True],
                        "tokens_given": ["Người_dân hài_lòng với thủ_tục_hành_chính"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no solver warning for a document without known terms
        got = model.transform(seg)
    assert calls[0] == 0
    assert got["weight"].tolist() == pytest.approx([1 / model.n_topics] * model.n_topics)


# ------------------------------------------------ the faster KL step (issue 17)
@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 40), st.integers(1, 60), st.integers(1, 9),
       st.floats(0.01, 0.9))
def test_sparse_dot_is_bit_for_bit_scikit_learns(seed, n, m, k, density):
    import scipy.sparse as sp
    from sklearn.decomposition import _nmf

    from civictext.topics.model import _SparseDot

    rng = np.random.default_rng(seed)
    X = sp.random(n, m, density=density, format="csr", random_state=seed)
    X = sp.csr_matrix(X @ sp.diags(rng.uniform(1, 5, m)))  # as the seeded fit weights it
    W, H = rng.random((n, k)), rng.random((k, m))
    W[rng.random(n) < 0.2] = 0.0  # zero rows give stored zeros in the result
    fast, ref = _SparseDot(_nmf._special_sparse_dot)(W, H, X), _nmf._special_sparse_dot(W, H, X)
    assert type(fast) is type(ref)
    for attr in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(fast, attr), getattr(ref, attr))
    assert fast.data.tobytes() == ref.data.tobytes()


def test_seeded_fit_is_the_same_with_scikit_learns_step(monkeypatch, synth):
    """A whole seeded fit on the sparse path (fit and transform) gives the same
    tables with scikit-learn's own step as with the faster one."""
    import contextlib

    from civictext.topics import model as tp

    monkeypatch.setattr(tp, "_DENSE_CELLS", 0)  # the corpus is small: force the sparse path
    calls = []
    real = tp._SparseDot.__call__

    def counting(self, W, H, X):
        calls.append(1)
        return real(self, W, H, X)

    monkeypatch.setattr(tp._SparseDot, "__call__", counting)

    def fit():
        return fit_topics(synth, method="seeded", n_topics=6, analyzer=PhraseAnalyzer(),
                          lexicon=LEXICON, random_state=0, max_iter=60)

    fast = fit()
    assert calls  # the faster step ran
    monkeypatch.setattr(tp, "_fast_kl_steps", contextlib.nullcontext)
    plain = fit()
    for name in ("doc_topics", "top_terms", "topics"):
        pd.testing.assert_frame_equal(getattr(fast, name), getattr(plain, name), check_exact=True)


_SAVE_IN_A_PROCESS = """
import sys
from civictext.ingest.synthetic import generate_corpus
from civictext.topics.model import fit_topics
model = fit_topics(generate_corpus(40, random_state=1), method="nmf", n_topics=3,
                   random_state=0)
model.save(sys.argv[1] + "/a")
model.save(sys.argv[1] + "/b")
"""


def test_saved_model_files_are_the_same_bytes_in_every_save_and_process(tmp_path, seeded_themed):
    """The same fit saved twice, and fitted again in another process with another
    string-hash seed, gives byte-identical model.skops and model.json (skops named
    arrays by memory address and stamped the time), and still loads."""
    import os
    import subprocess

    for k, seed in enumerate(("1", "2")):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", _SAVE_IN_A_PROCESS, str(tmp_path / f"p{k}")],
                       check=True, env=env, capture_output=True)
    for name in ("model.skops", "model.json"):
        got = {(tmp_path / p / s / name).read_bytes() for p in ("p0", "p1") for s in "ab"}
        assert len(got) == 1, name
    loaded = TopicModel.load(tmp_path / "p0" / "a")
    assert loaded.n_topics == 3
    seeded_themed.save(tmp_path / "s1")
    seeded_themed.save(tmp_path / "s2")
    assert ((tmp_path / "s1" / "model.skops").read_bytes()
            == (tmp_path / "s2" / "model.skops").read_bytes())


@pytest.mark.parametrize("method", ["seeded", "lda"])
def test_tokens_counted_a_slice_at_a_time_give_the_same_model(monkeypatch, method):
    # the document-term matrix is built from slices of documents; where the slices
    # end must not change the vocabulary, the matrix or any table
    import civictext.topics.model as tm

    docs = generate_corpus(60, random_state=3)
    kw = dict(method=method, n_topics=4, analyzer=words, random_state=0, max_iter=30,
              lexicon={"conduct": ["ứng", "xử"], "satisfaction": ["hài", "lòng"]})
    whole = fit_topics(docs, **kw)
    monkeypatch.setattr(tm, "_CHUNK", 7)
    sliced = fit_topics(docs, **kw)
    assert list(sliced.vocabulary) == list(whole.vocabulary)
    for name in ("doc_topics", "top_terms", "topics"):
        pd.testing.assert_frame_equal(getattr(sliced, name), getattr(whole, name))
    np.testing.assert_array_equal(sliced.estimator.components_, whole.estimator.components_)


# ------------------------------------------- format 3: the vocabulary as arrays
def _v2_folder(tmp_path):
    import gzip
    import shutil

    src = Path(__file__).parent / "data" / "topic_model_v2"
    folder = tmp_path / "v2"
    folder.mkdir()
    shutil.copyfile(src / "model.json", folder / "model.json")
    (folder / "model.skops").write_bytes(gzip.decompress((src / "model.skops.gz").read_bytes()))
    return folder


def _load_quietly(folder, **kw):
    with warnings.catch_warnings():  # saved by another civictext version: a warning
        warnings.simplefilter("ignore", CivictextWarning)
        return TopicModel.load(folder, **kw)


def _same_model(a, b):
    va, vb = a.vectorizer, b.vectorizer
    assert va.vocabulary == vb.vocabulary and type(vb.vocabulary) is list
    assert list(va.vocabulary_.items()) == list(vb.vocabulary_.items())
    assert {type(k) for k in vb.vocabulary_} == {str}
    assert {type(v) for v in vb.vocabulary_.values()} == {int}
    np.testing.assert_array_equal(va.idf_, vb.idf_)
    np.testing.assert_array_equal(a.estimator.components_, b.estimator.components_)
    np.testing.assert_array_equal(a.column_weights, b.column_weights)
    assert a.params == b.params and a.method == b.method
    for name in ("doc_topics", "top_terms", "topics", "seed_terms"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_a_format_2_model_folder_still_loads_and_saves_as_format_3(tmp_path):
    """A folder saved before the vocabulary was stored as arrays (format 2, by
    main@e67710b) loads; saved again it is format 3, loads to the same model and
    scores new articles the same."""
    import zipfile

    old = _load_quietly(_v2_folder(tmp_path))
    assert old.vocabulary.shape == (250,) and old.n_topics == 4
    folder = old.save(tmp_path / "v3")
    assert json.loads((folder / "model.json").read_text(encoding="utf-8"))["format_version"] == 3
    new = TopicModel.load(folder)
    _same_model(old, new)
    arts = generate_corpus(5, random_state=9)
    pd.testing.assert_frame_equal(new.transform(arts), old.transform(arts), check_exact=True)
    v2_schema = zipfile.ZipFile(tmp_path / "v2" / "model.skops").read("schema.json")
    v3_schema = zipfile.ZipFile(folder / "model.skops").read("schema.json")
    assert len(v3_schema) < len(v2_schema) / 2


def test_format_3_stores_the_vocabulary_as_arrays_not_schema_entries(seeded_themed, tmp_path):
    """No term is a schema entry any more (skops wrote one per term, twice: the
    news feed's schema.json was 95 MB, held as a Python tree while saving); the
    file holds only trusted types (no pickle) and the saved model is unchanged."""
    import zipfile

    import skops.io as sio

    folder = seeded_themed.save(tmp_path / "m")
    schema = zipfile.ZipFile(folder / "model.skops").read("schema.json").decode("utf-8")
    terms = [t for t in seeded_themed.vocabulary if len(t) > 3]
    assert terms and not [t for t in terms if json.dumps(t)[1:-1] in schema]
    assert sio.get_untrusted_types(file=folder / "model.skops") == []
    assert seeded_themed.vectorizer.vocabulary_  # the model saved keeps its own
    _same_model(seeded_themed, TopicModel.load(folder, analyzer=PhraseAnalyzer()))


def test_a_vocabulary_that_does_not_fit_its_arrays_is_refused(seeded_themed, tmp_path):
    from civictext import _safeload
    from civictext.topics import model as M

    folder = seeded_themed.save(tmp_path / "m")
    state = _safeload.load(folder / "model.skops", where="test")
    state["vocabulary"]["ends"] = state["vocabulary"]["ends"][:-1]  # bytes left over
    _safeload.dump(state, folder / "model.skops")
    _rewrite_sidecar(folder)
    with pytest.raises(ModelError, match="stored vocabulary is not two arrays"):
        TopicModel.load(folder, analyzer=PhraseAnalyzer())
    state["vocabulary"] = {"utf8": np.frombuffer(b"\xff\xfe", dtype=np.uint8).copy(),
                           "ends": np.array([2], dtype=np.int64)}
    _safeload.dump(state, folder / "model.skops")
    _rewrite_sidecar(folder)
    with pytest.raises(ModelError, match="not UTF-8"):
        TopicModel.load(folder, analyzer=PhraseAnalyzer())
    assert M._vocabulary_state(types.SimpleNamespace(vocabulary=["a", "b"],
                                                     vocabulary_={"b": 0, "a": 1})) is None
