"""The supervised theme model: fitting, files (skops, refusals), score_themes(model=),
next_to_code, grouped cross-validation and the CLI. Fixtures are the bundled
labelled paragraphs (written for civictext)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import civictext as ct
from civictext.errors import CivictextError, ModelError
from civictext.themes.model import (
    CV_COLUMNS,
    MIN_POSITIVES,
    coded_long,
    cross_validate_measures,
    fit_theme_model,
    load_theme_model,
    next_to_code,
)
from civictext.themes.validation import load_labelled_set

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def lab() -> pd.DataFrame:
    return load_labelled_set()


@pytest.fixture(scope="module")
def model(lab):
    return fit_theme_model(lab, lab, random_state=0)


def test_fit_and_predict_columns(lab, model):
    pr = model.predict_proba(lab)
    assert list(pr.columns) == ["doc_id", "theme", "p_model", "present_model"]
    assert len(pr) == 3 * len(lab)
    assert pr["p_model"].between(0, 1).all()
    # in-sample the model separates what it was fitted on (a regression check, not a result)
    wide = pr.pivot(index="doc_id", columns="theme", values="present_model")
    for t in ("reform", "conduct"):
        truth = lab.set_index("doc_id")[t].astype(bool)
        assert (wide[t].reindex(truth.index) == truth).mean() >= 0.9


def test_same_seed_same_model(lab, model):
    again = fit_theme_model(lab, lab, random_state=0)
    assert again.thresholds == model.thresholds
    np.testing.assert_allclose(again.predict_proba(lab)["p_model"],
                               model.predict_proba(lab)["p_model"])


def test_save_load_roundtrip(tmp_path, lab, model):
    model.save(tmp_path / "m")
    assert {p.name for p in (tmp_path / "m").iterdir()} == {
        "model.skops", "model.json", "vocabulary.json", "MODEL_CARD.md", "model_arrays.npz"}
    back = load_theme_model(tmp_path / "m")
    np.testing.assert_array_equal(back.predict_proba(lab)["p_model"],
                                  model.predict_proba(lab)["p_model"])
    assert back.thresholds == model.thresholds
    card = (tmp_path / "m" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "Intended use" in card and "Limits" in card


def test_load_refuses_tampered_and_foreign_files(tmp_path, model):
    import skops.io as sio
    from sklearn.preprocessing import FunctionTransformer

    folder = model.save(tmp_path / "m")
    # 1. a changed model file no longer matches its checksum
    blob = (folder / "model.skops").read_bytes()
    (folder / "model.skops").write_bytes(blob + b"x")
    with pytest.raises(ModelError, match="checksum"):
        load_theme_model(folder)
    (folder / "model.skops").write_bytes(blob)
    vocab = (folder / "vocabulary.json").read_text(encoding="utf-8")
    (folder / "vocabulary.json").write_text(vocab.replace('"', "'", 2), encoding="utf-8")
    with pytest.raises(ModelError, match="vocabulary.json does not match"):
        load_theme_model(folder)
    # 2. a file whose checksum was rewritten too, holding a type that could run code
    # (model_arrays.npz still mirrors the model.skops that was there: it is not used)
    assert (folder / "model_arrays.npz").is_file()
    evil = sio.dumps({"vectorizer": FunctionTransformer(func=print), "classifiers": {}})
    (folder / "model.skops").write_bytes(evil)
    meta = json.loads((folder / "model.json").read_text())
    import hashlib

    meta["model_sha256"] = hashlib.sha256(evil).hexdigest()
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="refusing to load"):
        load_theme_model(folder)
    # 3. not a model folder at all, or another program's JSON
    with pytest.raises(ModelError, match="not a theme-model folder"):
        load_theme_model(tmp_path)
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "model.json").write_text('{"format": "something-else"}')
    (tmp_path / "x" / "model.skops").write_bytes(b"PK")
    with pytest.raises(ModelError, match="not a civictext theme model"):
        load_theme_model(tmp_path / "x")


def _states_equal(a, b) -> bool:
    sa, sb = a.__getstate__(), b.__getstate__()
    if list(sa) != list(sb):
        return False
    return all(type(sa[k]) is type(sb[k]) and (
        sa[k].dtype == sb[k].dtype and sa[k].tobytes() == sb[k].tobytes()
        if isinstance(sa[k], np.ndarray) else sa[k] == sb[k]) for k in sa)


def test_the_arrays_file_gives_the_skops_model_without_skops(tmp_path, lab, model,
                                                             monkeypatch):
    """load_theme_model builds the classifiers from model_arrays.npz (no skops import):
    the same attributes, bit for bit, and the same p_model as reading model.skops."""
    from civictext.themes import model as tm

    folder = model.save(tmp_path / "m")
    slow = tm._load_theme_model(folder, arrays=False)

    def no_skops(*a, **k):
        raise AssertionError("model.skops was read")

    monkeypatch.setattr(tm, "_skops_payload", no_skops)
    fast = load_theme_model(folder)
    assert fast.vectorizer.idf_.tobytes() == slow.vectorizer.idf_.tobytes()
    for t in model.themes:
        assert type(fast.classifiers[t]) is type(slow.classifiers[t])
        assert _states_equal(fast.classifiers[t], slow.classifiers[t]), t
    assert (fast.predict_proba(lab)["p_model"].map(float.hex).tolist()
            == slow.predict_proba(lab)["p_model"].map(float.hex).tolist())
    # the shipped model's arrays file mirrors its model.skops (else every load would
    # import skops): regenerate it with benchmarks/write_model_arrays.py
    shipped = json.loads((tm.DEFAULT_MODEL_DIR / "model.json").read_text(encoding="utf-8"))
    with np.load(tm.DEFAULT_MODEL_DIR / "model_arrays.npz", allow_pickle=False) as npz:
        mirrored = json.loads(npz["state_json"].item())["skops_sha256"]
    assert mirrored == shipped["model_sha256"]


def test_the_arrays_file_is_checked_and_never_unpickled(tmp_path, model):
    import hashlib
    import io

    from civictext.themes import model as tm

    folder = model.save(tmp_path / "m")
    data = (folder / "model_arrays.npz").read_bytes()
    (folder / "model_arrays.npz").write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    with pytest.raises(ModelError, match="model_arrays.npz does not match the checksum"):
        load_theme_model(folder)
    # an array of Python objects (a pickle) with a matching checksum: refused, not loaded
    buf = io.BytesIO()
    np.savez(buf, idf=np.array([print], dtype=object), state_json=np.array("{}"))
    meta = json.loads((folder / "model.json").read_text())
    meta["arrays_sha256"] = hashlib.sha256(buf.getvalue()).hexdigest()
    (folder / "model.json").write_text(json.dumps(meta))
    (folder / "model_arrays.npz").write_bytes(buf.getvalue())
    with pytest.raises(ModelError, match="not an array file"):
        load_theme_model(folder)
    # a folder without the file (saved before it existed) loads from model.skops
    (folder / "model_arrays.npz").unlink()
    assert tm.load_theme_model(folder).themes == model.themes


def test_coded_input_errors(lab):
    with pytest.raises(ModelError, match="no theme column"):
        fit_theme_model(lab, lab[["doc_id", "kind"]].rename(columns={"kind": "coder"}))
    bad = lab[["doc_id", "reform", "conduct", "satisfaction"]].astype(str).copy()
    bad.loc[3, "reform"] = "yes?"
    with pytest.raises(ModelError, match="use 1 or 0"):
        fit_theme_model(lab, bad)
    longf = coded_long(lab[["doc_id", "reform"]], ["reform"])
    with pytest.raises(ModelError, match="pi"):
        fit_theme_model(lab, longf.assign(pi=1.5))
    with pytest.raises(ModelError, match="not in the articles table"):
        fit_theme_model(lab, pd.concat([longf, pd.DataFrame(
            {"doc_id": ["nope"], "theme": ["reform"], "relevant": [1], "pi": [1.0]})]))
    with pytest.raises(ModelError, match="coded but not scored"):
        fit_theme_model(lab, longf.assign(theme="weather"))
    few = longf.copy()
    few["relevant"] = 0
    few.loc[few.index[:3], "relevant"] = 1
    with pytest.raises(ModelError, match=f"3 positive.*at least {MIN_POSITIVES}"):
        fit_theme_model(lab, few)
    assert issubclass(ModelError, CivictextError)


def test_score_themes_with_model(lab, model):
    n = pd.Series(20, index=lab["doc_id"])
    focus = ct.score_themes(lab, n_tokens=n, presence="focus")
    assert "p_model" not in focus.columns
    s = ct.score_themes(lab, n_tokens=n, model=model, presence="model")
    assert {"p_model", "present_model"} <= set(s.columns)
    assert (s["present"] == s["present_model"]).all()
    # focus-rule columns are unchanged by adding a model
    pd.testing.assert_frame_equal(s[focus.columns.drop("present")],
                                  focus[focus.columns.drop("present")])
    model.use_model = {"reform": True, "conduct": False, "satisfaction": False}
    try:
        a = ct.score_themes(lab, n_tokens=n, model=model, presence="auto")
    finally:
        model.use_model = {t: True for t in model.themes}
    ref = a["theme"] == "reform"
    assert (a.loc[ref, "present"] == a.loc[ref, "present_model"]).all()
    assert (a.loc[~ref, "present"] == focus.loc[~ref, "present"]).all()


def test_next_to_code_known_probabilities(tmp_path, lab, model):
    sheet = next_to_code(lab, model, 12, uncertain_share=0.5, random_state=3,
                         out=tmp_path / "sheet.csv")
    assert len(sheet) == 12 and sheet["doc_id"].is_unique
    assert set(sheet["stratum"]) == {"uncertain", "random"}
    np.testing.assert_allclose(sheet["pi"], sheet["n_sampled"] / sheet["stratum_size"])
    # within the uncertain pool, and random draws everywhere else: the pools cover the corpus
    u = sheet[sheet.stratum == "uncertain"].iloc[0]
    r = sheet[sheet.stratum == "random"].iloc[0]
    assert u["stratum_size"] + r["stratum_size"] == len(lab)
    again = next_to_code(lab, model, 12, uncertain_share=0.5, random_state=3)
    assert again["doc_id"].tolist() == sheet["doc_id"].tolist()
    coded = set(sheet["doc_id"])
    more = next_to_code(lab, model, 10, exclude=coded, random_state=3)
    assert not coded & set(more["doc_id"])
    written = pd.read_csv(tmp_path / "sheet.csv", dtype=str, keep_default_na=False)
    assert "stratum" not in written.columns and {"reform", "coder"} <= set(written.columns)
    key = pd.read_csv(tmp_path / "sheet.key.csv")
    assert {"stratum", "pi"} <= set(key.columns)
    with pytest.raises(CivictextError, match="at most"):
        next_to_code(lab, model, len(lab) + 1)


def test_cross_validate_measures_holds_out_groups(lab):
    coded = lab.assign(corpus=np.where(np.arange(len(lab)) % 2 == 0, "odd", "even"))
    table, pred = cross_validate_measures(lab, coded, n_boot=20, return_predictions=True)
    assert list(table.columns) == CV_COLUMNS
    assert set(table["measure"]) == {"model", "focus", "mention"}
    assert set(table["heldout"]) == {"odd", "even", "all"}
    # every coded (document, theme) is predicted exactly once, by a model that did not see it
    assert len(pred) == 3 * len(lab)
    assert not pred.duplicated(["doc_id", "theme"]).any()
    allrows = table[table.heldout == "all"].set_index(["measure", "theme"])
    assert (allrows["f1_lo"] <= allrows["f1_w"] + 1e-9).all()
    with pytest.raises(ModelError, match="no corpus column"):
        cross_validate_measures(lab, lab, n_boot=0)


def test_cli_train_model_and_score(tmp_path, lab):
    corpus = tmp_path / "corpus.csv"
    lab[["doc_id", "text"]].to_csv(corpus, index=False)
    coded = tmp_path / "coded.csv"
    lab[["doc_id", "reform", "conduct", "satisfaction"]].assign(pi=1.0).to_csv(coded, index=False)
    run = [sys.executable, "-m", "civictext"]
    r = subprocess.run(run + ["train-model", str(coded), "--corpus", str(corpus), "--out",
                              str(tmp_path / "m"), "--quiet"], capture_output=True, text=True,
                       cwd=ROOT)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(run + ["themes", str(corpus), "--out", str(tmp_path / "s.csv"),
                              "--presence", "model", "--model", str(tmp_path / "m"), "--quiet"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    s = pd.read_csv(tmp_path / "s.csv")
    assert {"p_model", "present_model"} <= set(s.columns)
    r = subprocess.run(run + ["themes", str(corpus), "--out", str(tmp_path / "d.csv"), "--quiet"],
                       capture_output=True, text=True, cwd=ROOT)  # the default: the shipped model
    assert r.returncode == 0, r.stderr
    from civictext.themes.scoring import MODEL_COLUMNS, SCORE_COLUMNS

    assert list(pd.read_csv(tmp_path / "d.csv").columns) == SCORE_COLUMNS + MODEL_COLUMNS
    r = subprocess.run(run + ["themes", str(corpus), "--out", str(tmp_path / "t.csv"),
                              "--presence", "model", "--model", str(tmp_path), "--quiet"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "not a theme-model folder" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_the_default_reading_is_the_shipped_model_where_it_won(lab):
    """presence="auto" (the default): the shipped model for the themes its grouped
    cross-validation chose, the focus rule for the others; the file is a real model."""
    shipped = load_theme_model()
    assert set(shipped.themes) == {"reform", "conduct", "satisfaction"}
    assert any(shipped.use_model.values())
    n = pd.Series(20, index=lab["doc_id"])
    default = ct.score_themes(lab, n_tokens=n)
    focus = ct.score_themes(lab, n_tokens=n, presence="focus")
    assert {"p_model", "present_model"} <= set(default.columns)
    for t, use in shipped.use_model.items():
        d, f = default[default.theme == t], focus[focus.theme == t]
        want = d["present_model"] if use else f["present"]
        assert (d["present"].to_numpy() == want.to_numpy()).all(), t
    card = shipped.card()
    assert "Held-out-corpus evaluation" in card and "labelled" in card


def test_a_custom_lexicon_does_not_change_the_models_features(lab, model, caplog):
    """The model's lexicon features come from the lexicon it was fitted with: scoring
    with another lexicon (same theme names) or another threshold leaves p_model as it
    is and says so, instead of silently feeding features the model never saw."""
    from civictext.themes.lexicon import load_lexicons

    n = pd.Series(20, index=lab["doc_id"])
    base = ct.score_themes(lab, n_tokens=n, model=model, presence="model")
    lex = load_lexicons()
    terms = lex.terms[lex.terms["theme"] != "reform"]
    keep = lex.terms[lex.terms["theme"] == "reform"].head(1)  # reform keeps one term only
    small = type(lex)(terms=pd.concat([keep, terms], ignore_index=True), theme_info=lex.theme_info)
    with caplog.at_level("WARNING"):
        other = ct.score_themes(lab, n_tokens=n, model=model, presence="model", lexicon=small)
    assert "fitted with" in caplog.text
    # the small lexicon does change what it decides ...
    assert other["mentioned"].sum() < base["mentioned"].sum()
    # ... but not the model's probabilities
    np.testing.assert_allclose(other["p_model"].to_numpy(), base["p_model"].to_numpy())
    hi = ct.score_themes(lab, n_tokens=n, model=model, presence="model", threshold=5)
    np.testing.assert_allclose(hi["p_model"].to_numpy(), base["p_model"].to_numpy())


def test_saved_files_are_the_same_bytes_on_every_save_and_fit(tmp_path, lab, model):
    """Saving a fitted model twice, or fitting it again with the same random_state,
    gives byte-identical files (model.skops had memory addresses and time stamps);
    the canonical file still loads to the same model."""
    model.save(tmp_path / "a")
    model.save(tmp_path / "b")
    fit_theme_model(lab, lab, random_state=0).save(tmp_path / "c")
    for name in ("model.skops", "model.json", "vocabulary.json", "MODEL_CARD.md",
                 "model_arrays.npz"):
        first = (tmp_path / "a" / name).read_bytes()
        assert first == (tmp_path / "b" / name).read_bytes() == (tmp_path / "c" / name
                                                                   ).read_bytes(), name
    back = load_theme_model(tmp_path / "c")
    np.testing.assert_array_equal(back.predict_proba(lab)["p_model"],
                                  model.predict_proba(lab)["p_model"])


def _feature_reference(articles):
    """The model's token features as they were made before they reused the text's
    tokens and the given words: every text and every headline analysed alone."""
    import importlib

    tm = importlib.import_module("civictext.themes.model")
    tk = importlib.import_module("civictext.text.segmentation")
    an = tk.Analyzer()
    texts = articles["text"].fillna("").astype(str).tolist()
    givens = tk._givens(articles, texts)
    body = [an.given(t, g) if g else an(t) for t, g in zip(texts, givens)]
    # a pre-segmented document's headline and lead: the same spans of its given words
    heads = [an.given(h, "\n".join(g[a:b] for a, b in sp)) if g and h else an(h)
             for h, g, sp in zip(tm._headlines(articles), givens, tm._head_spans(articles))]
    return ([" ".join(t) + (" " + " ".join("h:" + w for w in h) if h else "")
             for t, h in zip(body, heads)], [len(t) for t in body])


def _presegmented(texts):
    """A small pre-segmented corpus (read_corpus(segmented=True) columns)."""
    givens = [t.replace(" ", "_", 1) for t in texts]
    return pd.DataFrame({"doc_id": [f"s{i}" for i in range(len(texts))],
                         "title": [t.split("\n")[0] for t in texts],
                         "text": [g.replace("_", " ") for g in givens],
                         "tokens_given": givens, "segmented": True})


_PRESEG = ["Cải cách hành chính\nUBND tỉnh đẩy mạnh cải cách hành chính. SN 1990 làm PV.",
           "Người dân hài lòng\nMức độ hài lòng với dịch vụ công trực tuyến tăng 1.500 điểm.",
           "TAND XỬ VỤ ÁN\nCán bộ vi phạm quy tắc ứng xử nơi công sở."]


def test_model_features_equal_analysing_each_text_and_headline(lab, corpus_dir):
    import importlib

    tm = importlib.import_module("civictext.themes.model")
    arts = pd.concat([ct.read_corpus(corpus_dir), lab.head(40), _presegmented(_PRESEG)],
                     ignore_index=True)
    docs, n_tok = tm._token_docs(arts)
    ref_docs, ref_n = _feature_reference(arts)
    assert docs == ref_docs and n_tok.tolist() == ref_n
    assert sum(" h:" in d for d in docs) > len(arts) / 2


def _entries(root):
    import sqlite3

    from civictext.text import cache as _cache

    if not _cache.db_path(root).exists():
        return []
    with sqlite3.connect(_cache.db_path(root)) as con:
        return con.execute("SELECT key FROM tokens_v1").fetchall()


def test_default_presence_on_presegmented_input_writes_no_token_cache(monkeypatch):
    import importlib

    import underthesea

    from civictext.config import cache_dir
    from conftest import count_segmenter_calls

    tk = importlib.import_module("civictext.text.segmentation")
    arts = _presegmented(_PRESEG)
    calls = count_segmenter_calls(monkeypatch)

    def no_crf(*a, **k):
        raise AssertionError("underthesea's CRF loaded or called on pre-segmented input")

    with monkeypatch.context() as m:
        # as in a fresh process: the CRF model not loaded, no compound index built
        m.setattr(tk, "_SEGMENTER", None)
        m.setattr(tk._Segmenter, "__init__", no_crf)
        tk._compound_index.cache_clear()
        tk._term_filter.cache_clear()
        m.setattr(underthesea, "word_tokenize", no_crf)
        scores = ct.score_themes(arts)      # the default reading uses the shipped model
        ct.theme_evidence(arts)
    assert calls[0] == 0                    # headlines too: no CRF anywhere
    assert scores["p_model"].notna().all()
    assert _entries(cache_dir()) == []
    ct.score_themes(arts.assign(segmented=False))   # the same text, not pre-segmented
    assert len(_entries(cache_dir())) > 0


def test_headline_and_lead_are_the_title_or_first_sentence_and_the_next():
    import importlib

    tm = importlib.import_module("civictext.themes.model")
    arts = pd.DataFrame({
        "doc_id": ["a", "b", "c", "d"],
        "title": ["Tin mới", "", "Không ở đầu", "Chỉ tiêu đề"],
        "text": ["Tin mới\nCâu một. Câu hai. Câu ba.", "Câu một! Câu hai? Câu ba.",
                 "Câu một. Câu hai. Câu ba.", "Chỉ tiêu đề"]})
    assert tm._headlines(arts) == ["Tin mới\nCâu một.", "Câu một!\nCâu hai?",
                                   "Câu một.\nCâu hai.", "Chỉ tiêu đề"]
