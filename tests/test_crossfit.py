"""Cross-fitted theme-model scores and the in-sample guard (civictext/themes/crossfit.py).

The corrected share needs a machine measure that does not depend on the coded
documents' own codes; a theme model fitted on the coded sample and scoring the
same documents breaks that. These tests check that the real fit_theme_model,
used in sample, gives corrected shares that miss the planted truth, that
cross-fitted scores do not, that theme_trends refuses the in-sample case, and
the command line's --cross-fit.
"""
from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import civictext as ct
from civictext.errors import CivictextWarning, ModelError
from civictext.ingest.synthetic import planted_model_corpus
from civictext.themes.crossfit import (
    check_cross_fit,
    text_fingerprint,
    training_key,
    training_overlap,
    training_record,
)

THEMES = ["reform", "conduct", "satisfaction"]


@pytest.fixture(scope="module")
def labelled():
    lab = ct.load_labelled_set().assign(published="2024-03-01", source="A")
    coded = lab.melt(id_vars=["doc_id"], value_vars=THEMES, var_name="theme",
                     value_name="relevant").assign(pi=1.0)
    return lab, coded


@pytest.fixture(scope="module")
def half_model(labelled):
    """The real model, fitted on the first 40 of the 60 labelled paragraphs (reform)."""
    lab, coded = labelled
    return ct.fit_theme_model(lab, coded[coded["doc_id"].isin(lab["doc_id"][:40])],
                              themes=["reform"], random_state=0)


# ------------------------------------------------------------------ training record
def test_the_training_record_identifies_documents_without_holding_their_ids():
    rec = training_record(["doc-1", "doc-2", "doc-3"])
    assert rec["n"] == 3 and len(rec["hashes"]) == 3
    assert "doc-1" not in json.dumps(rec)
    assert training_overlap(rec, ["doc-3", "doc-9", "doc-1"]) == ["doc-3", "doc-1"]
    assert training_overlap(rec, ["doc-9"]) == []
    assert training_overlap(None, ["doc-1"]) is None  # a model that predates the record
    assert training_record(["doc-2", "doc-1", "doc-3"]) == rec  # same set, same bytes
    assert training_record(["doc-1"])["salt"] != rec["salt"]


def test_the_record_keys_on_the_text_so_a_shared_id_is_not_a_seen_document():
    texts = ["Bộ Nội vụ công bố chỉ số cải cách hành chính.", "Cán bộ phường bị kỷ luật.",
             "Người dân hài lòng với dịch vụ công."]
    rec = training_record(["L01", "L02", "L03"], texts)
    assert training_key(rec) == "text" and len(rec["text_hashes"]) == 3
    assert not any(w in json.dumps(rec, ensure_ascii=False) for w in ("L01", "Bộ", "phường"))
    # a researcher's own documents whose ids collide with training ids: not seen
    assert training_overlap(rec, ["L01", "L02"], ["Một bài khác.", "Bài thứ hai."]) == []
    # the same text under the same id: seen; under another id (a re-crawl): seen too
    assert training_overlap(rec, ["L02", "crawl-9"], [texts[1], texts[0]]) == ["L02", "crawl-9"]
    # the fingerprint ignores what a reader or a segmenter changes, not the words
    assert training_overlap(rec, ["x"], ["  Cán_bộ phường\n bị kỷ luật. "]) == ["x"]
    assert training_overlap(rec, ["x"], ["Cán bộ phường bị kỷ luật!"]) == []
    assert text_fingerprint("Cán_bộ  phường") == text_fingerprint("Cán bộ phường")
    # a document with no text can only be matched on its id
    assert training_overlap(rec, ["L03", "L09"], ["", None]) == ["L03"]
    # no texts given: the ids
    assert training_overlap(rec, ["L03", "L09"]) == ["L03"]
    # an id-only record (written before the texts; the shipped model until its refit)
    old = training_record(["L01", "L02", "L03"])
    assert training_key(old) == "id" and "text_hashes" not in old
    assert old["hashes"] == rec["hashes"] and old["salt"] == rec["salt"]
    assert training_overlap(old, ["L01", "L09"], ["Một bài khác.", texts[0]]) == ["L01"]
    with pytest.raises(ModelError, match="2 texts for 1 ids"):
        training_record(["a"], ["x", "y"])


