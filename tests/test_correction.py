"""Corrected shares (civictext/trends/correction.py and theme_trends(coded=...)).

The estimator is checked where a user relies on it: on planted data in which
the machine measure's recall drifts (so the naive share shows a false trend),
its 90% intervals cover the planted share in about 90% of cells, it is
unbiased, it is narrower than the coded sample alone when the measure is
good, and every bad input is an error or a written note, never a wrong number.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import civictext as ct
from civictext.errors import CivictextWarning, TrendError
from civictext.ingest.synthetic import planted_measurement_error
from civictext.themes.validation import sample_for_coding
from civictext.trends.correction import (
    CELL_METHOD,
    POOLED_ASSUMPTION,
    coded_only_mean,
    corrected_mean,
)


def _cell(rng, n, p, recall, fpr=0.03, n_pos=10, n_neg=10, truth=False):
    """One planted cell, coded like design='cells' (what the positives cannot take
    goes to the negatives and back): (f, coded, y, pi), and every article's true
    code when ``truth``."""
    y = rng.random(n) < p
    f = np.where(y, rng.random(n) < recall, rng.random(n) < fpr).astype(float)
    coded = np.zeros(n, bool)
    pi = np.full(n, np.nan)
    n_f = int(f.sum())
    kp = min(n_f, n_pos)
    kn = min(n - n_f, n_pos + n_neg - kp)
    kp = min(n_f, n_pos + n_neg - kn)
    for cls, k in ((1.0, kp), (0.0, kn)):
        idx = np.flatnonzero(f == cls)
        if k:
            pick = rng.choice(idx, k, replace=False)
            coded[pick] = True
            pi[pick] = k / len(idx)
    out = (f, coded, np.where(coded, y, np.nan), pi)
    return (*out, y.astype(float)) if truth else out


def _coverage(intervals, truth, scale=1.0):
    """Share of intervals (est, lo, hi) covering ``truth``, each side's length x scale."""
    est, lo, hi = (np.array(x, float) for x in zip(*intervals))
    truth = np.asarray(truth, float)
    return float(np.mean((est - scale * (est - lo) <= truth)
                         & (truth <= est + scale * (hi - est))))


@pytest.mark.parametrize("scenario", ["drift", "good"])
def test_corrected_intervals_cover_the_planted_share_where_naive_shares_drift(scenario):
    """``drift``: recall falls from 0.8 to 0.4 over 12 months (outlet B 0.2 lower):
    the naive share falls with it, the corrected one stays on the truth (0.3).
    ``good``: recall 0.95 -> 0.9. In both the 90% intervals cover the truth in
    85-95% of cells (good: up to 96.5%; the interval cannot miss upwards when
    errors are rare). The band is about 4 standard errors wide on each side
    (960 cells), and the test checks its own power: intervals from a variance
    wrong by a factor of 2 (half-widths x or / sqrt 2) fall outside it (good:
    only x 2, since its upper side never misses, coverage with half the
    variance is still 0.86)."""
    start, stop, shift, fpr = ((0.8, 0.4, -0.2, 0.03) if scenario == "drift"
                               else (0.95, 0.9, -0.05, 0.02))
    rng = np.random.default_rng(2026)
    cells, naive, corr, width, width_coded = [], [], [], [], []
    for rep in range(40):
        for m in range(12):
            for o in (0.0, 1.0):
                recall = start + (stop - start) * m / 11 + o * shift
                f, coded, y, pi, y_all = _cell(rng, 200, 0.3, recall, fpr, truth=True)
                e = corrected_mean(f, coded, y, pi)
                # coding alone: a simple random sample of the same size, no machine measure
                srs = np.zeros(len(f), bool)
                srs[rng.choice(len(f), int(coded.sum()), replace=False)] = True
                b = coded_only_mean(srs, np.where(srs, y_all, np.nan),
                                    np.where(srs, srs.sum() / len(f), np.nan))
                cells.append((e.estimate, e.lo, e.hi))
                naive.append((m, o, f.mean()))
                corr.append((m, e.estimate))
                width.append(e.hi - e.lo)
                width_coded.append(b.hi - b.lo)
    top = 0.95 if scenario == "drift" else 0.965
    assert 0.85 <= _coverage(cells, 0.3) <= top, _coverage(cells, 0.3)
    assert _coverage(cells, 0.3, scale=np.sqrt(2)) > top      # variance x 2: caught
    if scenario == "drift":  # (good: the upper side never misses, so halving is 0.86)
        assert _coverage(cells, 0.3, scale=1 / np.sqrt(2)) < 0.85  # variance / 2: caught
    corr = pd.DataFrame(corr, columns=["m", "est"])
    assert abs(corr[corr.m == 0].est.mean() - 0.3) < 0.03
    assert abs(corr[corr.m == 11].est.mean() - 0.3) < 0.03
    if scenario == "drift":
        naive = pd.DataFrame(naive, columns=["m", "o", "share"])
        first, last = naive[naive.m == 0].share.mean(), naive[naive.m == 11].share.mean()
        assert first - last > 0.08  # the artefact: a falling trend that is not there
    else:
        # a good measure helps: narrower than coding a simple random sample of the same size
        assert np.mean(width) < 0.8 * np.mean(width_coded)


