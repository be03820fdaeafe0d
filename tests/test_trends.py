"""Tests for civictext.trends.shares: shares by hand, empty periods, date precision,
bootstrap reproducibility, smoothing without leakage, and the planted-trend check."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civictext.errors import CivictextError, CivictextWarning
from civictext.ingest.synthetic import planted_keyword_scores, planted_trend_corpus
from civictext.trends.shares import (
    assign_periods,
    choose_freq,
    compare_periods,
    corpus_volume,
    theme_cooccurrence,
    theme_trends,
    top_terms_by_theme,
    topic_trends,
)

THEMES = ("conduct", "reform", "satisfaction")


def _articles(rows):
    """rows: (doc_id, published, precision, source)."""
    return pd.DataFrame(rows, columns=["doc_id", "published", "date_precision", "source"])


def _scores(present: dict[str, set[str]], doc_ids, per_1k=None):
    per_1k = per_1k or {}
    out = []
    for d in doc_ids:
        for t in THEMES:
            p = d in present.get(t, set())
            out.append({"doc_id": d, "theme": t, "hits": int(p), "present": p,
                        "per_1k": per_1k.get((d, t), 5.0 if p else 0.0), "n_tokens": 200})
    return pd.DataFrame(out)


@pytest.fixture
def tiny():
    """Seven articles: Jan 2024 (3), Mar 2024 (2), one year-only 2024, one undated."""
    arts = _articles([
        ("a1", "2024-01-03", "day", "Báo A"),
        ("a2", "2024-01-15T08:30", "day", "Báo B"),
        ("a3", "2024-01", "month", "Báo A"),
        ("a4", "2024-03-09", "day", "Báo A"),
        ("a5", "2024-03-20", "day", "Báo B"),
        ("y1", "2024", "year", "Báo A"),
        ("u1", "", "unknown", "Báo B"),
    ])
    present = {"reform": {"a1", "a3", "a4", "y1"}, "conduct": {"a2"}, "satisfaction": set()}
    per_1k = {("a1", "reform"): 2.0, ("a3", "reform"): 4.0, ("a4", "reform"): 6.0}
    return arts, _scores(present, arts["doc_id"], per_1k)


def _row(t, period, theme, **kw):
    sel = (t["period"] == period) & (t["theme"] == theme)
    for k, v in kw.items():
        sel &= t[k] == v
    assert sel.sum() == 1, (period, theme, kw)
    return t[sel].iloc[0]


# ------------------------------------------------------------- by hand
def test_shares_by_hand_monthly(tiny):
    arts, scores = tiny
    t = theme_trends(scores, arts, freq="M", n_boot=200)
    assert list(t["period"].unique()) == ["2024-01", "2024-02", "2024-03"]
    jan = _row(t, "2024-01", "reform")
    assert (jan.n_articles, jan.n_present) == (3, 2)
    assert jan.share == pytest.approx(2 / 3)
    assert jan.mean_per_1k == pytest.approx((2.0 + 0 + 4.0) / 3)
    mar = _row(t, "2024-03", "reform")
    assert (mar.n_articles, mar.n_present, mar.share) == (2, 1, 0.5)
    assert mar.mean_per_1k == pytest.approx(3.0)
    assert _row(t, "2024-01", "conduct").share == pytest.approx(1 / 3)
    assert _row(t, "2024-03", "satisfaction").share == 0.0
    assert t["period_start"].iloc[0] == pd.Timestamp("2024-01-01")
    assert list(t.columns[:3]) == ["period", "period_start", "theme"]


def test_empty_periods_are_kept_not_dropped(tiny):
    arts, scores = tiny
    t = theme_trends(scores, arts, freq="M", n_boot=50)
    feb = t[t["period"] == "2024-02"]
    assert len(feb) == 3  # one row per theme
    assert (feb["n_articles"] == 0).all() and (feb["n_present"] == 0).all()
    assert feb["share"].isna().all() and feb["share_lo"].isna().all()
    assert feb["low_n"].all()


def test_year_precision_not_smeared_into_january(tiny):
    arts, scores = tiny
    m = theme_trends(scores, arts, freq="M", n_boot=0)
    # y1 is reform-present and dated 2024 only: January stays 3 articles, 2 present
    assert _row(m, "2024-01", "reform").n_articles == 3
    assert m.attrs["excluded"] == {"unknown": 1, "year": 1}
    q = theme_trends(scores, arts, freq="Q", n_boot=0)
    assert _row(q, "2024Q1", "reform").n_articles == 5
    assert q.attrs["excluded"] == {"unknown": 1, "year": 1}
    y = theme_trends(scores, arts, freq="Y", n_boot=0)
    r = _row(y, "2024", "reform")
    assert (r.n_articles, r.n_present) == (6, 4)
    assert y.attrs["excluded"] == {"unknown": 1}


def test_padded_date_with_year_precision_is_still_year_only():
    arts = _articles([("p", "2019-01-01", "year", "X"), ("q", "2019-01-20", "day", "X")])
    a = assign_periods(arts, "M")
    assert a["period"].tolist() == [None, "2019-01"]
    assert a["excluded"].tolist() == ["year", ""]


def _old_assign_periods(articles, freq):
    """assign_periods as it was before the distinct pairs: a loop over the articles."""
    import warnings

    from civictext.trends.shares import _place

    pub = articles["published"].astype("object").where(articles["published"].notna(), "")
    pub = pub.astype(str).str.strip().tolist()
    if "date_precision" in articles.columns:
        stated = articles["date_precision"].astype("object").where(
            articles["date_precision"].notna(), "unknown").astype(str).tolist()
    else:
        stated = ["day"] * len(articles)
    precisions, periods, reasons = [], [], []
    for value, said in zip(pub, stated):
        prec, period = _place(value, said, freq)
        precisions.append(prec)
        periods.append(period)
        reasons.append("" if period is not None else prec)
    bad = [d for d, p in zip(articles["doc_id"], precisions) if p == "unparseable"]
    if bad:
        warnings.warn(f"{len(bad)} article(s) have a published value that is not an ISO date "
                      f"(e.g. doc_id {bad[0]!r}); they are excluded from trends. Fix the "
                      f"'published' column (ISO 8601 at its precision: 2019, 2019-05, 2019-05-12)",
                      CivictextWarning, stacklevel=2)
    return pd.DataFrame({"doc_id": articles["doc_id"].to_numpy(), "precision": precisions,
                         "period": pd.Series(periods, dtype="object"),
                         "excluded": reasons})


def test_periods_from_the_distinct_dates_are_the_per_article_loops():
    """assign_periods places each distinct (published, date_precision) pair once and
    maps it back: the same table (values, dtypes, CSV bytes) and the same warning as
    the old loop over every article, on values that differ only by spaces, missing
    values, numbers whose str differs though they compare equal (2019 and 2019.0),
    unknown precisions, unparseable dates, no date_precision column, a str column
    and an empty table."""
    import warnings

    published = ["2019-05-12", " 2019-05-12", "2019-05-12 ", None, "", "2019", 2019, 2019.0,
                 True, "2019-13-45", "2019-05", "2019-05-12", np.nan, "2020-02-29T10:00",
                 "2021-02-29", "  ", "2019-05-12"]
    said = ["day", "day", "month", "day", None, "year", "year", "year", "day", "day", "month",
            "week", "day", np.nan, "day", "day", "year"]
    n = len(published)
    tables = {
        "object": pd.DataFrame({"doc_id": [f"d{i}" for i in range(n)],
                                "published": pd.Series(published, dtype=object),
                                "date_precision": pd.Series(said, dtype=object)}),
    }
    strs = [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
            for v in published]
    tables["str"] = pd.DataFrame({"doc_id": pd.Series([f"d{i}" for i in range(n)], dtype=str),
                                  "published": pd.Series(strs, dtype="str"),
                                  "date_precision": pd.Series(said, dtype="str")})
    tables["string"] = tables["str"].astype({"published": "string"})
    tables["no precision"] = tables["object"].drop(columns="date_precision")
    tables["int ids"] = tables["object"].assign(doc_id=np.arange(n) * 7)
    tables["empty"] = tables["str"].iloc[:0]
    for name, arts in tables.items():
        for freq in ("M", "Q", "Y"):
            with warnings.catch_warnings(record=True) as old_w:
                warnings.simplefilter("always")
                want = _old_assign_periods(arts, freq)
            with warnings.catch_warnings(record=True) as new_w:
                warnings.simplefilter("always")
                got = assign_periods(arts, freq)
            pd.testing.assert_frame_equal(got, want, check_exact=True, obj=f"{name} {freq}")
            assert got.to_csv(index=False) == want.to_csv(index=False)
            assert [str(w.message) for w in new_w] == [str(w.message) for w in old_w]
    with pytest.warns(CivictextWarning, match="3 article"):
        assert "unparseable" in set(assign_periods(tables["object"], "M")["precision"])


def test_unparseable_date_warns_and_is_excluded():
    arts = _articles([("p", "2019-13-45", "day", "X"), ("q", "2019-01-20", "day", "X")])
    with pytest.warns(CivictextWarning, match="not an ISO date"):
        t = theme_trends(_scores({}, ["p", "q"]), arts, freq="M", n_boot=0)
    assert t.attrs["excluded"] == {"unparseable": 1}


def test_by_group_gets_every_period(tiny):
    arts, scores = tiny
    t = theme_trends(scores, arts, freq="M", by="source", n_boot=50)
    assert set(t["source"]) == {"Báo A", "Báo B"}
    for src, g in t.groupby("source"):
        assert list(g["period"].unique()) == ["2024-01", "2024-02", "2024-03"]
    b = _row(t, "2024-01", "conduct", source="Báo B")
    assert (b.n_articles, b.n_present, b.share) == (1, 1, 1.0)
    a = _row(t, "2024-03", "reform", source="Báo A")
    assert (a.n_articles, a.n_present) == (1, 1)


# ----------------------------------------------------------- bootstrap
def _random_corpus(n=200, seed=1):
    rng = np.random.default_rng(seed)
    days = pd.date_range("2022-01-01", "2022-12-31")
    arts = _articles([(f"d{i}", str(days[rng.integers(0, len(days))].date()), "day",
                       "Báo A" if rng.random() < 0.5 else "Báo B") for i in range(n)])
    present = {t: {d for d in arts["doc_id"] if rng.random() < p}
               for t, p in zip(THEMES, (0.2, 0.5, 0.05))}
    return arts, _scores(present, arts["doc_id"])


def test_bootstrap_reproducible_and_contains_estimate():
    arts, scores = _random_corpus()
    t1 = theme_trends(scores, arts, freq="Q", n_boot=300, random_state=7)
    t2 = theme_trends(scores, arts, freq="Q", n_boot=300, random_state=7)
    pd.testing.assert_frame_equal(t1, t2)
    t3 = theme_trends(scores, arts, freq="Q", n_boot=300, random_state=8)
    assert not np.allclose(t1["share_lo"], t3["share_lo"])
    ok = t1["n_articles"] >= 2
    assert ((t1.loc[ok, "share_lo"] <= t1.loc[ok, "share"])
            & (t1.loc[ok, "share"] <= t1.loc[ok, "share_hi"])).all()
    assert ((t1.loc[ok, "per_1k_lo"] <= t1.loc[ok, "mean_per_1k"])
            & (t1.loc[ok, "mean_per_1k"] <= t1.loc[ok, "per_1k_hi"])).all()
    # a real interval, not a point, where the share is strictly between 0 and 1
    mid = ok & t1["share"].between(0.01, 0.99)
    assert (t1.loc[mid, "share_hi"] > t1.loc[mid, "share_lo"]).all()


def test_bootstrap_width_follows_level_and_n():
    arts, scores = _random_corpus(400)
    w = {lv: theme_trends(scores, arts, freq="Y", level=lv, n_boot=2000)
         .set_index("theme") for lv in (0.5, 0.95)}
    r = w[0.95].loc["reform"]
    assert (r.share_hi - r.share_lo) > (w[0.5].loc["reform"].share_hi
                                        - w[0.5].loc["reform"].share_lo)
    # 95% interval close to the normal approximation for a binomial share
    se = np.sqrt(r.share * (1 - r.share) / r.n_articles)
    assert (r.share_hi - r.share_lo) == pytest.approx(2 * 1.96 * se, rel=0.15)


def test_interval_of_one_period_does_not_depend_on_other_periods():
    arts, scores = _random_corpus()
    t_all = theme_trends(scores, arts, freq="M", n_boot=200)
    keep = arts["published"] < "2022-07"
    t_half = theme_trends(scores, arts[keep], freq="M", n_boot=200)
    a = t_all[t_all["period"] <= "2022-06"].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, t_half.reset_index(drop=True))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 11), st.booleans()), min_size=1, max_size=40))
def test_counts_add_up_and_shares_are_fractions(items):
    arts = _articles([(f"d{i}", f"2021-{m + 1:02d}-10", "day", "X")
                      for i, (m, _) in enumerate(items)])
    present = {"reform": {f"d{i}" for i, (_, p) in enumerate(items) if p}}
    t = theme_trends(_scores(present, arts["doc_id"]), arts, freq="M", n_boot=20)
    r = t[t["theme"] == "reform"]
    assert r["n_articles"].sum() == len(items)
    assert r["n_present"].sum() == sum(p for _, p in items)
    filled = r[r["n_articles"] > 0]
    assert np.allclose(filled["share"], filled["n_present"] / filled["n_articles"])
    assert len(r) == max(m for m, _ in items) - min(m for m, _ in items) + 1


# ---------------------------------------------------------- smoothing
def test_smoothing_is_backward_only():
    arts, scores = _random_corpus(300)
    base = theme_trends(scores, arts, freq="M", n_boot=100, smooth=3)
    # change the future: all articles after June get every theme present
    late = set(arts.loc[arts["published"] >= "2022-07", "doc_id"])
    changed = scores.copy()
    changed.loc[changed["doc_id"].isin(late), "present"] = True
    alt = theme_trends(changed, arts, freq="M", n_boot=100, smooth=3)
    cols = ["share_smooth", "share_smooth_lo", "share_smooth_hi", "mean_per_1k_smooth"]
    early = base["period"] <= "2022-06"
    pd.testing.assert_frame_equal(base.loc[early, cols], alt.loc[early, cols])
    assert not base.loc[~early, "share_smooth"].equals(alt.loc[~early, "share_smooth"])


def test_smoothing_pools_the_trailing_window(tiny):
    arts, scores = tiny
    t = theme_trends(scores, arts, freq="M", n_boot=50, smooth=2)
    mar = _row(t, "2024-03", "reform")  # window Feb+Mar: 2 articles, 1 present
    assert (mar.n_articles_window, mar.share_smooth) == (2, 0.5)
    jan = _row(t, "2024-01", "reform")  # first period: shorter window
    assert (jan.n_articles_window, jan.share_smooth) == (3, pytest.approx(2 / 3))
    t3 = theme_trends(scores, arts, freq="M", n_boot=50, smooth=3)
    assert _row(t3, "2024-03", "reform").share_smooth == pytest.approx(3 / 5)


# ---------------------------------------------------------- compare
def test_compare_periods_difference_and_interval():
    arts, scores = _random_corpus(400)
    sc = scores.copy()
    h2 = set(arts.loc[arts["published"] >= "2022-07", "doc_id"])
    sc.loc[(sc["theme"] == "satisfaction") & sc["doc_id"].isin(h2), "present"] = True
    c = compare_periods(sc, arts, "2022Q1", "2022Q4", n_boot=500)
    s = c.set_index("theme").loc["satisfaction"]
    assert s.share_b == 1.0 and s.share_diff == pytest.approx(s.share_b - s.share_a)
    assert s.diff_lo <= s.share_diff <= s.diff_hi and s.excludes_zero
    again = compare_periods(sc, arts, "2022Q1", "2022Q4", n_boot=500)
    pd.testing.assert_frame_equal(c, again)


def test_compare_periods_rejects_mixed_labels(tiny):
    arts, scores = tiny
    with pytest.raises(CivictextError, match="different lengths"):
        compare_periods(scores, arts, "2024", "2024-03")
    with pytest.raises(CivictextError, match="not a period label"):
        compare_periods(scores, arts, "Jan 2024", "2024-03")


# ---------------------------------------------------------- topics
def test_topic_trends_means_by_hand(tiny):
    arts, _ = tiny
    dt = pd.DataFrame({"doc_id": ["a1", "a1", "a2", "a3", "a4", "a5"],
                       "topic": [0, 1, 1, 0, 0, 1],
                       "weight": [0.4, 0.6, 1.0, 1.0, 1.0, 1.0]})
    t = topic_trends(dt, arts, freq="M", n_boot=100)
    jan = t[(t["period"] == "2024-01")].set_index("topic")
    assert jan.loc[0, "mean_weight"] == pytest.approx((0.4 + 0 + 1.0) / 3)
    assert jan.loc[1, "mean_weight"] == pytest.approx((0.6 + 1.0 + 0) / 3)
    assert (t[t["period"] == "2024-02"]["n_articles"] == 0).all()
    assert t.attrs["excluded"] == {"no_topic_weights": 2}  # y1 and u1 have no weights
    assert "mean_weight" in t and "weight_lo" in t and "low_n" in t


def test_topic_trends_accepts_a_model_object(tiny):
    arts, _ = tiny

    class Model:
        doc_topics = pd.DataFrame({"doc_id": ["a1", "a4"], "topic": [3, 3], "weight": [1.0, 1.0]})

    t = topic_trends(Model(), arts, freq="Y", n_boot=0)
    assert t["topic"].tolist() == [3] and t["n_articles"].tolist() == [2]


# ---------------------------------------------------------- errors
def test_errors_name_the_parameter(tiny):
    arts, scores = tiny
    with pytest.raises(CivictextError, match="freq must be one of"):
        theme_trends(scores, arts, freq="W")
    with pytest.raises(CivictextError, match="level must be"):
        theme_trends(scores, arts, level=90)
    with pytest.raises(CivictextError, match="by='outlet'.*does not have"):
        theme_trends(scores, arts, by="outlet")
    with pytest.raises(CivictextError, match="scores lacks column.*'present'"):
        theme_trends(scores.drop(columns="present"), arts)
    with pytest.raises(CivictextError, match="no rows for 1 of the 7 articles"):
        theme_trends(scores[scores["doc_id"] != "a1"], arts)
    with pytest.raises(CivictextError, match="duplicate doc_id"):
        theme_trends(scores, pd.concat([arts, arts.iloc[:1]]))
    with pytest.raises(CivictextError, match="smooth must be"):
        theme_trends(scores, arts, smooth=0)


def test_inputs_not_mutated(tiny):
    arts, scores = tiny
    a0, s0 = arts.copy(), scores.copy()
    theme_trends(scores, arts, freq="M", by="source", n_boot=20, smooth=2)
    pd.testing.assert_frame_equal(arts, a0)
    pd.testing.assert_frame_equal(scores, s0)


def test_no_dated_articles_gives_empty_table_with_counts():
    arts = _articles([("u1", "", "unknown", "X"), ("u2", "", "unknown", "X")])
    t = theme_trends(_scores({}, ["u1", "u2"]), arts, freq="Y")
    assert len(t) == 0 and "share_lo" in t.columns
    assert t.attrs["excluded"] == {"unknown": 2}


# --------------------------------------------------- helpers for the plots
def test_volume_cooccurrence_top_terms_choose_freq(tiny):
    arts, scores = tiny
    v = corpus_volume(arts, freq="M")
    assert v["n_articles"].tolist() == [3, 0, 2]
    assert v.attrs["excluded"] == {"unknown": 1, "year": 1}
    co = theme_cooccurrence(scores)
    assert co.loc["reform", "reform"] == 4 and co.loc["reform", "conduct"] == 0
    assert (co.to_numpy() == co.to_numpy().T).all()
    ev = pd.DataFrame({"doc_id": ["a1", "a1", "a3", "a4"], "theme": "reform",
                       "term": ["một cửa", "một cửa", "cải cách hành chính", "một cửa"]})
    tt = top_terms_by_theme(ev, n=1)
    assert tt[["term", "n_hits", "n_docs"]].values.tolist() == [["một cửa", 3, 2]]
    assert choose_freq(arts) == "Q"  # 5 of 6 dated to the month, 5 in one quarter
    assert choose_freq(arts.iloc[[0, 3, 5, 6]]) == "Y"  # too few per quarter
    assert choose_freq(_articles([("y", "2019", "year", "X"), ("u", "", "unknown", "X")])) == "Y"
    big = _random_corpus(400)[0]
    assert choose_freq(big) == "M"


# ------------------------------------------------ planted-trend check
def test_planted_corpus_is_labelled_synthetic_and_truthful():
    periods = [f"2021-{m:02d}" for m in range(1, 7)]
    arts, truth = planted_trend_corpus({"conduct": [0.3] * 6, "satisfaction": [0.0] * 6},
                                       periods, [10, 0, 10, 10, 10, 10], random_state=5,
                                       year_only_share=0.2)
    assert arts["synthetic"].all() and arts["source"].str.startswith("SYNTHETIC").all()
    assert len(arts) == 50 and len(truth) == 12
    sc = planted_keyword_scores(arts)
    got = sc[sc["present"]].groupby("doc_id")["theme"].apply(lambda s: ";".join(sorted(s)))
    want = arts.set_index("doc_id")["planted_themes"]
    assert got.reindex(want.index, fill_value="").tolist() == want.tolist()  # keywords = truth
    again, _ = planted_trend_corpus({"conduct": [0.3] * 6, "satisfaction": [0.0] * 6},
                                    periods, [10, 0, 10, 10, 10, 10], random_state=5,
                                    year_only_share=0.2)
    pd.testing.assert_frame_equal(arts, again)
    t = theme_trends(sc, arts, freq="M", n_boot=0)
    assert (t[t["period"] == "2021-02"]["n_articles"] == 0).all()
    assert t.attrs["excluded"]["year"] == (arts["date_precision"] == "year").sum() > 0


def test_planted_trend_is_recovered_with_calibrated_intervals():
    n_periods = 24
    planted = {"satisfaction": np.linspace(0.1, 0.7, n_periods),  # rising
               "conduct": np.full(n_periods, 0.3),                 # flat
               "reform": np.linspace(0.5, 0.15, n_periods)}        # falling
    periods = [str(p) for p in pd.period_range("2020-01", periods=n_periods, freq="M")]
    arts, truth = planted_trend_corpus(planted, periods, 80, random_state=11)
    t = theme_trends(planted_keyword_scores(arts), arts, freq="M", n_boot=400, random_state=0)
    merged = t.merge(truth[["period", "theme", "planted_share"]], on=["period", "theme"])
    assert len(merged) == 3 * n_periods
    err = (merged["share"] - merged["planted_share"]).abs()
    assert err.mean() < 0.08  # sampling error alone is ~0.04 at 80 articles a month
    for theme in ("satisfaction", "reform"):
        m = merged[merged["theme"] == theme]
        assert np.corrcoef(m["share"], m["planted_share"])[0, 1] > 0.85, theme
    flat = merged[merged["theme"] == "conduct"]
    assert abs(np.polyfit(np.arange(n_periods), flat["share"], 1)[0]) < 0.005  # no trend
    covered = (merged["share_lo"] <= merged["planted_share"]) & \
        (merged["planted_share"] <= merged["share_hi"])
    # 90% intervals over 72 cells: ~65 expected; 0.83-0.96 over 12 seeds measured
    assert 0.78 <= covered.mean() <= 0.99, covered.mean()


@pytest.mark.parametrize("stratified", [False, True])
def test_bootstrap_drawn_a_replicate_at_a_time_gives_the_same_bits(monkeypatch, stratified):
    """Large cells draw and count one replicate at a time (bounded memory): the
    same draws and the same chunks as drawing a whole chunk at once, so the same
    estimates and interval bounds, bit for bit."""
    from civictext.trends import shares

    rng = np.random.default_rng(11)
    values = rng.random((301, 4))
    values[:, ::2] = values[:, ::2] > 0.8
    strata = np.repeat(np.arange(3), 101)[:301] if stratified else None
    results = []
    for row_wise in (10**9, 1):  # never, always
        monkeypatch.setattr(shares, "_ROW_WISE", row_wise)
        results.append(shares._boot_interval(values, strata, np.random.default_rng(5), 250, 0.9))
    for whole, rows in zip(*results):
        assert np.array_equal(whole, rows, equal_nan=True)
    assert np.all(results[0][1] < results[0][2])  # real intervals, not NaN or empty


# ------------------------------------------- tables filled by position (no pivot)
def _messy_topics(arts, seed=3, labels=None):
    """doc_topics in shuffled order with missing pairs, rows for documents not in
    ``arts``, documents of ``arts`` without any row and a -0.0 weight."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in [*arts["doc_id"], "gone1", "gone2"]:
        if rng.random() < 0.1:
            continue  # not modelled
        for k in range(4):
            if rng.random() < 0.85:
                rows.append((d, labels[k] if labels else k, float(rng.random())))
    dt = pd.DataFrame(rows, columns=["doc_id", "topic", "weight"])
    dt.loc[3, "weight"] = -0.0
    return dt.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@pytest.mark.parametrize("labels", [None, ["b", "a", "d", "c"]])
