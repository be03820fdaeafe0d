"""The supervised theme model: fitting, files (skops, refusals), score_themes(model=),
next_to_code, grouped cross-validation and the CLI. Fixtures are the bundled
labelled paragraphs (written for civictext)."""
from __future__ import annotations

import json
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


@pytest.fixture(scope="module")
def refit(lab):
    """A second fit with the same seed (what reproducibility is checked against)."""
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


def test_same_seed_same_model(lab, model, refit):
    again = refit
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


def test_auto_reads_short_and_long_texts_with_their_own_measure(lab, model, tmp_path):
    """presence="auto" with length classes: documents of at most short_max_tokens
    tokens get the short class's measure, longer ones the long class's; the
    choice survives a save and load, and a folder without it reads as before."""
    import dataclasses

    m = dataclasses.replace(model, auto_measures={
        "long": dict.fromkeys(model.themes, "model"),
        "short": {"reform": "model", "conduct": "focus", "satisfaction": "mention"}},
        short_max_tokens=20)
    n = pd.Series(np.where(np.arange(len(lab)) % 2 == 0, 20, 21), index=lab["doc_id"])
    a = ct.score_themes(lab, n_tokens=n, model=m)  # "auto" is the default
    short = a["n_tokens"] <= 20
    assert short.any() and (~short).any()
    for t, rule in (("reform", "present_model"), ("conduct", "focus"),
                    ("satisfaction", "mentioned")):
        rows = (a["theme"] == t) & short
        want = (ct.score_themes(lab, n_tokens=n, presence="focus")["present"] if rule == "focus"
                else a[rule])
        assert (a.loc[rows, "present"] == want[rows]).all(), t
        assert (a.loc[(a["theme"] == t) & ~short, "present"]
                == a.loc[(a["theme"] == t) & ~short, "present_model"]).all(), t
    # mention and model disagree somewhere among the short satisfaction rows, so the
    # test can tell the measures apart
    sat = (a["theme"] == "satisfaction") & short
    assert (a.loc[sat, "mentioned"] != a.loc[sat, "present_model"]).any()
    assert a.attrs["theme_model"]["present_from_model"] == list(model.themes)
    back = load_theme_model(m.save(tmp_path / "m"))
    assert back.auto_measures == m.auto_measures and back.short_max_tokens == 20
    assert "the mention rule in texts of at most 20 tokens" in back.card()
    b = ct.score_themes(lab, n_tokens=n, model=back)
    assert (b["present"] == a["present"]).all()
    # a folder written before length classes: use_model for every document
    meta = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    for key in ("auto_measures", "short_max_tokens"):
        del meta[key]
    (tmp_path / "m" / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    old = load_theme_model(tmp_path / "m")
    assert old.auto_measures == {} and old.short_max_tokens is None
    assert old.auto_measure("satisfaction", "short") == "model"
    meta["auto_measures"] = {"short": {"reform": "keywords"}}
    (tmp_path / "m" / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="model.json has auto_measures.*Refit"):
        load_theme_model(tmp_path / "m")


def test_choose_auto_measures_per_length_class():
    from civictext.errors import ParameterError
    from civictext.themes.model import choose_auto_measures

    rng = np.random.default_rng(0)
    rows = []
    for i in range(400):
        short = i % 2 == 0
        rel = bool(rng.random() < 0.3)
        # long texts: the model is right and the mention rule noisy; short: the reverse
        good, noisy = rel, bool(rng.random() < 0.5)
        rows.append({"theme": "reform", "relevant": int(rel), "pi": 0.5,
                     "n_tokens": 40 if short else 400,
                     "model": noisy if short else good, "focus": False,
                     "mention": good if short else noisy})
    pred = pd.DataFrame(rows)
    chosen, table = choose_auto_measures(pred, short_max_tokens=100)
    assert chosen == {"long": {"reform": "model"}, "short": {"reform": "mention"}}
    assert set(table["length_class"]) == {"long", "short"}
    assert table.loc[(table.length_class == "short") & (table.measure == "mention"),
                     "f1_w"].item() == 1.0
    # too few short positives to choose on: the long class's measure
    few = pred[(pred["n_tokens"] > 100) | (pred["relevant"] == 0)
               | (pred.index < 8)]
    assert few.loc[few["n_tokens"] <= 100, "relevant"].sum() < 5
    assert choose_auto_measures(few)[0]["short"] == {"reform": "model"}
    with pytest.raises(ModelError, match="lack columns.*n_tokens"):
        choose_auto_measures(pred.drop(columns="n_tokens"))
    with pytest.raises(ParameterError, match="candidates must be among"):
        choose_auto_measures(pred, candidates=("model", "keywords"))


def test_the_shipped_auto_reading_is_the_one_its_held_out_predictions_choose():
    """The shipped model's length classes are what choose_auto_measures gives on the
    committed held-out predictions of the four real corpora (not on the labelled
    paragraphs), and its recorded held-out check on those paragraphs has every theme."""
    from civictext.themes.model import SHORT_MAX_TOKENS, choose_auto_measures

    coded = ROOT / "benchmarks" / "labels" / "coded"
    pred = pd.read_csv(coded / "cv_predictions.csv", dtype={"doc_id": str, "stratum": str})
    shipped = load_theme_model()
    chosen, _ = choose_auto_measures(pred[pred["group"] != "labelled"],
                                     short_max_tokens=SHORT_MAX_TOKENS)
    assert shipped.auto_measures == chosen and shipped.short_max_tokens == SHORT_MAX_TOKENS
    assert shipped.use_model == {t: chosen["long"][t] == "model" for t in shipped.themes}
    cv = pd.read_csv(coded / "cv_results.csv")
    auto = cv[(cv["measure"] == "auto") & (cv["heldout"] == "labelled")]
    assert set(auto["theme"]) == set(shipped.themes)


def test_probabilities_in_batches_are_the_same_bits(lab, model):
    # the features and probabilities are computed a batch of documents at a time
    # (_BATCH, 4,096 in a run); batches of 5 of 12 (the last one short) change no bit
    import importlib

    tm = importlib.import_module("civictext.themes.model")
    arts, lex = lab.head(12), tm._lexicon(model.lexicon)
    frame = tm._score_frame(arts, lex)
    whole = tm._predicted(model, arts, lex, model.feature_themes, frame=frame, batch=100)
    for f in (frame, frame.sample(frac=1.0, random_state=0)):  # by position; by document
        got = tm._predicted(model, arts, lex, model.feature_themes, frame=f, batch=5)
        pd.testing.assert_frame_equal(got, whole, check_exact=True)
        assert [x.hex() for x in got["p_model"]] == [x.hex() for x in whole["p_model"]]


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
    assert set(table["measure"]) == {"model", "model_precision", "focus", "mention"}
    # the precision point is the same fold fits' other threshold: same p_model, and where
    # the two verdicts differ, p_model lies between the fold model's two thresholds
    assert {"model", "model_precision"} <= set(pred.columns)
    assert set(table["heldout"]) == {"odd", "even", "all"}
    # every coded (document, theme) is predicted exactly once, by a model that did not see it
    assert len(pred) == 3 * len(lab)
    assert not pred.duplicated(["doc_id", "theme"]).any()
    allrows = table[table.heldout == "all"].set_index(["measure", "theme"])
    assert (allrows["f1_lo"] <= allrows["f1_w"] + 1e-9).all()
    with pytest.raises(ModelError, match="no corpus column"):
        cross_validate_measures(lab, lab, n_boot=0)


def test_cli_train_model_and_score(tmp_path, lab, capsys):
    """In process (civictext.cli.main, what ``python -m civictext`` runs): a real
    process's one-line errors are checked in test_cli_errors.py."""
    from civictext.cli import main

    corpus = tmp_path / "corpus.csv"
    lab[["doc_id", "text"]].to_csv(corpus, index=False)
    coded = tmp_path / "coded.csv"
    lab[["doc_id", "reform", "conduct", "satisfaction"]].assign(pi=1.0).to_csv(coded, index=False)
    assert main(["train-model", str(coded), "--corpus", str(corpus), "--out",
                 str(tmp_path / "m"), "--quiet"]) == 0
    assert main(["themes", str(corpus), "--out", str(tmp_path / "s.csv"), "--presence", "model",
                 "--model", str(tmp_path / "m"), "--quiet"]) == 0
    s = pd.read_csv(tmp_path / "s.csv")
    assert {"p_model", "present_model"} <= set(s.columns)
    # the default: the shipped model
    assert main(["themes", str(corpus), "--out", str(tmp_path / "d.csv"), "--quiet"]) == 0
    from civictext.themes.scoring import MODEL_COLUMNS, SCORE_COLUMNS

    assert list(pd.read_csv(tmp_path / "d.csv").columns) == SCORE_COLUMNS + MODEL_COLUMNS
    capsys.readouterr()
    assert main(["themes", str(corpus), "--out", str(tmp_path / "t.csv"), "--presence", "model",
                 "--model", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "not a theme-model folder" in err and len(err.strip().splitlines()) == 1


def test_the_default_reading_is_the_shipped_model_where_it_won(lab):
    """presence="auto" (the default): per theme and length class, the measure the
    shipped model's held-out predictions chose (model, focus or mention rule); the
    file is a real model."""
    shipped = load_theme_model()
    assert set(shipped.themes) == {"reform", "conduct", "satisfaction"}
    assert any(shipped.use_model.values())
    n = pd.Series(np.where(np.arange(len(lab)) % 2 == 0, 20, 200), index=lab["doc_id"])
    default = ct.score_themes(lab, n_tokens=n)
    focus = ct.score_themes(lab, n_tokens=n, presence="focus")
    assert {"p_model", "present_model"} <= set(default.columns)
    short = n.to_numpy() <= (shipped.short_max_tokens or -1)  # every other one
    for t in shipped.themes:
        d, f = default[default.theme == t], focus[focus.theme == t]
        for cls, rows in (("long", ~short), ("short", short)):
            rule = shipped.auto_measure(t, cls)
            want = {"model": d["present_model"], "focus": f["present"],
                    "mention": d["mentioned"]}[rule].to_numpy()
            assert (d["present"].to_numpy()[rows] == want[rows]).all(), (t, cls)
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


def test_saved_files_are_the_same_bytes_on_every_save_and_fit(tmp_path, lab, model, refit):
    """Saving a fitted model twice, or fitting it again with the same random_state,
    gives byte-identical files (model.skops had memory addresses and time stamps);
    the canonical file still loads to the same model."""
    model.save(tmp_path / "a")
    model.save(tmp_path / "b")
    refit.save(tmp_path / "c")  # fitted again, with the same random_state
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


# --------------------------------------------------------------------------- operating points

def _prf(y, p, w, thr):
    from civictext.themes.model import _weighted_prf

    return _weighted_prf(y, (p >= thr).astype(int), w)


def test_precision_point_rule_when_the_target_is_reached():
    from civictext.themes.model import _precision_threshold

    rng = np.random.default_rng(5)
    p = rng.uniform(0, 1, 400)
    y = (rng.uniform(0, 1, 400) < p ** 2).astype(int)   # higher p, more often relevant
    w = rng.choice([1.0, 4.0], 400)                      # design weights
    thr, reached = _precision_threshold(y, p, w, 0.8)
    assert reached
    prec, rec, _ = _prf(y, p, w, thr)
    assert prec >= 0.8
    # no lower threshold between the probabilities reaches the target with more recall
    cands = np.unique(np.round(p, 6))
    cuts = np.concatenate([[cands[0] / 2], (cands[1:] + cands[:-1]) / 2])
    for t in cuts[cuts < thr]:
        pt, rt, _ = _prf(y, p, w, t)
        assert pt < 0.8 or rt <= rec + 1e-12
    # the threshold is halfway between two probabilities, not one document's value
    assert not np.isclose(p, thr).any()
    # a higher target: a higher threshold, more precision, less recall
    thr9, ok9 = _precision_threshold(y, p, w, 0.9)
    assert ok9 and thr9 > thr and _prf(y, p, w, thr9)[0] >= 0.9
    assert _prf(y, p, w, thr9)[1] <= rec


def test_precision_point_takes_no_false_hits_without_a_relevant_one():
    from civictext.themes.model import _precision_threshold

    # positives at the top; three negatives just under the lowest positive
    p = np.array([0.95, 0.9, 0.85, 0.8, 0.7, 0.65, 0.6, 0.3, 0.2, 0.1])
    y = np.array([1, 1, 1, 1, 0, 0, 0, 1, 0, 0])
    w = np.ones(10)
    thr, reached = _precision_threshold(y, p, w, 0.5)
    # 0.5 is reached with every document above (5 of 10 relevant); the threshold is then
    # raised to the highest with the same 5 relevant documents above it: halfway between
    # 0.3 (the last positive) and 0.2, so the two negatives below 0.3 are left out
    assert reached and _prf(y, p, w, thr)[:2] == (5 / 8, 1.0)
    assert np.isclose(thr, 0.25)
    thr2, _ = _precision_threshold(y, p, w, 0.9)
    assert np.isclose(thr2, 0.75) and _prf(y, p, w, thr2) == (1.0, 0.8, pytest.approx(8 / 9))


def test_precision_point_rule_when_the_target_is_out_of_reach():
    from civictext.themes.model import MIN_POINT_POSITIVES, _precision_threshold

    # every document above any threshold is relevant at most 2 times in 3, and the two
    # most probable documents alone (precision 1) are fewer than MIN_POINT_POSITIVES
    p = np.array([0.99, 0.98, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])
    y = np.array([1, 1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0])
    w = np.ones(12)
    thr, reached = _precision_threshold(y, p, w, 0.95)
    assert not reached and MIN_POINT_POSITIVES == 3
    # the highest precision among thresholds with >= 3 positives above: 3 of 5 (0.6), at
    # the threshold halfway between 0.7 and 0.6
    assert np.isclose(thr, 0.65)
    assert _prf(y, p, w, thr)[0] == pytest.approx(0.6)


def _with_points(model, **precision_thresholds):
    import copy

    m = copy.copy(model)
    m.operating_points = {"f1": model.operating_points["f1"],
                          "precision": {t: {**model.operating_points["precision"][t],
                                            "threshold": v}
                                        for t, v in precision_thresholds.items()}}
    return m


def test_fitted_model_records_both_points(lab, model):
    assert set(model.operating_points) == {"f1", "precision"}
    for t in model.themes:
        f1, pr = model.operating_points["f1"][t], model.operating_points["precision"][t]
        assert f1["threshold"] == model.thresholds[t]
        summary = model.info["trained_on"]["per_theme"][t]
        assert f1["oof_f1_w"] == summary["oof_f1_w"]
        assert pr["target"] == 0.85 and isinstance(pr["reached"], bool)
        # reached: the out-of-fold precision there is the target or more
        assert not pr["reached"] or pr["oof_precision_w"] >= 0.85
    assert model.thresholds_at("f1") == model.thresholds
    with pytest.raises(CivictextError, match="operating_point must be one of 'f1', 'precision'"):
        model.thresholds_at("recall")
    with pytest.raises(CivictextError, match="precision_target must be a finite number"):
        fit_theme_model(lab, lab, precision_target=1.5)


def test_precision_point_changes_present_model_only(lab, model):
    lab = lab.head(16)
    n = pd.Series(20, index=lab["doc_id"])
    first = ct.score_themes(lab, n_tokens=n, model=model, presence="model")
    # a precision threshold just above each theme's lowest f1-point positive
    low = first[first["present_model"]].groupby("theme")["p_model"].min()
    thr = {t: float(low.get(t, 0.5)) + 1e-9 for t in model.themes}
    m = _with_points(model, **thr)
    base = ct.score_themes(lab, n_tokens=n, model=m, presence="model")
    prec = ct.score_themes(lab, n_tokens=n, model=m, presence="model",
                           operating_point="precision")
    assert base.attrs["theme_model"]["operating_point"] == "f1"
    assert prec.attrs["theme_model"]["operating_point"] == "precision"
    np.testing.assert_array_equal(prec["p_model"].to_numpy(), base["p_model"].to_numpy())
    same = [c for c in base.columns if c not in ("present", "present_model")]
    pd.testing.assert_frame_equal(prec[same], base[same])
    assert (prec["present_model"] == (prec["p_model"] >= prec["theme"].map(thr))).all()
    assert (prec["present"] == prec["present_model"]).all()
    assert prec["present_model"].sum() < base["present_model"].sum()
    # bad values, and a point asked of a reading that uses no model
    with pytest.raises(CivictextError, match="operating_point must be one of"):
        ct.score_themes(lab, n_tokens=n, model=m, operating_point="high")
    with pytest.raises(CivictextError, match="uses no theme model"):
        ct.score_themes(lab, n_tokens=n, presence="focus", operating_point="precision")


@pytest.fixture(scope="module")
def saved_points(tmp_path_factory, model):
    """The fixture model with precision thresholds of 0.9, saved once."""
    m = _with_points(model, reform=0.9, conduct=0.9, satisfaction=0.9)
    return m, m.save(tmp_path_factory.mktemp("points") / "m")


def _old_format_copy(folder, dest):
    """A copy of a model folder as written before operating points (no key in model.json)."""
    import shutil

    shutil.copytree(folder, dest)
    meta = json.loads((dest / "model.json").read_text(encoding="utf-8"))
    del meta["operating_points"]
    (dest / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    return dest


def test_points_roundtrip_and_an_old_model_folder_refuses_precision(tmp_path, lab, model,
                                                                    saved_points):
    m, folder = saved_points
    back = load_theme_model(folder)
    assert back.operating_points == m.operating_points
    assert back.thresholds_at("precision") == dict.fromkeys(m.themes, 0.9)
    card = (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "## Operating points" in card and "| reform | precision | 0.900 |" in card
    # a folder written before operating points: no key in model.json
    old = load_theme_model(_old_format_copy(folder, tmp_path / "old"))
    assert set(old.operating_points) == {"f1"}
    assert old.thresholds_at("f1") == model.thresholds
    assert old.operating_points["f1"]["reform"]["oof_f1_w"] == \
        model.operating_points["f1"]["reform"]["oof_f1_w"]
    with pytest.raises(ModelError, match="refit it.*civictext train-model"):
        old.predict_proba(lab, operating_point="precision")
    with pytest.raises(ModelError, match="no 'precision' operating point"):
        ct.score_themes(lab.head(3), n_tokens=pd.Series(20, index=lab["doc_id"]), model=old,
                        presence="model", operating_point="precision")
    assert "Refit it" in old.card()


def test_cross_fit_uses_each_folds_own_point(lab, model, monkeypatch):
    import civictext.themes.model as tm

    sub = lab
    # each fold's "fit": the fixture model with fold-specific precision thresholds (the
    # fits themselves are tested elsewhere; this checks which threshold each fold uses)
    fits = iter([0.2, 0.9])
    monkeypatch.setattr(tm, "fit_theme_model", lambda *a, **k: _with_points(
        model, **dict.fromkeys(model.themes, next(fits))))
    s = ct.cross_fit_scores(sub, lab, folds=2, themes=["reform"], random_state=0,
                            operating_point="precision")
    info = s.attrs["cross_fit"]
    assert info["operating_point"] == "precision"
    assert s.attrs["theme_model"]["operating_point"] == "precision"
    assert [f["thresholds"]["reform"] for f in info["per_fold"]] == [0.2, 0.9]
    r = s[s.theme == "reform"]
    for f in info["per_fold"]:
        part = r[r["fold"] == f["fold"]]
        assert len(part) and (part["present_model"]
                              == (part["p_model"] >= f["thresholds"]["reform"])).all()
    with pytest.raises(CivictextError, match="operating_point must be one of"):
        ct.cross_fit_scores(sub, lab, folds=2, operating_point="F1")


def test_cli_operating_point(tmp_path, lab, saved_points, corpus_dir, monkeypatch, capsys):
    """End to end in-process on the bundled corpus with the small fixture model."""
    from civictext.cli import build_parser, main

    m, folder = saved_points
    out = tmp_path / "p.csv"
    assert main(["themes", str(corpus_dir), "--out", str(out), "--presence", "model",
                 "--model", str(folder), "--operating-point", "precision",
                 "--quiet"]) == 0
    s = pd.read_csv(out)
    assert (s["present_model"] == (s["p_model"] >= 0.9)).all()
    # refused in one line: a bad name, a point without a model, an old model folder
    capsys.readouterr()
    assert main(["themes", str(corpus_dir), "--out", str(tmp_path / "x.csv"),
                 "--operating-point", "best"]) == 2
    assert "invalid choice" in capsys.readouterr().err
    assert main(["themes", str(corpus_dir), "--out", str(tmp_path / "x.csv"), "--presence",
                 "focus", "--operating-point", "precision"]) == 2
    assert "uses no theme model" in capsys.readouterr().err
    old = _old_format_copy(folder, tmp_path / "old")
    assert main(["trends", str(corpus_dir), "--out", str(tmp_path / "t.csv"), "--model",
                 str(old), "--operating-point", "precision"]) == 2
    err = capsys.readouterr().err
    assert "civictext train-model" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "t.csv").exists()
    # every scoring command has the flag; train-model passes --precision-target on
    for cmd in (["trends", "c"], ["figures", "--corpus", "c"], ["run", "c"]):
        args = build_parser().parse_args([*cmd, "--out", "o", "--operating-point", "precision"])
        assert args.operating_point == "precision"
    import civictext.themes.model as tm

    seen = {}

    def fake_fit(articles, coded, **kw):
        seen.update(kw)
        return m

    monkeypatch.setattr(tm, "fit_theme_model", fake_fit)
    monkeypatch.setattr(tm.ThemeModel, "save", lambda self, path: Path(path))  # tested above
    corpus = tmp_path / "corpus.csv"
    lab[["doc_id", "text"]].to_csv(corpus, index=False)
    coded = tmp_path / "coded.csv"
    lab[["doc_id", "reform", "conduct", "satisfaction"]].assign(pi=1.0).to_csv(coded,
                                                                               index=False)
    capsys.readouterr()
    assert main(["train-model", str(coded), "--corpus", str(corpus), "--out",
                 str(tmp_path / "m2"), "--precision-target", "0.9", "--quiet"]) == 0
    assert seen["precision_target"] == 0.9, capsys.readouterr().err
    assert main(["train-model", str(coded), "--corpus", str(corpus), "--out",
                 str(tmp_path / "m3"), "--precision-target", "0"]) == 2
    assert "--precision-target" in capsys.readouterr().err


def test_f1_threshold_is_the_best_as_applied():
    """The "f1" point's threshold gives the highest weighted F1 of any threshold, judged
    as it is applied (p >= threshold), including probabilities equal after rounding."""
    from civictext.themes.model import _best_threshold, _weighted_prf

    rng = np.random.default_rng(3)
    y = (rng.random(300) < 0.2).astype(int)
    p = np.clip(0.3 * y + rng.random(300) * 0.7, 0, 1)
    p[:20] = np.round(p[:20], 6) - 4e-7  # rounded up to a candidate of their own value
    w = rng.uniform(1, 50, 300)
    thr = _best_threshold(y, p, w)
    f = _weighted_prf(y, (p >= thr).astype(int), w)[2]
    others = [_weighted_prf(y, (p >= t).astype(int), w)[2] for t in np.unique(p)]
    assert f >= max(others) - 1e-12
    assert not np.isclose(p, thr).any()  # not one document's value