@pytest.mark.parametrize("p, recall, fpr, n", [(0.03, 0.9, 0.01, 60), (0.97, 0.95, 0.3, 60),
                                               (0.3, 0.3, 0.2, 30)])
def test_tiny_cells_with_the_minimum_coded_stay_valid(p, recall, fpr, n):
    """10 coded (the minimum) in cells of 30-60 articles, shares near 0 or 1 or a
    poor measure: intervals may be conservative, never too narrow; none of these
    cells is dropped as not estimable (which would select the cells shown)."""
    rng = np.random.default_rng(7)
    cells = []
    for _ in range(400):
        f, coded, y, pi = _cell(rng, n, p, recall, fpr, n_pos=5, n_neg=5)
        e = corrected_mean(f, coded, y, pi)
        assert e.note == ""
        cells.append((e.estimate, e.lo, e.hi))
    assert _coverage(cells, p) >= 0.85, _coverage(cells, p)


def test_a_perfect_measure_gives_a_much_narrower_interval_than_coding_alone():
    rng = np.random.default_rng(5)
    y_all = (rng.random(300) < 0.4).astype(float)
    coded = np.zeros(300, bool)
    coded[rng.choice(300, 30, replace=False)] = True
    y, pi = np.where(coded, y_all, np.nan), np.where(coded, 0.1, np.nan)
    good = corrected_mean(y_all, coded, y, pi)
    alone = coded_only_mean(coded, y, pi)
    assert good.estimate == pytest.approx(y_all.mean())
    assert (good.hi - good.lo) < 0.6 * (alone.hi - alone.lo)


def test_a_useless_measure_stays_valid():
    """A measure that is pure noise: still unbiased and covering, only wider."""
    rng = np.random.default_rng(11)
    cover = []
    for _ in range(300):
        y_all = rng.random(200) < 0.25
        f = (rng.random(200) < 0.5).astype(float)
        coded = np.zeros(200, bool)
        pi = np.full(200, np.nan)
        for cls in (0.0, 1.0):
            idx = np.flatnonzero(f == cls)
            pick = rng.choice(idx, 15, replace=False)
            coded[pick] = True
            pi[pick] = 15 / len(idx)
        e = corrected_mean(f, coded, np.where(coded, y_all, np.nan), pi)
        cover.append(e.lo <= 0.25 <= e.hi)
    assert 0.85 <= np.mean(cover) <= 0.97