def test_topic_trends_by_position_gives_the_pivots_bits(monkeypatch, labels):
    """The weights are placed by position from doc_topics' columns instead of a
    pivot table of its rows (memory: no copy of a 1.5 M-row table): the same
    table, bootstrap bounds included, byte for byte in CSV."""
    from civictext.trends import shares

    arts, _ = _random_corpus(300, seed=4)
    dt = _messy_topics(arts, labels=labels)
    kw = dict(freq="M", by="source", n_boot=200, smooth=2)
    fast = topic_trends(dt, arts, **kw)
    monkeypatch.setattr(shares, "_topic_values", lambda *a: None)  # the pivot
    ref = topic_trends(dt, arts, **kw)
    pd.testing.assert_frame_equal(fast, ref)
    assert fast.to_csv(index=False) == ref.to_csv(index=False)
    assert fast.attrs == ref.attrs and fast.attrs["excluded"]["no_topic_weights"] > 0
    assert fast["weight_lo"].notna().any()


def test_topic_trends_sums_a_repeated_pair_and_reads_missing_ids():
    arts = _articles([("a", "2024-01-02", "day", "A"), ("b", "2024-01-09", "day", "A")])
    once = pd.DataFrame({"doc_id": ["a", "a", "b"], "topic": [0, 1, 0],
                         "weight": [0.5, 0.5, 1.0]})
    twice = pd.DataFrame({"doc_id": ["a", "a", "a", "b", None], "topic": [0, 0, 1, 0, 1],
                          "weight": [0.25, 0.25, 0.5, 1.0, 1.0]})
    a = topic_trends(once, arts, freq="M", n_boot=50)
    b = topic_trends(twice, arts, freq="M", n_boot=50)
    pd.testing.assert_frame_equal(a, b)
    assert a["mean_weight"].tolist() == [0.75, 0.25]


