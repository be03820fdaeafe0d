"""Tests for civictext.viz.plots: Vietnamese glyphs, draw-only functions, Axes returned."""
from __future__ import annotations

import unicodedata
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from civictext.errors import CivictextError  # noqa: E402
from civictext.trends.shares import corpus_volume, theme_cooccurrence, theme_trends  # noqa: E402
from civictext.viz import plots  # noqa: E402

VN_TITLE = "Cải cách hành chính, quy tắc ứng xử và sự hài lòng của người dân Thủ đô"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(autouse=True)
def _no_saving(monkeypatch):
    """plot_* must never save or show."""
    def boom(*a, **k):
        raise AssertionError("a plot_* function saved or showed a figure")
    monkeypatch.setattr(Figure, "savefig", boom)
    monkeypatch.setattr(plt, "show", boom)


@pytest.fixture
def tables():
    rng = np.random.default_rng(3)
    days = pd.date_range("2023-01-01", "2023-12-31")
    n = 120
    arts = pd.DataFrame({
        "doc_id": [f"d{i}" for i in range(n)],
        "published": [str(days[i].date()) for i in rng.integers(0, len(days), n)],
        "date_precision": "day",
        "source": rng.choice(["Báo Lao Động", "Tuổi Trẻ", "VnExpress"], n),
    })
    arts.loc[:4, ["published", "date_precision"]] = ["2023", "year"]
    arts.loc[5:7, ["published", "date_precision"]] = ["", "unknown"]
    rows = [{"doc_id": d, "theme": t, "present": bool(rng.random() < p), "per_1k": 1.0}
            for d in arts["doc_id"] for t, p in (("reform", .4), ("conduct", .2),
                                                  ("satisfaction", .1))]
    return arts, pd.DataFrame(rows)


# ------------------------------------------------------------------ font
def test_vietnamese_letters_are_complete():
    letters = plots.vietnamese_letters()
    assert all(unicodedata.is_normalized("NFC", c) and len(c) == 1 for c in letters)
    for word in ("ỷ", "Ữ", "ặ", "Ậ", "đ", "Đ", "ờ", "ợ", "ự", "ỹ"):
        assert word in letters
    assert len(set(letters)) == 178


def test_font_cmap_covers_every_vietnamese_letter():
    path = font_manager.findfont(font_manager.FontProperties(family=plots.VIETNAMESE_FONT),
                                 fallback_to_default=False)
    assert "DejaVuSans" in path  # the font itself, not a fallback
    assert plots.missing_glyphs() == []
    assert plots.missing_glyphs(VN_TITLE) == []
    # the check can fail: a CJK character is not in DejaVu Sans
    assert plots.missing_glyphs("漢") == ["漢"]


def _glyph_warnings(text: str) -> list[str]:
    with plt.rc_context(plots.style()):
        fig, ax = plt.subplots()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ax.set_title(text)
            ax.set_xlabel(plots.vietnamese_letters()[:89])
            ax.set_ylabel(plots.vietnamese_letters()[89:])
            fig.canvas.draw()
    return [str(w.message) for w in caught if "missing" in str(w.message).lower()]


def test_drawing_vietnamese_emits_no_missing_glyph_warning():
    assert _glyph_warnings(VN_TITLE) == []
    # and the check is able to see a missing glyph
    assert any("Glyph" in m for m in _glyph_warnings("漢字"))


# ------------------------------------------------------------ the plots
def test_plot_theme_shares_lines_bands_and_vietnamese_legend(tables):
    arts, scores = tables
    t = theme_trends(scores, arts, freq="Q", n_boot=100)
    before = dict(matplotlib.rcParams)
    fig, ax = plt.subplots()
    got = plots.plot_theme_shares(t, ax=ax)
    assert got is ax
    labels = [h.get_text() for h in ax.get_legend().get_texts()]
    assert labels == ["Quy tắc ứng xử, văn hóa công sở", "Cải cách hành chính",
                      "Sự hài lòng (SIPAS, PAPI, PCI)"]
    assert len(ax.collections) == 3  # one band per theme
    reform = [ln for ln in ax.get_lines() if ln.get_label() == "Cải cách hành chính"][0]
    y = t[t["theme"] == "reform"]["share"].to_numpy() * 100
    assert np.allclose(reform.get_ydata(), y)
    assert [x.get_text() for x in ax.get_xticklabels()] == ["2023Q1", "2023Q2", "2023Q3",
                                                            "2023Q4"]
    notes = [c.get_text() for c in ax.texts]
    assert "Not shown: 5 of 120 articles dated to the year only; 3 undated." in notes
    assert dict(matplotlib.rcParams) == before  # style scoped, not leaked