def _unequal_pi_cell(rng, n_pos=100, n_keyword=100, n_random=4000, rates=(0.8, 0.7, 0.1),
                     k=(20, 40, 40)):
    """A cell sampled like the real coded sample: machine positives, and among the
    negatives a small ``keyword`` stratum rich in relevant articles, heavily sampled
    (pi = 0.4), and a large ``random`` one, lightly sampled (pi = 0.01): pi differs
    40-fold within the negative class. (f, coded, y, pi, strata, true share)."""
    labels = np.repeat(["pos", "keyword", "random"], [n_pos, n_keyword, n_random])
    f = (labels == "pos").astype(float)
    rate = np.select([labels == "pos", labels == "keyword"], rates[:2], rates[2])
    y_all = (rng.random(len(f)) < rate).astype(float)
    coded, pi = np.zeros(len(f), bool), np.full(len(f), np.nan)
    for lab, kk in zip(("pos", "keyword", "random"), k):
        idx = np.flatnonzero(labels == lab)
        pick = rng.choice(idx, kk, replace=False)
        coded[pick], pi[pick] = True, kk / len(idx)
    return f, coded, np.where(coded, y_all, np.nan), pi, np.where(coded, labels, ""), y_all.mean()


def test_unequal_inclusion_probabilities_within_a_class_get_their_own_variance():
    """Within the machine negatives, pi is 0.4 in one design stratum and 0.01 in
    the other. Treating the class as one simple random sample (civictext before
    the per-document variance) takes the residual variance of the heavily
    sampled, often relevant stratum for the whole class: its 90% intervals were
    1.7 times too wide and covered 99% of cells. The per-document (Hajek) variance
    within the coding sheet's strata covers 85-95% of cells and is narrower."""
    rng = np.random.default_rng(16)
    cover, width, width_one = [], [], []
    for _ in range(300):
        f, coded, y, pi, strata, truth = _unequal_pi_cell(rng)
        e = corrected_mean(f, coded, y, pi, strata=strata)
        one = corrected_mean(f, coded, y, pi)  # no strata: one stratum per class
        cover.append(e.lo <= truth <= e.hi)
        width.append(e.hi - e.lo)
        width_one.append(one.hi - one.lo)
        assert abs(e.estimate - one.estimate) < 1e-12  # the strata change the interval only
    assert 0.85 <= np.mean(cover) <= 0.95, np.mean(cover)
    assert np.mean(width) < 0.75 * 0.25  # the class-as-one-SRS interval was 0.25 wide
    # without the strata, the per-document form still weights each residual by its own pi
    assert np.mean(width_one) < 0.25


def test_the_table_path_uses_the_coded_sheets_strata():
    rng = np.random.default_rng(3)
    f, coded, y, pi, strata, _ = _unequal_pi_cell(rng)
    ids = np.array([f"d{i}" for i in range(len(f))])
    machine = pd.DataFrame({"reform": f}, index=ids)
    cells = pd.Series("2024", index=ids)
    sheet = pd.DataFrame({"doc_id": ids[coded], "theme": "reform",
                          "relevant": y[coded].astype(int), "pi": pi[coded],
                          "stratum": strata[coded]})
    with_strata = ct.corrected_shares(machine, cells, sheet).iloc[0]
    without = ct.corrected_shares(machine, cells, sheet.drop(columns="stratum")).iloc[0]
    e = corrected_mean(f, coded, y, pi, strata=strata)
    assert (with_strata["corrected_lo"], with_strata["corrected_hi"]) == pytest.approx((e.lo, e.hi))
    assert with_strata["corrected_hi"] - with_strata["corrected_lo"] < (
        without["corrected_hi"] - without["corrected_lo"])


def test_probabilities_work_as_the_machine_measure():
    f = np.linspace(0.05, 0.95, 40)
    coded = np.zeros(40, bool)
    coded[::2] = True
    y = np.where(coded, (np.arange(40) % 4 == 0).astype(float), np.nan)
    e = corrected_mean(f, coded, y, np.where(coded, 0.5, np.nan))
    psi = f.copy()
    psi[coded] += (y[coded] - f[coded]) / 0.5
    assert e.estimate == pytest.approx(np.clip(psi.mean(), 0, 1))
    assert e.lo <= e.estimate <= e.hi