def test_theme_trends_by_position_gives_the_pivots_bits(monkeypatch):
    """Scores placed by position (no pivot): the same trends, corrected-share
    inputs aside, and the same compare_periods, byte for byte; a missing
    per_1k counts 0 and extra documents' rows are ignored, as before."""
    from civictext.trends import shares

    arts, scores = _random_corpus(300, seed=6)
    scores = scores.sample(frac=1.0, random_state=2).reset_index(drop=True)
    scores.loc[5, "per_1k"] = np.nan
    scores = scores.drop(index=[7, 8])  # two (document, theme) rows missing
    extra = pd.DataFrame({"doc_id": ["gone"], "theme": ["conduct"], "hits": [1],
                          "present": [True], "per_1k": [9.0], "n_tokens": [10]})
    scores = pd.concat([scores, extra], ignore_index=True)
    kw = dict(freq="M", by="source", n_boot=200, smooth=3)
    fast = theme_trends(scores, arts, **kw)
    fast_cmp = compare_periods(scores, arts, "2022-02", "2022-09", n_boot=200)
    monkeypatch.setattr(shares, "_positions", lambda *a: None)  # the pivot
    ref = theme_trends(scores, arts, **kw)
    ref_cmp = compare_periods(scores, arts, "2022-02", "2022-09", n_boot=200)
    assert fast.to_csv(index=False) == ref.to_csv(index=False)
    pd.testing.assert_frame_equal(fast, ref)
    pd.testing.assert_frame_equal(fast_cmp, ref_cmp)
    assert sorted(fast["theme"].unique()) == sorted(THEMES)


def test_theme_trends_still_refuses_a_repeated_row(tiny):
    arts, scores = tiny
    with pytest.raises(CivictextError, match="more than one row for some"):
        theme_trends(pd.concat([scores, scores.iloc[:1]]), arts)