def test_low_n_points_are_hollow(tables):
    arts, scores = tables
    t = theme_trends(scores, arts, freq="M", n_boot=50, min_articles=11)
    ax = plots.plot_theme_shares(t, themes=["reform"])
    hollow = [ln for ln in ax.get_lines() if ln.get_markerfacecolor() == "white"]
    n_low = int(t[(t["theme"] == "reform")]["low_n"].sum())
    assert len(hollow) == 1 and len(hollow[0].get_xdata()) == n_low > 0


def test_plot_theme_shares_smooth_and_empty(tables):
    arts, scores = tables
    t = theme_trends(scores, arts, freq="M", n_boot=50, smooth=3)
    ax = plots.plot_theme_shares(t, smooth=True)
    assert len(ax.get_legend().get_texts()) == 3
    empty = theme_trends(scores, arts.assign(published="", date_precision="unknown"),
                         freq="M")
    ax = plots.plot_theme_shares(empty)
    assert any("No dated articles" in c.get_text() for c in ax.texts)
    with pytest.raises(CivictextError, match="share_smooth"):
        plots.plot_theme_shares(theme_trends(scores, arts, freq="Y", n_boot=0), smooth=True)


def test_small_multiples_one_panel_per_outlet(tables):
    arts, scores = tables
    t = theme_trends(scores, arts, freq="Q", by="source", n_boot=50)
    fig = plots.plot_theme_shares_by_group(t, ncols=2)
    visible = [a for a in fig.axes if a.get_visible()]
    assert [a.get_title().split(" (")[0] for a in visible] == ["Báo Lao Động", "Tuổi Trẻ",
                                                              "VnExpress"]
    n = arts[arts["date_precision"] == "day"].groupby("source").size()
    assert visible[1].get_title() == f"Tuổi Trẻ (n = {n['Tuổi Trẻ']})"
    with pytest.raises(CivictextError, match="pass by="):
        plots.plot_theme_shares_by_group(theme_trends(scores, arts, freq="Y", n_boot=0))


def test_small_multiples_show_every_panels_range(tables):
    # a small outlet drawn after a big one has much higher shares: the shared y
    # axis must reach its intervals, not freeze at the first panel's range
    arts, scores = tables
    t = theme_trends(scores, arts, freq="Q", by="source", n_boot=50)
    last = sorted(t["source"].unique())[-1]
    t.loc[t["source"] == last, ["share", "share_lo", "share_hi"]] = [0.5, 0.2, 0.9]
    fig = plots.plot_theme_shares_by_group(t, ncols=2)
    for ax in (a for a in fig.axes if a.get_visible()):
        lo, hi = ax.get_ylim()
        assert lo == 0 and hi >= 90


def test_cooccurrence_heatmap(tables):
    _, scores = tables
    m = theme_cooccurrence(scores)
    ax = plots.plot_cooccurrence(m)
    cells = [c.get_text() for c in ax.texts]
    assert len(cells) == 9 and cells[0] == str(m.iloc[0, 0])
    assert ax.get_yticklabels()[1].get_text() == "Cải cách hành chính"
    with pytest.raises(CivictextError, match="square"):
        plots.plot_cooccurrence(m.iloc[:2])