def test_small_cells_and_uncoded_classes_are_not_estimable_with_the_reason():
    f = np.r_[np.ones(5), np.zeros(45)]
    coded = np.r_[np.zeros(5, bool), np.ones(12, bool), np.zeros(33, bool)]
    y = np.where(coded, 0.0, np.nan)
    pi = np.where(coded, 12 / 45, np.nan)
    e = corrected_mean(f, coded, y, pi)
    assert np.isnan(e.estimate) and "none of the cell's 5 machine positives" in e.note
    few = corrected_mean(f, coded & (np.arange(50) < 10), y, pi)
    assert np.isnan(few.estimate) and "5 coded article(s)" in few.note
    with pytest.raises(TrendError, match="pi in \\(0, 1\\]"):
        corrected_mean(f, coded, y, np.where(coded, 1.5, np.nan))


# ------------------------------------------------------------- theme_trends
@pytest.fixture(scope="module")
def planted():
    w = planted_measurement_error(n_per_cell=120, n_periods=6, random_state=3)
    sheet = sample_for_coding(w["articles"], w["scores"], 12 * 20, design="cells", freq="M",
                              by="source", random_state=0)
    coded = sheet[["doc_id", "pi"]].merge(w["truth"], on="doc_id")
    return w, sheet, coded


def test_theme_trends_adds_corrected_columns_beside_the_raw_share(planted):
    w, sheet, coded = planted
    tr = ct.theme_trends(w["scores"], w["articles"], freq="M", by="source", coded=coded,
                         n_boot=50)
    for col in ("share", "share_lo", "share_corrected", "corrected_lo", "corrected_hi",
                "n_coded", "correction", "corrected_note"):
        assert col in tr.columns
    assert (tr["n_coded"] == 20).all() and (tr["corrected_note"] == "").all()
    assert (tr["correction"] == CELL_METHOD).all()
    assert ((tr["corrected_lo"] <= tr["share_corrected"])
            & (tr["share_corrected"] <= tr["corrected_hi"])).all()
    m = tr.merge(w["cells"], on=["period", "source", "theme"])
    # the raw share is far below the truth (0.3); the corrected one is on it on average
    assert m["share"].mean() < 0.22 and abs(m["share_corrected"].mean() - 0.3) < 0.05
    covered = (m["corrected_lo"] <= m["true_share"]) & (m["true_share"] <= m["corrected_hi"])
    assert covered.sum() >= 9  # of 12 cells (90% intervals)
    assert tr.attrs["correction"]["coded_documents"] == len(sheet)
    # the same coded sample given as the filled sheet + key file
    plain = ct.theme_trends(w["scores"], w["articles"], freq="M", by="source", n_boot=50)
    assert "share_corrected" not in plain.columns
    pd.testing.assert_frame_equal(plain, tr[plain.columns], check_like=False)


def test_pooled_correction_only_on_request_and_says_its_assumption(planted):
    w, _, coded = planted
    tr = ct.theme_trends(w["scores"], w["articles"], freq="M", by="source", coded=coded,
                         pooled=True, n_boot=0)
    assert tr["correction"].str.contains(POOLED_ASSUMPTION, regex=False).all()
    assert tr.attrs["correction"]["assumption"] == POOLED_ASSUMPTION
    assert tr["share_corrected"].notna().all()


def test_a_probability_column_is_a_machine_measure(planted):
    w, _, coded = planted
    scores = w["scores"].assign(p_reform=np.where(w["scores"]["present"], 0.9, 0.1))
    tr = ct.theme_trends(scores, w["articles"], freq="M", coded=coded, measure="p_{theme}",
                         n_boot=0)
    assert tr["share_corrected"].between(0, 1).all()
    with pytest.raises(TrendError, match="measure='p_x'"):
        ct.theme_trends(scores, w["articles"], freq="M", coded=coded, measure="p_x")


