"""Tests for civictext.themes.validation: metrics on a hand-computed case, the sampler, the labelled set."""
from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest

from civictext.errors import CivictextError, CivictextWarning
from civictext.text.normalize import is_folded
from civictext.themes.lexicon import load_lexicons
from civictext.themes.scoring import score_themes
from civictext.themes.validation import (
    METRIC_COLUMNS,
    ValidationError,
    load_labelled_set,
    read_coded,
    sample_for_coding,
    validate,
)


def _scores(pred: dict[str, list[bool]], ids: list[str]) -> pd.DataFrame:
    rows = [{"doc_id": d, "theme": t, "present": p[i]} for t, p in pred.items()
            for i, d in enumerate(ids)]
    return pd.DataFrame(rows)


def test_metrics_on_a_hand_computed_case():
    ids = list("abcdefgh")
    # reform: labels 1 1 1 0 0 0 0 1, predicted 1 1 0 1 0 0 0 0
    #   tp = a, b -> 2; fp = d -> 1; fn = c, h -> 2; tn = e, f, g -> 3
    #   precision 2/3, recall 2/4, F1 = 2*(2/3)*(1/2)/(2/3+1/2) = 4/7
    # conduct: nothing predicted, two positives -> precision NaN, recall 0, F1 NaN
    labels = pd.DataFrame({"doc_id": ids,
                           "reform": [1, 1, 1, 0, 0, 0, 0, 1],
                           "conduct": [0, 0, 0, 0, 0, 1, 1, 0]})
    scores = _scores({"reform": [True, True, False, True, False, False, False, False],
                      "conduct": [False] * 8}, ids)
    m = validate(scores, labels)
    assert list(m.columns) == METRIC_COLUMNS
    r = m.set_index("theme").loc["reform"]
    assert (r["n"], r["positives"], r["predicted"]) == (8, 4, 3)
    assert (r["tp"], r["fp"], r["fn"], r["tn"]) == (2, 1, 2, 3)
    assert r["precision"] == pytest.approx(2 / 3)
    assert r["recall"] == pytest.approx(0.5)
    assert r["f1"] == pytest.approx(4 / 7)
    c = m.set_index("theme").loc["conduct"]
    assert (c["tp"], c["fn"], c["recall"]) == (0, 2, 0.0)
    assert np.isnan(c["precision"]) and np.isnan(c["f1"])
    assert m["theme"].tolist() == ["reform", "conduct"]


def test_long_labels_and_csv_path_give_the_same_metrics(tmp_path):
    ids = list("abcd")
    scores = _scores({"reform": [True, False, True, False]}, ids)
    wide = pd.DataFrame({"doc_id": ids, "reform": ["yes", "no", "no", "yes"]})
    long = pd.DataFrame({"doc_id": ids, "theme": "reform", "label": [True, False, False, True]})
    path = tmp_path / "labels.csv"
    wide.to_csv(path, index=False)
    a, b, c = validate(scores, wide), validate(scores, long), validate(scores, path)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)
    assert a["f1"].iloc[0] == pytest.approx(0.5)


def test_only_labelled_documents_are_evaluated():
    scores = _scores({"reform": [True, True, True]}, ["a", "b", "unlabelled"])
    labels = pd.DataFrame({"doc_id": ["a", "b"], "reform": [1, 0]})
    m = validate(scores, labels)
    assert m[["n", "tp", "fp"]].iloc[0].tolist() == [2, 1, 1]


def test_validate_errors():
    scores = _scores({"reform": [True]}, ["a"])
    assert issubclass(ValidationError, CivictextError)
    with pytest.raises(ValidationError, match="1 labelled .* have no score.*'zz'"):
        validate(scores, pd.DataFrame({"doc_id": ["zz"], "reform": [1]}))
    with pytest.raises(ValidationError, match="holds 'maybe'"):
        validate(scores, pd.DataFrame({"doc_id": ["a"], "reform": ["maybe"]}))
    with pytest.raises(ValidationError, match="none of the scored themes"):
        validate(scores, pd.DataFrame({"doc_id": ["a"], "topic": [1]}))
    with pytest.raises(ValidationError, match="columns doc_id, theme, present"):
        validate(pd.DataFrame({"doc_id": ["a"]}), pd.DataFrame({"doc_id": ["a"]}))
    with pytest.raises(ValidationError, match="two labels for doc_id 'a'"):
        validate(scores, pd.DataFrame({"doc_id": ["a", "a"], "theme": "reform",
                                       "label": [1, 0]}))
    with pytest.raises(ValidationError, match="does not exist"):
        validate(scores, "no/such/labels.csv")