def test_top_terms_topics_volume():
    tt = pd.DataFrame({"theme": ["reform", "reform", "conduct"], "rank": [1, 2, 1],
                       "term": ["một cửa", "dịch vụ công trực tuyến", "văn hóa công sở"],
                       "n_hits": [9, 4, 6], "n_docs": [5, 3, 4]})
    ax = plots.plot_top_terms(tt)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["văn hóa công sở", "một cửa",
                                                             "dịch vụ công trực tuyến"]
    assert [p.get_width() for p in ax.patches] == [6, 9, 4]
    topics = pd.DataFrame({"period": ["2020", "2020", "2021", "2021"], "topic": [0, 1, 0, 1],
                           "mean_weight": [.3, .7, .5, .5], "weight_lo": [.2, .6, .4, .4],
                           "weight_hi": [.4, .8, .6, .6], "low_n": False})
    ax = plots.plot_topic_prevalence(topics, labels={0: "công sở", 1: "hài lòng"})
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["công sở", "hài lòng"]
    arts = pd.DataFrame({"doc_id": list("abcde"),
                         "published": ["2019", "2021-03", "", "", "2021-05-02"],
                         "date_precision": ["year", "month", "unknown", "unknown", "day"]})
    v = corpus_volume(arts, freq="M")
    ax = plots.plot_volume(v)
    assert [p.get_height() for p in ax.patches] == [1, 0, 1]
    assert any(c.get_text() == "Not shown: 2 of 5 articles undated; 1 dated to the year only."
               for c in ax.texts)


def test_excluded_note_wording():
    assert plots.excluded_note({"excluded": {"unknown": 17}, "n_documents": 18}) == \
        "Not shown: 17 of 18 documents undated."
    assert plots.excluded_note({}) == ""


def test_bad_input_is_a_clear_error():
    with pytest.raises(CivictextError, match=r"lacks column\(s\) \['n_articles'\]"):
        plots.plot_volume(pd.DataFrame({"period": ["2020"]}))
    with pytest.raises(CivictextError, match="must be a pandas DataFrame"):
        plots.plot_theme_shares([1, 2, 3])


# ------------------------------------------------------- readability checks
def _series_lines(ax):
    return [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]


def _overlap(a, b) -> float:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(w, 0) * max(h, 0)


def _assert_legend_outside_the_data(ax, legend=None):
    fig = ax.figure
    fig.canvas.draw()
    legend = legend or ax.get_legend()
    assert legend is not None
    box, area = legend.get_window_extent(), ax.get_window_extent()
    assert _overlap(box, area) == 0, f"legend {box} overlaps the axes {area}"


def _topic_table(n_topics: int) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [{"period": f"202{y}", "topic": t, "mean_weight": w, "weight_lo": w * .8,
             "weight_hi": w * 1.2, "low_n": False}
            for y in range(4) for t, w in enumerate(rng.dirichlet(np.ones(n_topics)))]
    return pd.DataFrame(rows)


def test_every_series_has_its_own_colour_and_the_legend_is_outside(tables):
    arts, scores = tables
    ax = plots.plot_theme_shares(theme_trends(scores, arts, freq="Q", n_boot=20))
    lines = _series_lines(ax)
    assert len({ln.get_color() for ln in lines}) == len(lines) == 3
    _assert_legend_outside_the_data(ax)
    ax = plots.plot_topic_prevalence(_topic_table(10))  # ten topics: ten colours
    styles = {(ln.get_color(), ln.get_linestyle()) for ln in _series_lines(ax)}
    assert len({c for c, _ in styles}) == 10
    _assert_legend_outside_the_data(ax)
    ax = plots.plot_topic_prevalence(_topic_table(14))  # beyond the palette: new line styles
    assert len({(ln.get_color(), ln.get_linestyle()) for ln in _series_lines(ax)}) == 14
    tt = pd.DataFrame({"theme": ["reform", "conduct", "satisfaction"], "rank": [1, 1, 1],
                       "term": ["một cửa", "văn hóa công sở", "SIPAS"], "n_hits": [3, 2, 1]})
    ax = plots.plot_top_terms(tt)
    assert len({tuple(p.get_facecolor()) for p in ax.patches}) == 3
    _assert_legend_outside_the_data(ax)


def test_the_palette_is_distinct_and_themes_keep_their_colours():
    assert len(set(plots.PALETTE)) == len(plots.PALETTE) >= 12
    from matplotlib.colors import to_rgb

    # no two palette colours nearly the same (the old conduct/satisfaction pair
    # #1b6ca8 / #00798c were 0.12 apart)
    rgb = [np.array(to_rgb(c)) for c in plots.PALETTE]
    assert min(np.linalg.norm(a - b) for i, a in enumerate(rgb) for b in rgb[i + 1:]) > 0.2
    t = pd.DataFrame({"period": ["2020"] * 2, "theme": ["satisfaction", "x"], "share": [.1, .2],
                      "share_lo": [0, .1], "share_hi": [.2, .3]})
    ax = plots.plot_theme_shares(t)
    colour = {ln.get_label(): ln.get_color() for ln in _series_lines(ax)}
    assert colour[plots.THEME_LABELS["satisfaction"]] == plots.PALETTE[2]