def test_bad_coded_samples_are_errors_or_written_notes(planted):
    w, _, coded = planted
    arts, scores = w["articles"], w["scores"]
    run = dict(freq="M", by="source", n_boot=0)
    alien = pd.concat([coded, pd.DataFrame({"doc_id": ["nope"], "theme": ["reform"],
                                            "relevant": [1], "pi": [0.5]})])
    with pytest.raises(TrendError, match="1 coded doc_id\\(s\\) are not in the articles table"):
        ct.theme_trends(scores, arts, coded=alien, **run)
    with pytest.raises(TrendError, match="pi must be a number in \\(0, 1\\]"):
        ct.theme_trends(scores, arts, coded=coded.assign(pi=0.0), **run)
    with pytest.raises(TrendError, match="inclusion probability 1.5"):
        ct.theme_trends(scores, arts, coded=coded.assign(pi=1.5), **run)
    with pytest.raises(TrendError, match="no inclusion probability: give a pi column"):
        ct.theme_trends(scores, arts, coded=coded.drop(columns="pi"), **run)
    one_missing = coded.assign(pi=coded["pi"].where(coded.index != 3))
    with pytest.raises(TrendError, match=f"doc_id {coded['doc_id'].iloc[3]!r} has inclusion"):
        ct.theme_trends(scores, arts, coded=one_missing, **run)
    with pytest.raises(TrendError, match="theme\\(s\\) \\['satisfaction'\\] are coded but not"):
        ct.theme_trends(scores, arts, coded=coded.assign(theme="satisfaction"), **run)
    # a scored theme coded for none of the documents: a warning and the reason in every row
    two = pd.concat([scores, scores.assign(theme="conduct")])
    with pytest.warns(CivictextWarning, match="coded for none of the documents"):
        tr = ct.theme_trends(two, arts, coded=coded, **run)
    con = tr[tr["theme"] == "conduct"]
    assert con["share_corrected"].isna().all()
    assert con["corrected_note"].str.contains("coded for none").all()
    # too few coded per cell: not estimable, with the reason (never a silent NaN)
    tr = ct.theme_trends(scores, arts, coded=coded, min_coded=25, **run)
    assert tr["share_corrected"].isna().all()
    assert tr["corrected_note"].str.contains("fewer than min_coded=25").all()


def test_coded_near_duplicates_are_left_out_with_a_warning(planted):
    w, _, coded = planted
    arts = w["articles"]
    gone = coded["doc_id"].iloc[0]
    kept = arts[arts["doc_id"] != gone].reset_index(drop=True)
    kept.attrs["near_duplicates"] = pd.DataFrame(
        {"doc_id": [gone, arts["doc_id"].iloc[-1]], "is_representative": [False, True]})
    with pytest.warns(CivictextWarning, match="1 coded document\\(s\\) were dropped as near"):
        tr = ct.theme_trends(w["scores"], kept, freq="M", by="source", coded=coded, n_boot=0)
    assert tr.attrs["correction"]["coded_dropped_as_duplicates"] == 1
    assert tr["n_coded"].sum() == len(coded) - 1



def test_a_run_tells_coded_near_duplicates_from_ids_not_in_the_corpus(tmp_path):
    """run --coded: a coded document that the run dropped as a near-duplicate is left
    out with the warning, not refused as an id of another corpus."""
    import json

    from civictext.pipeline import RunConfig, TopicSpec, TrendSpec, run

    body = ("Phường tổ chức tiếp nhận hồ sơ trực tuyến, cán bộ bộ phận một cửa hướng dẫn "
            "người dân từng bước, thời gian giải quyết thủ tục rút ngắn một nửa. ") * 6
    rows = [{"id": "a", "title": "Phường rút ngắn thủ tục", "text": body,
             "published": "2024-03-02"},
            {"id": "a-copy", "title": "Phường rút ngắn thủ tục", "text": body + " Hết.",
             "published": "2024-03-03"},
            {"id": "b", "title": "Giải bóng đá thiếu nhi", "text": "Các đội thi đấu sôi nổi. " * 20,
             "published": "2024-03-04"}]
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                      encoding="utf-8")
    coded = pd.DataFrame({"doc_id": ["a", "a-copy", "b"], "theme": "reform",
                          "relevant": [1, 1, 0], "pi": 1.0})
    config = RunConfig(corpus=corpus, presence="focus", topics=TopicSpec(enabled=False),
                       trends=TrendSpec(by=None, freq="M", n_boot=0, coded=coded), n_jobs=1)
    with pytest.warns(CivictextWarning, match="1 coded document\\(s\\) were dropped as near"):
        result = run(config)
    assert result.n_duplicates_dropped == 1
    assert result.trends.attrs["correction"]["coded_dropped_as_duplicates"] == 1
    assert "text" in result.kept_table.columns  # a theme model's training-record check reads it