# ------------------------------------------------------------------ labelled set
def test_labelled_set_shape():
    df = load_labelled_set()
    assert len(df) >= 40 and df["doc_id"].is_unique
    assert {"doc_id", "text", "reform", "conduct", "satisfaction", "kind", "form"} <= set(df)
    assert set(df["kind"]) == {"positive", "negative", "hard"}
    for theme in ("reform", "conduct", "satisfaction"):
        assert df[theme].isin([0, 1]).all() and df[theme].sum() >= 10
    assert (df[["reform", "conduct", "satisfaction"]].sum(axis=1) == 0).sum() >= 15
    nfd = df[df["form"] == "nfd"]["text"]
    assert len(nfd) >= 3 and all(t == unicodedata.normalize("NFD", t) for t in nfd)
    assert all(t != unicodedata.normalize("NFC", t) for t in nfd)
    flat = df[df["form"] == "unaccented"]["text"]
    assert len(flat) >= 5 and all(is_folded(t) for t in flat)


def test_bundled_lexicon_reaches_the_f1_target_on_the_labelled_set():
    df = load_labelled_set()
    scores = score_themes(df, load_lexicons(), n_tokens={d: 50 for d in df["doc_id"]})
    m = validate(scores, df).set_index("theme")
    assert (m["f1"] >= 0.85).all(), m
    assert (m["n"] == len(df)).all()


# ------------------------------------------------------------------ sampler
@pytest.fixture
def corpus() -> tuple[pd.DataFrame, pd.DataFrame]:
    ids = [f"d{i:02d}" for i in range(40)]
    arts = pd.DataFrame({"doc_id": ids, "title": [f"Tin {i}" for i in range(40)],
                         "text": [f"Văn bản số {i}." for i in range(40)],
                         "source": ["A", "B"] * 20})
    reform = [i < 4 for i in range(40)]            # 4 reform docs
    conduct = [i in (2, 3, 10) for i in range(40)]  # 2 reform+conduct, 1 conduct only
    scores = _scores({"reform": reform, "conduct": conduct}, ids)
    return arts, scores


def test_sampler_stratifies_by_pattern_and_writes_the_sheet(corpus, tmp_path):
    arts, scores = corpus
    out = tmp_path / "coding" / "sheet.csv"
    sheet = sample_for_coding(arts, scores, 10, random_state=3, out=out)
    assert len(sheet) == 10 and sheet["doc_id"].is_unique
    # strata: conduct (1 doc), conduct+reform (2), reform (2), none (35)
    counts = sheet["stratum"].value_counts().to_dict()
    assert counts == {"none": 5, "reform": 2, "conduct+reform": 2, "conduct": 1}
    w = sheet.drop_duplicates("stratum").set_index("stratum")["weight"]
    assert w["none"] == pytest.approx(35 / 5) and w["conduct"] == 1.0
    # weights reproduce the corpus size
    assert sheet["weight"].sum() == pytest.approx(40)
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(written.columns) == ["doc_id", "title", "text", "reform", "conduct",
                                     "coder", "comment"]
    # with score_themes' `mentioned`: documents that mention a theme without it
    # being present form their own strata (the focus rule's misses)
    mentioned = scores.assign(mentioned=scores["present"]
                              | (scores["doc_id"].isin(["d20", "d21", "d22"])
                                 & (scores["theme"] == "reform")))
    strata = sample_for_coding(arts, mentioned, 12, random_state=3)["stratum"]
    assert strata.value_counts().to_dict() == {"none": 4, "reform": 2, "conduct+reform": 2,
                                               "conduct": 1, "mentioned:reform": 3}
    assert (written[["reform", "conduct", "coder"]] == "").all().all()
    assert written["doc_id"].tolist() == sheet["doc_id"].tolist()
    key = pd.read_csv(tmp_path / "coding" / "sheet.key.csv", dtype={"doc_id": str})
    assert set(key["doc_id"]) == set(sheet["doc_id"]) and "stratum" in key


def test_sampler_is_reproducible_and_seed_dependent(corpus):
    arts, scores = corpus
    a = sample_for_coding(arts, scores, 12, random_state=7)
    b = sample_for_coding(arts, scores, 12, random_state=7)
    c = sample_for_coding(arts, scores, 12, random_state=8)
    pd.testing.assert_frame_equal(a, b)
    assert a["doc_id"].tolist() != c["doc_id"].tolist()