def test_a_fitted_model_records_its_training_documents_and_keeps_them_when_saved(
        labelled, half_model, tmp_path):
    lab, _ = labelled
    model = half_model
    rec = model.info["training_ids"]
    assert rec["n"] == 40 and training_key(rec) == "text" and len(rec["text_hashes"]) == 40
    assert training_overlap(rec, lab["doc_id"], lab["text"]) == lab["doc_id"][:40].tolist()
    assert training_overlap(rec, lab["doc_id"]) == lab["doc_id"][:40].tolist()
    model.save(tmp_path / "m")
    text = (tmp_path / "m" / "model.json").read_text(encoding="utf-8")
    assert lab["doc_id"].iloc[0] not in text  # hashes only
    assert lab["text"].iloc[0][:30] not in text and text_fingerprint(lab["text"].iloc[0]) \
        not in text
    again = ct.load_theme_model(tmp_path / "m")
    assert again.info["training_ids"] == rec
    assert training_overlap(again.info["training_ids"], lab["doc_id"][38:42],
                            lab["text"][38:42]) == lab["doc_id"][38:40].tolist()


# ------------------------------------------------------------------ the guard
def test_theme_trends_refuses_codes_the_model_was_fitted_on_and_names_the_fix(labelled,
                                                                             half_model):
    lab, coded = labelled
    scores = ct.score_themes(lab, model=half_model, presence="model")
    seen = coded[coded["doc_id"].isin(lab["doc_id"][30:60])]  # 10 of 30 fitted on
    with pytest.warns(CivictextWarning, match=r"reform.*fitted on 10 of the 30.*cross_fit"):
        t = ct.theme_trends(scores, lab, freq="Y", coded=seen, n_boot=0, min_coded=5)
    row = t.set_index("theme").loc["reform"]
    assert np.isnan(row["share_corrected"]) and np.isnan(row["corrected_lo"])
    assert "not estimable" in row["corrected_note"] and "--cross-fit" in row["corrected_note"]
    assert t.attrs["correction"]["machine_measure"]["in_sample"] == {"reform": 10}
    # conduct's measure is the focus rule (not the model): its correction stands
    assert np.isfinite(t.set_index("theme").loc["conduct", "share_corrected"])
    # codes the model never saw: corrected, no warning
    unseen = coded[coded["doc_id"].isin(lab["doc_id"][40:60])]
    with warnings.catch_warnings():
        warnings.simplefilter("error", CivictextWarning)
        t2 = ct.theme_trends(scores, lab, freq="Y", coded=unseen, n_boot=0, min_coded=5)
    assert np.isfinite(t2.set_index("theme").loc["reform", "share_corrected"])
    assert t2.attrs["correction"]["machine_measure"]["source"] == "theme model"


def test_theme_trends_matches_coded_documents_on_their_text_not_their_id(labelled, half_model,
                                                                         tmp_path):
    """A researcher's own corpus whose ids collide with the model's training ids is
    corrected; training texts under other ids (a re-crawl) and the training documents
    themselves are refused; an id-only record still refuses on ids and says why."""
    lab, coded = labelled
    text_of = lab.set_index("doc_id")["text"]
    ids = lab["doc_id"].tolist()  # the model was fitted on ids[:40]
    own = pd.DataFrame({
        # training ids, other texts (those of L41-L50, which the model never saw)
        "doc_id": ids[:10] + [f"crawl-{i}" for i in range(10)] + ids[20:30],
        "text": text_of[ids[40:50]].tolist() + text_of[ids[:10]].tolist()
        + text_of[ids[20:30]].tolist()})
    own = own.assign(published="2024-03-01", source="A")
    codes = coded.set_index("doc_id")
    key = dict(zip(own["doc_id"], ids[40:50] + ids[:10] + ids[20:30]))  # whose codes

    def coded_for(doc_ids):
        c = codes.loc[[key[d] for d in doc_ids]].reset_index()
        c["doc_id"] = [d for d in doc_ids for _ in range(len(THEMES))]
        return c

    scores = ct.score_themes(own, model=half_model, presence="model")
    collide, recrawl, same = own["doc_id"][:10], own["doc_id"][10:20], own["doc_id"][20:]
    kw = dict(freq="Y", n_boot=0, min_coded=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CivictextWarning)
        t = ct.theme_trends(scores, own, coded=coded_for(collide), **kw)
    mm = t.attrs["correction"]["machine_measure"]
    assert mm["in_sample"] == {} and mm["training_key"] == "text"
    assert "fitted on" not in t.set_index("theme").loc["reform", "corrected_note"]
    for part, what in ((recrawl, "same text"), (same, "same text")):
        with pytest.warns(CivictextWarning, match=rf"fitted on 10 of the 10.*{what}"):
            t = ct.theme_trends(scores, own, coded=coded_for(part), **kw)
        assert np.isnan(t.set_index("theme").loc["reform", "share_corrected"])
    # the record survives to_parquet (attrs as JSON) and still matches on the text
    scores.to_parquet(tmp_path / "s.parquet", index=False)
    back = pd.read_parquet(tmp_path / "s.parquet")
    rec = back.attrs["theme_model"]["training"]
    assert training_key(rec) == "text"
    assert training_overlap(rec, own["doc_id"], own["text"]) == own["doc_id"][10:].tolist()
    # an id-only record (the shipped model's until its refit): refused on ids, and said so
    old = scores.copy()
    old.attrs = json.loads(json.dumps(scores.attrs))
    del old.attrs["theme_model"]["training"]["text_hashes"]
    with pytest.warns(CivictextWarning, match=r"fitted on 10 of the 10.*same id.*ids only"):
        t = ct.theme_trends(old, own, coded=coded_for(collide), **kw)
    assert t.attrs["correction"]["machine_measure"]["training_key"] == "id"
    assert "rename their ids" in t.set_index("theme").loc["reform", "corrected_note"]