# ------------------------------------------------------------- CLI, figures
MINI = Path(__file__).resolve().parent / "data" / "mini_corpus"


@pytest.fixture(scope="module")
def mini_coded(tmp_path_factory):
    """Every mini-corpus document coded (pi = 1): the corrected share is the coded truth."""
    arts = ct.read_corpus(MINI)
    d = tmp_path_factory.mktemp("coded")
    rel = [int(i % 3 == 0) for i in range(len(arts))]
    coded = pd.DataFrame({"doc_id": arts["doc_id"], "theme": "reform", "relevant": rel,
                          "pi": 1.0})
    coded.to_csv(d / "coded.csv", index=False)
    from civictext.trends.shares import assign_periods
    dated = assign_periods(arts, "Y")["period"].notna().to_numpy()
    return d / "coded.csv", float(np.mean(np.array(rel)[dated])), arts


def test_cli_trends_writes_raw_and_corrected_columns(mini_coded, tmp_path):
    from civictext.cli import main

    path, truth, _ = mini_coded
    out = tmp_path / "trends.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CivictextWarning)  # conduct/satisfaction not coded
        assert main(["trends", str(MINI), "--out", str(out), "--freq", "Y", "--coded", str(path),
                     "--quiet", "--n-boot", "20"]) == 0
    tr = pd.read_csv(out, keep_default_na=False)
    reform = tr[tr["theme"] == "reform"].iloc[0]
    assert float(reform["share_corrected"]) == pytest.approx(truth)  # all coded: the truth
    assert "share" in tr.columns and int(reform["n_coded"]) == reform["n_articles"]
    other = tr[tr["theme"] != "reform"]
    assert (other["corrected_note"].str.contains("coded for none")).all()