def test_sampler_other_strata_and_errors(corpus):
    arts, scores = corpus
    by_source = sample_for_coding(arts, scores, 6, stratify="source")
    assert by_source["stratum"].value_counts().to_dict() == {"A": 3, "B": 3}
    simple = sample_for_coding(arts, None, 5, stratify=None)
    assert set(simple["stratum"]) == {"all"} and simple["weight"].iloc[0] == 8.0
    with pytest.raises(ValidationError, match="n=41 but 'articles' has only 40"):
        sample_for_coding(arts, scores, 41)
    with pytest.raises(ValidationError, match="stratify='colour'"):
        sample_for_coding(arts, scores, 5, stratify="colour")
    with pytest.raises(ValidationError, match="n must be a positive integer"):
        sample_for_coding(arts, scores, 0)
    before = arts.copy()
    sample_for_coding(arts, scores, 5)
    pd.testing.assert_frame_equal(arts, before)


def test_weighted_estimates_undo_the_stratified_sample(corpus, tmp_path):
    """One miss in the under-sampled 'none' stratum stands for 7 documents: the
    weighted recall says so, the plain recall on the sample does not."""
    arts, scores = corpus
    out = tmp_path / "sheet.csv"
    sheet = sample_for_coding(arts, scores, 10, random_state=3, out=out)
    reform = sheet["stratum"].str.contains("reform")          # all 4 reform docs, weight 1
    labels = pd.DataFrame({"doc_id": sheet["doc_id"], "reform": reform.astype(int)})
    miss = sheet.loc[sheet["stratum"] == "none", "doc_id"].iloc[0]
    labels.loc[labels["doc_id"] == miss, "reform"] = 1       # a reform article the lexicon missed
    plain = validate(scores, labels, themes=["reform"]).iloc[0]
    assert (plain["tp"], plain["fn"]) == (4, 1) and plain["recall"] == pytest.approx(4 / 5)
    assert plain["recall_w"] == plain["recall"]               # no weights: the same
    key = tmp_path / "sheet.key.csv"
    w = validate(scores, labels, themes=["reform"], weights=key).iloc[0]
    assert w["recall_w"] == pytest.approx(4 / (4 + 35 / 5))   # the miss counts 7 times
    assert w["precision_w"] == pytest.approx(1.0)
    same = validate(scores, labels, themes=["reform"],
                    weights=sheet.set_index("doc_id")["weight"]).iloc[0]
    assert same["recall_w"] == w["recall_w"]
    with pytest.raises(ValidationError, match="no positive weight for labelled document"):
        validate(scores, labels, weights=sheet.set_index("doc_id")["weight"].iloc[1:])
    with pytest.raises(ValidationError, match="not found; pass the .key.csv"):
        validate(scores, labels, weights=tmp_path / "nope.csv")


# ------------------------------------------- coding sheets for corrected shares
def _dated(n_per: int = 12):
    """Two outlets x three months, a third of each cell machine-positive, two undated."""
    rows, sc = [], []
    for src in ("A", "B"):
        for m in (1, 2, 3):
            for i in range(n_per):
                d = f"{src}{m}-{i:02d}"
                rows.append({"doc_id": d, "title": f"t {d}", "text": f"x {d}",
                             "published": f"2024-0{m}-1{i % 9}", "date_precision": "day",
                             "source": src})
                sc.append({"doc_id": d, "theme": "reform", "present": i % 3 == 0})
    rows += [{"doc_id": f"u{i}", "title": "", "text": "u", "published": "", "source": "A",
              "date_precision": "unknown"} for i in range(2)]
    sc += [{"doc_id": f"u{i}", "theme": "reform", "present": False} for i in range(2)]
    return pd.DataFrame(rows), pd.DataFrame(sc)