# ------------------------------------------------------------------ bad input
def test_cross_fit_refuses_fold_counts_it_cannot_fit_and_says_what_to_change(labelled):
    lab, coded = labelled
    with pytest.raises(ModelError, match=r"folds must be a whole number >= 2.*got 1"):
        ct.cross_fit_scores(lab, coded, folds=1)
    with pytest.raises(ModelError, match=r"folds must be a whole number"):
        ct.cross_fit_scores(lab, coded, folds="5")
    # more folds than coded positives (satisfaction: 11)
    with pytest.raises(ModelError, match=r"folds=12 but theme 'satisfaction' has 11 positive.*"
                                         r"fewer folds \(folds=11 or fewer\)"):
        check_cross_fit(coded, folds=12)
    # two folds leave too few positives of a theme to fit each model: more folds help
    with pytest.raises(ModelError, match=r"with folds=2, the model for fold \d would be fitted "
                                         r"on \d positive.*at least 8.*more folds \(folds="):
        check_cross_fit(coded, folds=2)
    few = coded[(coded["theme"] == "reform")
                & ~coded["doc_id"].isin(coded.loc[coded["relevant"] == 1, "doc_id"][8:])]
    with pytest.raises(ModelError, match=r"code more documents of the theme"):
        check_cross_fit(few, folds=3)  # 8 positives: no fold count leaves 8 to fit on


def test_every_document_is_scored_by_a_model_that_did_not_see_it(labelled, monkeypatch):
    """Spy on the real fit and predict: which codes each model saw, which documents it scored."""
    from civictext.themes import crossfit
    from civictext.themes import model as model_mod

    lab, coded = labelled
    fits, scored = [], []
    real_fit = model_mod.fit_theme_model

    def spy_fit(articles, coded, **kw):
        fits.append(set(coded["doc_id"]))
        m = real_fit(articles, coded, **kw)
        real_predict = m.predict_proba

        def spy_predict(arts, **k):
            scored.append((len(fits) - 1, set(arts["doc_id"])))
            return real_predict(arts, **k)

        m.predict_proba = spy_predict
        return m

    monkeypatch.setattr(model_mod, "fit_theme_model", spy_fit)
    out = crossfit.cross_fit_scores(lab, coded, folds=4, themes=["reform"], random_state=3)
    assert len(fits) == 4
    fold = out.drop_duplicates("doc_id").set_index("doc_id")["fold"]
    assert sorted(fold.unique()) == [0, 1, 2, 3] and fold.value_counts().max() <= 16
    # reform's positives are dealt evenly: each fold's complement keeps about 3/4 of them
    pos = coded.loc[(coded["theme"] == "reform") & (coded["relevant"] == 1), "doc_id"]
    assert fold[pos].value_counts().max() - fold[pos].value_counts().min() <= 1
    every = set()
    for k, ids in scored:
        assert not ids & fits[k]  # never scored by a model fitted on its code
        assert set(fold[list(ids)]) == {k}
        every |= ids
    assert every == set(lab["doc_id"])
    assert out.attrs["theme_model"]["cross_fit"]["folds"] == 4
    ref = out[out["theme"] == "reform"]
    assert (ref["present"] == ref["present_model"]).all()
    sat = out[out["theme"] == "satisfaction"]  # not fitted: the focus rule, no probability
    assert sat["p_model"].isna().all()
    # the same seed gives the same folds (coded documents' folds come from the codes alone)
    _, _, folds_again = check_cross_fit(coded, folds=4, themes=["reform"], random_state=3)
    assert (folds_again.reindex(fold.index) == fold).all()
    _, _, other_seed = check_cross_fit(coded, folds=4, themes=["reform"], random_state=4)
    assert not (other_seed.reindex(fold.index) == fold).all()