def test_cli_figures_draw_the_corrected_share_and_record_the_sample(mini_coded, tmp_path,
                                                                    capsys):
    import json

    from civictext._io import sha256_file
    from civictext.cli import main

    path, _, _ = mini_coded
    out = tmp_path / "fig"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CivictextWarning)
        assert main(["figures", "--corpus", str(MINI), "--out", str(out), "--freq", "Y",
                     "--coded", str(path), "--quiet"]) == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    rec = manifest["coded_sample"]
    assert rec["sha256"] == sha256_file(path) and rec["documents"] == 14
    fig = [r for r in manifest["figures"] if r["name"] == "corrected_theme_share_by_year"]
    assert fig and (out / fig[0]["png"]).is_file()
    assert "14 coded documents" in fig[0]["caption"] and "Egami" in fig[0]["caption"]
    # a coded id that is not in the corpus: one line, exit 2, no traceback
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"doc_id": ["nope"], "theme": ["reform"], "relevant": [1],
                  "pi": [1.0]}).to_csv(bad, index=False)
    assert main(["trends", str(MINI), "--out", str(tmp_path / "t.csv"), "--freq", "Y",
                 "--coded", str(bad), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not in the articles table" in err[0]
    assert main(["trends", str(MINI), "--out", str(tmp_path / "t.csv"), "--pooled-correction",
                 "--quiet"]) == 2


# ------------------------------------------------------------- pooled assumption
def _pooled_world(rng, recalls, k, n=200, p=0.3):
    """Cells with the given recalls, k positives + k negatives coded in each (design
    'cells'): stacked (f, coded, y, pi, cell)."""
    parts = [(*_cell(rng, n, p, r, 0.03, k, k), np.full(n, c)) for c, r in enumerate(recalls)]
    return [np.concatenate(x) for x in zip(*parts)]


def test_the_pooled_assumption_test_has_its_size_and_catches_drifting_error_rates():
    """Equal error rates in 12 cells: rejected in about 5% of replications (Bonferroni
    over the two classes); recall drifting 0.95 -> 0.2 with 20 coded per class and
    cell: mostly rejected (with 10 the power is about one half: RESULTS.md)."""
    from civictext.trends.correction import heterogeneity_note, pooled_residuals

    rng = np.random.default_rng(3)
    flat, drift = [], []
    for _ in range(120):
        for out, recalls in ((flat, [0.6] * 12), (drift, np.linspace(0.95, 0.2, 12))):
            f, coded, y, pi, cell = _pooled_world(rng, recalls, 20)
            note = heterogeneity_note(pooled_residuals(f, coded, y, pi, cells=cell))
            out.append(note.startswith("pooled assumption rejected"))
    assert 0.01 <= np.mean(flat) <= 0.11, np.mean(flat)
    assert np.mean(drift) > 0.6, np.mean(drift)


def test_pooled_intervals_add_the_between_cell_variance_and_say_so(planted):
    """Recall drifting from 0.8 to 0.4 (the planted world): the pooled assumption is
    false; its test rejects, theme_trends warns, the note and attrs say so, and the
    intervals are wider than without the between-cell variance (coverage of pooled
    vs per-cell intervals: benchmarks/corrected_shares_sim.py)."""
    from civictext.trends.correction import ClassRate, pooled_corrected_mean

    w = planted_measurement_error(n_per_cell=200, n_periods=12, recall=(0.95, 0.2),
                                  random_state=4)
    sheet = sample_for_coding(w["articles"], w["scores"], 24 * 40, design="cells", freq="M",
                              by="source", random_state=1)
    coded = sheet[["doc_id", "pi"]].merge(w["truth"], on="doc_id")
    run = dict(freq="M", by="source", n_boot=0, coded=coded)
    with pytest.warns(CivictextWarning, match="error rates differ across cells"):
        pooled = ct.theme_trends(w["scores"], w["articles"], pooled=True, **run)
    test = pooled.attrs["correction"]["pooled_test"]["reform"]
    assert test["rejected"] and test["neg"]["tau2"] > 0
    assert pooled["corrected_note"].str.startswith("pooled assumption rejected").all()
    assert pooled["share_corrected"].notna().all()
    rates = {k: ClassRate(**{f: test[k][f] for f in ("mean", "var", "n_coded")})
             for k in ("pos", "neg")}
    f0 = w["scores"]["present"].to_numpy(float)[:200]
    assert (pooled_corrected_mean(f0, rates).se
            < pooled["corrected_se"].iloc[0])  # without tau2: narrower


# ------------------------------------------------------------- per-outlet figure
@pytest.fixture(scope="module")
def two_theme_trends(planted):
    """Corrected trends by outlet for two themes (the second a copy of the first)."""
    w, _, coded = planted
    scores = pd.concat([w["scores"], w["scores"].assign(theme="conduct")])
    coded2 = pd.concat([coded, coded.assign(theme="conduct")])
    return ct.theme_trends(scores, w["articles"], freq="M", by="source", coded=coded2,
                           n_boot=0), scores, coded2, w


def test_per_outlet_corrected_plot_colours_legend_and_title(two_theme_trends):
    import matplotlib
    matplotlib.use("Agg")
    from test_plots import _overlap

    from civictext.viz import plots

    tr, *_ = two_theme_trends
    fig = plots.plot_corrected_shares_by_group(tr, measure="focus")
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == 2  # SYNTHETIC-A, SYNTHETIC-B
    solid = [ln for ln in panels[0].get_lines() if not ln.get_label().startswith("_")]
    assert len({ln.get_color() for ln in solid}) == len(solid) == 2
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[-2:] == ["corrected, with interval", "machine measure (uncorrected)"]
    title = fig._suptitle.get_text()
    assert "focus rule" in title and "corrected" in title and "per source" in title
    fig.canvas.draw()
    legend = fig.legends[0].get_window_extent()
    for ax in panels:
        assert _overlap(legend, ax.get_window_extent()) == 0  # above the panels
    assert "20 coded" in panels[0].get_title() or "120 coded" in panels[0].get_title()
    ax = plots.plot_corrected_shares(tr[tr["source"] == "SYNTHETIC-A"], measure="mention")
    assert "mentioned" in ax.get_title() and "corrected" in ax.get_title()
    fig = ax.figure
    fig.canvas.draw()
    assert _overlap(ax.get_legend().get_window_extent(), ax.get_window_extent()) == 0
    bare = tr.copy()
    bare.attrs = {}
    with pytest.raises(TrendError, match="pass by="):
        plots.plot_corrected_shares_by_group(bare)


def test_per_outlet_corrected_figure_is_written_with_an_honest_caption(two_theme_trends,
                                                                        tmp_path):
    import matplotlib
    matplotlib.use("Agg")

    from civictext.viz.figures import corrected_theme_share_by_outlet, figures_from_tables

    tr, scores, coded2, w = two_theme_trends
    rec = corrected_theme_share_by_outlet(tr, tmp_path, presence="focus")
    assert (tmp_path / rec["png"]).is_file() and (tmp_path / rec["svg"]).is_file()
    table = pd.read_csv(tmp_path / rec["csv"], keep_default_na=False)
    assert {"source", "share_corrected", "corrected_lo", "n_coded"} <= set(table.columns)
    assert len(table) == len(tr)
    cap = rec["caption"]
    assert "20 per 'source' and month" in cap  # n coded per cell
    assert "each source and period corrected with its own coded documents" in cap
    assert "Egami" in cap and "Jeffreys" in cap
    assert rec["correction"]["coded_documents"] == coded2["doc_id"].nunique()
    # figures_from_tables draws it when a coded sample and a by column are given
    recs = figures_from_tables(w["articles"], scores, tmp_path / "all", n_boot=0, freq="M",
                               by="source", coded=coded2, pooled=True)
    names = [r["name"] for r in recs]
    assert "corrected_theme_share_by_outlet" in names and "corrected_theme_share_by_month" in names
    pooled = next(r for r in recs if r["name"] == "corrected_theme_share_by_outlet")
    assert "pooled across cells" in pooled["caption"] and "pooled assumption" in pooled["caption"]
    assert "reform" in pooled["correction"]["pooled_test"]
    assert "corrected_theme_share_by_outlet" not in [
        r["name"] for r in figures_from_tables(w["articles"], scores, tmp_path / "no", n_boot=0,
                                               freq="M", by="source")]


def test_one_lone_stratum_does_not_pool_the_whole_class():
    """A stratum with one coded document joins the most similar stratum, not every
    stratum of its class: a rarely sampled stratum with no relevant document coded
    (a corpus's random stratum) keeps its Jeffreys width, so adding one document of
    a new stratum cannot shrink the interval tenfold (it did when the class was pooled)."""
    n = 20000
    f = np.zeros(n)
    coded = np.zeros(n, bool)
    y = np.full(n, np.nan)
    pi = np.full(n, np.nan)
    strata = np.array(["-"] * n, dtype=object)
    coded[:30], y[:30], pi[:30], strata[:30] = True, 0.0, 0.0015, "random"  # none relevant
    coded[30:50], y[30:50], pi[30:50], strata[30:50] = True, np.r_[np.ones(5), np.zeros(15)], 0.2, "keyword"
    base = corrected_mean(f, coded, y, pi, strata=strata)
    coded[50], y[50], pi[50], strata[50] = True, 1.0, 0.25, "new-phase"  # one document
    more = corrected_mean(f, coded, y, pi, strata=strata)
    assert base.hi - base.lo > 0.05  # the random stratum's width: 0 of 30 coded relevant
    assert more.hi - more.lo > 0.8 * (base.hi - base.lo)
    assert more.estimate > base.estimate