def test_cells_design_samples_every_cell_with_known_probabilities():
    arts, scores = _dated()
    with pytest.warns(CivictextWarning, match="2 document\\(s\\) cannot be placed"):
        sheet = sample_for_coding(arts, scores, 36, design="cells", freq="M", by="source",
                                  random_state=1)
    assert not sheet["doc_id"].str.startswith("u").any()
    cells = sheet["stratum"].str.rsplit("|", n=1).str[0].value_counts()
    assert len(cells) == 6 and (cells == 6).all()           # every period x outlet
    kind = sheet["stratum"].str.rsplit("|", n=1).str[1].value_counts()
    assert kind.to_dict() == {"positive": 18, "negative": 18}  # over-sampled, never only
    pos = sheet[sheet["stratum"].str.endswith("positive")].iloc[0]
    assert pos["pi"] == pytest.approx(3 / 4) and pos["stratum_size"] == 4
    neg = sheet[sheet["stratum"].str.endswith("negative")].iloc[0]
    assert neg["pi"] == pytest.approx(3 / 8)
    assert (sheet["pi"] * sheet["weight"]).round(12).eq(1).all()
    # a cell with too few positives gives them all and the rest to the negatives
    with pytest.warns(CivictextWarning):
        many = sample_for_coding(arts, scores, 60, design="cells", freq="M", by="source",
                                 random_state=1)
    assert many.groupby(many["stratum"].str.rsplit("|", n=1).str[1]).size().to_dict() == {
        "negative": 36, "positive": 24}
    with pytest.raises(ValidationError, match="positive_share must be strictly between"):
        sample_for_coding(arts, scores, 10, design="cells", positive_share=1.0)
    with pytest.raises(ValidationError, match="design must be 'strata' or 'cells'"):
        sample_for_coding(arts, scores, 10, design="cell")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_coding_sheet_round_trips_with_its_key(tmp_path, suffix):
    arts, scores = _dated()
    arts.loc[0, "title"] = "=HYPERLINK(\"http://x\")"        # a formula, if anything ran it
    arts.loc[1, "text"] = "-5 điểm, +3 và @ai đó"
    arts.loc[2, "doc_id"] = scores.loc[2, "doc_id"] = "-odd-id"
    out = tmp_path / f"coding{suffix}"
    with pytest.warns(CivictextWarning):
        sheet = sample_for_coding(arts, scores, 36, design="cells", freq="M", by="source",
                                  random_state=1, out=out)
    assert (tmp_path / "coding.key.csv").is_file()
    if suffix == ".xlsx":
        from openpyxl import load_workbook
        ws = load_workbook(out).active
        assert all(c.data_type == "s" for row in ws.iter_rows() for c in row if c.value)
        filled = pd.read_excel(out, dtype=str, keep_default_na=False)
        assert "=HYPERLINK(\"http://x\")" in set(filled["title"])  # kept exactly, as text
    else:
        filled = pd.read_csv(out, dtype=str, keep_default_na=False)
        if "A1-00" in set(sheet["doc_id"]):
            assert "'=HYPERLINK(\"http://x\")" in set(filled["title"])  # neutralised
        assert not filled.map(lambda v: v.startswith(("=", "+", "-", "@"))).any().any()
    assert list(filled.columns) == ["doc_id", "title", "text", "reform", "coder", "comment"]
    filled["reform"] = ["1" if i % 2 else "0" for i in range(len(filled))]
    filled.to_csv(tmp_path / "filled.csv", index=False)
    (tmp_path / "coding.key.csv").rename(tmp_path / "filled.key.csv")
    coded = read_coded(tmp_path / "filled.csv", themes=["reform"])
    assert list(coded.columns[:4]) == ["doc_id", "theme", "relevant", "pi"]
    assert set(coded["doc_id"]) == set(sheet["doc_id"])      # ids survive the neutralising
    want = sheet.set_index("doc_id")["pi"]
    assert np.allclose(coded.set_index("doc_id")["pi"], want.reindex(coded["doc_id"]))


def test_read_coded_errors_name_the_problem(tmp_path):
    sheet = pd.DataFrame({"doc_id": ["a", "b", "c"], "reform": ["1", "maybe", "0"],
                          "conduct": ["0", "1", "0"]})
    key = pd.DataFrame({"doc_id": ["a", "b", "c"], "pi": [0.5, 0.5, 0.5]})
    with pytest.raises(ValidationError, match="theme 'reform' is 'maybe'; use 1 or 0"):
        read_coded(sheet, key)
    with pytest.raises(ValidationError, match="no theme column to read"):
        read_coded(sheet[["doc_id"]], key)
    part = sheet.assign(reform=["1", "", "0"])
    with pytest.raises(ValidationError, match="'b' is coded for some themes but its \\['reform'\\]"):
        read_coded(part, key)
    blank = sheet.assign(reform=["1", "", "0"], conduct=["0", "", "1"])
    with pytest.warns(CivictextWarning, match="1 row\\(s\\) are not coded"):
        assert len(read_coded(blank, key)) == 4
    with pytest.raises(ValidationError, match="pi must be a number in \\(0, 1\\]"):
        read_coded(sheet.assign(reform="1"), key.assign(pi=[0.5, 2.0, 0.5]))
    with pytest.raises(ValidationError, match="theme\\(s\\) \\['conduct'\\] are coded but not"):
        read_coded(pd.DataFrame({"doc_id": ["a"], "theme": ["conduct"], "relevant": [1],
                                 "pi": [1.0]}), themes=["reform"])
    with pytest.raises(ValidationError, match="not found"):
        read_coded(tmp_path / "missing.xlsx")