# ------------------------------------------------------------------ does it work
def _corrected_cells(scores, world, coded, measure="present"):
    arts, truth = world["articles"], world["truth"]
    t = ct.theme_trends(scores[scores["theme"] == "reform"], arts, freq="M", by="source",
                        coded=coded, n_boot=0, measure=measure)
    # the truth: each outlet-month's share of relevant articles
    cell = arts.assign(period=arts["published"].str[:7])[["doc_id", "period", "source"]]
    real = (cell.merge(truth, on="doc_id").groupby(["period", "source"], as_index=False)
            ["relevant"].mean().rename(columns={"relevant": "true_share"}))
    return t[t["theme"] == "reform"].merge(real, on=["period", "source"])


def _valid(cells) -> bool:
    """What a researcher relies on: unbiased, and the 90% intervals cover the truth."""
    covered = (cells["corrected_lo"] <= cells["true_share"]) & \
        (cells["true_share"] <= cells["corrected_hi"])
    bias = float((cells["share_corrected"] - cells["true_share"]).mean())
    return bool(covered.mean() >= 0.75 and abs(bias) < 0.06)


def test_cross_fitting_repairs_the_correction_a_model_fitted_on_the_coded_sample_breaks():
    """The workflow: code a sample, fit the model on it, correct with the same sample.

    A SYNTHETIC corpus (8 outlet-months x 50 articles, 30% relevant; 70% of
    the relevant articles are found only through words a model must learn
    from the codes). In sample, the real fit_theme_model is right on every
    coded article, so the coded residuals vanish, the corrected share stays
    near the machine share (12 points low with this seed) and the intervals
    miss; cross-fitted, it is valid. One world, so the thresholds have room
    for its noise; coverage over many cells: benchmarks/corrected_shares_crossfit.py.
    """
    world = planted_model_corpus(n_per_cell=50, n_periods=4, explicit_share=0.3,
                                 random_state=7)
    arts, truth = world["articles"], world["truth"]
    ntok = pd.Series(50, index=arts["doc_id"])
    focus = ct.score_themes(arts, presence="focus", n_tokens=ntok)
    sheet = ct.sample_for_coding(arts, focus, 8 * 20, design="cells", freq="M", by="source",
                                 random_state=7)
    coded = sheet[["doc_id", "pi", "stratum"]].merge(truth[["doc_id", "theme", "relevant"]],
                                                     on="doc_id")
    model = ct.fit_theme_model(arts, coded, themes=["reform"], random_state=0)
    insample = ct.score_themes(arts, model=model, presence="model", n_tokens=ntok)
    # the mechanism: right on the documents it was fitted on, not on the others
    rel = truth.set_index("doc_id")["relevant"]
    ref = insample[insample["theme"] == "reform"].set_index("doc_id")["present"]
    on_coded = arts["doc_id"].isin(coded["doc_id"]).to_numpy()
    for part, recall in ((on_coded, (0.95, 1.0)), (~on_coded, (0.0, 0.6))):
        ids = arts["doc_id"][part]
        assert recall[0] <= ref[ids][(rel[ids] == 1).to_numpy()].mean() <= recall[1]
    # theme_trends refuses it ...
    with pytest.warns(CivictextWarning, match="fitted on"):
        assert _corrected_cells(insample, world, coded)["share_corrected"].isna().all()
    # ... because its numbers are wrong (shown here without the model's record)
    blind = insample.copy()
    blind.attrs = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CivictextWarning)
        assert not _valid(_corrected_cells(blind, world, coded))
    crossfit = ct.cross_fit_scores(arts, coded, folds=3, themes=["reform"], random_state=0,
                                   n_tokens=ntok)
    # from the cross-fitted probability, as run/trends/figures --cross-fit correct
    assert _valid(_corrected_cells(crossfit, world, coded, measure="p_model"))