def test_titles_name_the_measure(tables):
    arts, scores = tables
    t = theme_trends(scores, arts, freq="Q", n_boot=20)
    assert "present" in plots.plot_theme_shares(t).get_title()
    assert "focus rule" in plots.plot_theme_shares(t, measure="focus").get_title()
    title = plots.plot_theme_shares(t, measure="mention").get_title()
    assert "mentioned" in title and "present" not in title
    assert "theme model" in plots.plot_theme_shares(t, measure="model").get_title()
    by = theme_trends(scores, arts, freq="Q", by="source", n_boot=20)
    fig = plots.plot_theme_shares_by_group(by, measure="mention")
    assert "mentioned" in fig._suptitle.get_text()
    fig.canvas.draw()
    legend = fig.legends[0].get_window_extent()
    for ax in fig.axes:
        if ax.get_visible():
            assert _overlap(legend, ax.get_window_extent()) == 0  # above the panels
    assert "weight" in plots.plot_topic_prevalence(_topic_table(3)).get_title()
    assert "number of articles" in plots.plot_volume(
        pd.DataFrame({"period": ["2020"], "n_articles": [2]})).get_title()


def test_coinciding_points_are_dodged():
    t = pd.DataFrame({"period": ["2020", "2020", "2020", "2021", "2021", "2021"],
                      "theme": ["reform", "conduct", "satisfaction"] * 2,
                      "share": [1.0, 1.0, 0.2, 0.5, 0.1, 0.3], "share_lo": 0.0, "share_hi": 1.0})
    ax = plots.plot_theme_shares(t)
    x = {ln.get_label(): ln.get_xdata() for ln in _series_lines(ax)}
    reform, conduct = x["Cải cách hành chính"], x["Quy tắc ứng xử, văn hóa công sở"]
    assert reform[0] != conduct[0]  # both at 100 % in 2020: side by side, not hidden
    assert reform[1] == conduct[1] == 1.0  # distinct values in 2021 stay on the period


def test_count_axes_have_integer_ticks():
    v = pd.DataFrame({"period": ["2020", "2021", "2022"], "n_articles": [1, 0, 2]})
    ax = plots.plot_volume(v)
    ax.figure.canvas.draw()
    assert all(float(t).is_integer() for t in ax.get_yticks())
    tt = pd.DataFrame({"theme": ["reform", "reform"], "rank": [1, 2], "term": ["a", "b"],
                       "n_hits": [2, 1]})
    ax = plots.plot_top_terms(tt)
    ax.figure.canvas.draw()
    assert all(float(t).is_integer() for t in ax.get_xticks())


def test_table_fits_a_notebook():
    df = pd.DataFrame({"outlet": ["A", "A", "A", "B", "B"], "term": ["cải cách hành chính"] * 5,
                       "weight": [9.650199e-09, 0.5, 0.25, 1.0, 0.125],
                       "share": [0.1, 0.2, 0.3, 0.4, 0.5], "n": [1200, 2, 3, 4, 5],
                       "text": ["Dòng một.\n\nDòng hai."] + ["x" * 300] * 4})
    st = plots.table(df, per_group="outlet", n=2, nowrap=["term"], wrap={"text": 60},
                     max_chars=100, percent=["share"])
    assert st.data["outlet"].tolist() == ["A", "A", "B", "B"]  # a few rows of every outlet
    html = st.to_html()
    assert "0.000" in html and "e-09" not in html  # no scientific notation
    assert "1,200" in html and "10.00%" in html
    years = plots.table(pd.DataFrame({"period": [2019, 2020], "n_articles": [1500, 2]})).to_html()
    assert ">2019<" in years and "2,019" not in years and "1,500" in years
    assert "\\n" not in html and "white-space: pre-line" in html and "nowrap" in html
    assert st.data["text"].str.len().max() == 100 and st.data["text"].iloc[2].endswith("…")
    with pytest.raises(CivictextError, match=r"no column\(s\) \['nope'\]"):
        plots.table(df, columns=["nope"])