# ------------------------------------------------------------------ command line
@pytest.fixture(scope="module")
def labelled_files(tmp_path_factory, labelled):
    lab, coded = labelled
    d = tmp_path_factory.mktemp("labelled")
    rows = [{"id": r.doc_id, "text": r.text, "date": f"2024-{1 + i % 2:02d}-10",
             "source": "A" if i % 3 else "B"} for i, r in enumerate(lab.itertuples())]
    pd.DataFrame(rows).to_json(d / "corpus.jsonl", orient="records", lines=True,
                               force_ascii=False)
    coded.to_csv(d / "coded.csv", index=False)
    return d


def test_cli_refuses_an_in_sample_model_and_cross_fit_corrects_end_to_end(labelled_files,
                                                                           tmp_path, capsys):
    from civictext.cli import main

    d = labelled_files
    corpus, coded = str(d / "corpus.jsonl"), str(d / "coded.csv")
    assert main(["train-model", coded, "--corpus", corpus, "--out", str(tmp_path / "m"),
                 "--quiet"]) == 0
    base = ["trends", corpus, "--freq", "M", "--coded", coded, "--n-boot", "20", "--quiet"]
    with pytest.warns(CivictextWarning, match="fitted on 60 of the 60"):
        assert main([*base, "--out", str(tmp_path / "in.csv"), "--model",
                     str(tmp_path / "m")]) == 0
    t_in = pd.read_csv(tmp_path / "in.csv", keep_default_na=False)
    assert (t_in["share_corrected"] == "").all()  # no number from codes the model has seen
    assert t_in["corrected_note"].str.contains("--cross-fit").all()
    capsys.readouterr()
    for extra, msg in ((["--cross-fit", "2"], "more folds"),
                       (["--cross-fit", "4", "--model", str(tmp_path / "m")], "drop --model"),
                       (["--cross-fit", "4", "--presence", "focus"], "--presence model or auto")):
        assert main([*base, "--out", str(tmp_path / "x.csv"), *extra]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and msg in err[0], err
    assert main(["trends", corpus, "--out", str(tmp_path / "x.csv"), "--cross-fit", "4",
                 "--quiet"]) == 2
    assert "needs --coded" in capsys.readouterr().err
    # the cross-fitted correction end to end, recorded in the manifest
    out = tmp_path / "fig"
    assert main(["figures", "--corpus", corpus, "--out", str(out), "--freq", "M", "--coded",
                 coded, "--cross-fit", "4", "--quiet"]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    rec = manifest["coded_sample"]
    assert rec["cross_fit"] == 4
    assert rec["machine_measure"]["source"] == "cross-fitted theme model"
    assert manifest["parameters"]["theme_model"]["cross_fit"]["folds"] == 4
    fig = [r for r in manifest["figures"] if r["name"].startswith("corrected_theme_share")]
    assert fig and "cross-fitted (4 folds" in fig[0]["caption"]
    table = pd.read_csv(out / fig[0]["csv"])
    assert table["share_corrected"].notna().all()


def test_scores_of_the_shipped_model_keep_its_record_and_still_write_to_parquet(tmp_path):
    """The shipped model has a training record; the score table carries it in attrs,
    which pandas writes as JSON with to_parquet (a user's file, the Dask engine's
    partitions): the record must survive that and still identify its documents."""
    lab = ct.load_labelled_set().head(4)
    scores = ct.score_themes(lab)  # default presence: the shipped model
    rec = scores.attrs["theme_model"]["training"]
    assert training_overlap(rec, ["L01", "not-a-training-id"]) == ["L01"]
    scores.to_parquet(tmp_path / "s.parquet", index=False)
    back = pd.read_parquet(tmp_path / "s.parquet")
    assert training_overlap(back.attrs["theme_model"]["training"], ["L02"]) == ["L02"]
