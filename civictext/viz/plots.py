"""Drawing functions for trend tables (pipeline stage 6, the drawing half).

Compute first, then draw: every ``plot_*`` takes a table made by
:mod:`civictext.trends.shares` (or the themes/topics stages), draws it on ``ax`` (a
new figure when ``ax`` is None) and returns the ``Axes``. Nothing here saves or
shows a figure; :mod:`civictext.viz.figures` does the saving. Style is scoped with
``plt.rc_context`` so a user's own matplotlib settings are left alone.

The one exception to ``-> Axes`` is :func:`plot_theme_shares_by_group`, the
per-outlet small multiples: a grid needs a whole figure, so it takes an
optional ``fig`` and returns the ``Figure``.

Vietnamese text: the labels use :data:`VIETNAMESE_FONT` (DejaVu Sans, bundled
with matplotlib), whose character map covers every Vietnamese letter with every
tone mark (tested in ``tests/test_plots.py``).

Periods are drawn as evenly spaced categories labelled ``2024-11``, ``2024Q4``
or ``2024``; points from periods with fewer than ``min_articles`` articles
(``low_n``) are drawn hollow, and periods with no articles leave a gap.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import pandas as pd
>>> v = pd.DataFrame({"period": ["2024", "2025"], "n_articles": [3, 5]})
>>> ax = plot_volume(v)
>>> [t.get_text() for t in ax.get_xticklabels()]
['2024', '2025']
"""
from __future__ import annotations

import logging
import unicodedata
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "VIETNAMESE_FONT",
    "THEME_LABELS",
    "PALETTE",
    "MEASURE_WORDS",
    "style",
    "vietnamese_letters",
    "missing_glyphs",
    "excluded_note",
    "plot_theme_shares",
    "plot_theme_shares_by_group",
    "plot_cooccurrence",
    "plot_top_terms",
    "plot_topic_prevalence",
    "plot_volume",
    "plot_corrected_shares",
    "plot_corrected_shares_by_group",
    "table",
]

log = logging.getLogger(__name__)

#: Font family for every label: has all Vietnamese precomposed letters.
VIETNAMESE_FONT = "DejaVu Sans"

#: Display names of the built-in themes (other theme names are shown as given).
THEME_LABELS: dict[str, str] = {
    "reform": "Cải cách hành chính",
    "conduct": "Quy tắc ứng xử, văn hóa công sở",
    "satisfaction": "Sự hài lòng (SIPAS, PAPI, PCI)",
}

#: Series colours, in order: the Okabe & Ito (2008) colour-blind-safe
#: qualitative palette (yellow last: weak on white), then four of Paul Tol's
#: "muted" colours, so up to 12 series in one figure each get their own colour
#: (beyond 12, colours repeat with a dashed line). The three built-in themes
#: always get the first three (reform blue, conduct vermillion, satisfaction green).
PALETTE: list[str] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                      "#000000", "#882255", "#999933", "#332288", "#AA4499", "#F0E442"]
_COLORS = PALETTE
_THEME_ORDER = ["reform", "conduct", "satisfaction"]

#: How a title names the measure of ``present`` (``score_themes(presence=...)``);
#: other values are shown as given.
MEASURE_WORDS: dict[str, str] = {
    "focus": "present (focus rule)",
    "mention": "mentioned",
    "model": "present (theme model)",
    "auto": "present (theme model or focus rule)",
    "present": "present",
}

_EXCLUDED_WORDS = {
    "unknown": "undated",
    "year": "dated to the year only",
    "month": "dated to the month only",
    "unparseable": "with an unreadable date",
    "no_topic_weights": "without topic weights",
}


def style() -> dict[str, Any]:
    """The rc settings every plot is drawn with (also fixes SVG ids for stable files)."""
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [VIETNAMESE_FONT],
        "font.size": 9,
        "axes.titlesize": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.axisbelow": True,
        "grid.alpha": 0.3,
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "svg.hashsalt": "civictext",
        "svg.fonttype": "path",
        "path.simplify": True,
    }


# -------------------------------------------------------------- the font
def vietnamese_letters() -> str:
    """Every Vietnamese letter, lower and upper case, with every tone (NFC).

    The 12 vowels (a ă â e ê i o ô ơ u ư y) times 6 tones, plus the consonants
    (with đ): 67 lower-case letters + their capitals.

    >>> len(vietnamese_letters())
    178
    """
    vowels = "aăâeêioôơuưy"
    tones = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"]
    lower = [unicodedata.normalize("NFC", v + t) for v in vowels for t in tones]
    lower += list("bcdđghklmnpqrstvx")
    letters = "".join(lower)
    return letters + letters.upper()


def missing_glyphs(text: str | None = None, *, family: str = VIETNAMESE_FONT) -> list[str]:
    """Characters of ``text`` (default: :func:`vietnamese_letters`) that the
    font matplotlib picks for ``family`` has no glyph for.

    >>> missing_glyphs("Cải cách hành chính")
    []
    """
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    path = font_manager.findfont(font_manager.FontProperties(family=family),
                                 fallback_to_default=False)
    cmap = TTFont(path, lazy=True).getBestCmap()
    text = vietnamese_letters() if text is None else text
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})


# --------------------------------------------------------------- helpers
def _plt():
    import matplotlib.pyplot as plt

    return plt


def _new_ax(ax: Any, size: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    fig = _plt().figure(figsize=size)
    return fig.add_subplot()


def _label(theme: Any) -> str:
    return THEME_LABELS.get(str(theme), str(theme))


def _series_styles(names: Sequence[Any], labels: Sequence[str] | None = None
                   ) -> dict[Any, tuple[str, str]]:
    """A distinct (colour, linestyle) per series; built-in themes (by name or by
    label, e.g. a seeded topic labelled "reform") keep theirs."""
    names = list(names)
    labels = [str(n) for n in names] if labels is None else [str(x) for x in labels]
    by_label = {**{t: t for t in _THEME_ORDER}, **{v: k for k, v in THEME_LABELS.items()}}
    fixed: dict[Any, int] = {}
    for n, lab in zip(names, labels):
        theme = str(n) if str(n) in _THEME_ORDER else by_label.get(lab)
        if theme in _THEME_ORDER and _THEME_ORDER.index(theme) not in fixed.values():
            fixed[n] = _THEME_ORDER.index(theme)
    free = iter(i for i in range(10_000) if i not in fixed.values())
    out = {}
    for n in names:
        i = fixed[n] if n in fixed else next(free)
        out[n] = (PALETTE[i % len(PALETTE)], "-" if i < len(PALETTE) else "--")
    return out


def _measure(measure: str | None) -> str:
    return MEASURE_WORDS.get(measure or "present", str(measure))


def _legend_outside(ax: Any, **kw: Any) -> Any:
    """A legend to the right of the axes, never over the data."""
    kw.setdefault("fontsize", 8)
    kw.setdefault("frameon", False)
    return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, **kw)


def _integer_axis(axis: Any) -> None:
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _dodge(values: np.ndarray, width: float) -> np.ndarray:
    """Horizontal offsets, shape (n_series, n_periods): points of different
    series that coincide (same period, equal value within 0.5 % of the range)
    are spread over ``width``; others stay at 0."""
    n, m = values.shape
    off = np.zeros((n, m))
    if n < 2:
        return off
    finite = values[np.isfinite(values)]
    tol = 0.005 * (float(finite.max() - finite.min()) if finite.size else 1.0) or 1e-9
    for j in range(m):
        col = values[:, j]
        seen: list[list[int]] = []
        for i in np.flatnonzero(np.isfinite(col)):
            for grp in seen:
                if abs(col[grp[0]] - col[i]) <= tol:
                    grp.append(i)
                    break
            else:
                seen.append([i])
        for grp in seen:
            if len(grp) > 1:
                step = width / (len(grp) - 1)
                for r, i in enumerate(grp):
                    off[i, j] = -width / 2 + r * step
    return off


def _check(data: Any, columns: Sequence[str], where: str) -> pd.DataFrame:
    from civictext.trends.shares import _check_columns

    _check_columns(data, columns, "the table", where,
                   "pass the table civictext.trends.shares makes for it")
    return data


def excluded_note(attrs: Mapping[str, Any], *, unit: str = "documents") -> str:
    """One sentence saying how many documents a table left out, and why.

    >>> excluded_note({"excluded": {"unknown": 17, "year": 1}, "n_documents": 18})
    'Not shown: 17 of 18 documents undated; 1 dated to the year only.'
    >>> excluded_note({"excluded": {}, "n_documents": 4})
    'All 4 documents shown.'
    """
    ex = {k: int(v) for k, v in dict(attrs.get("excluded", {})).items() if int(v)}
    total = attrs.get("n_documents")
    if not ex:
        return f"All {total} {unit} shown." if total is not None else ""
    parts = [f"{n} {_EXCLUDED_WORDS.get(k, k)}" for k, n in sorted(ex.items(),
                                                                    key=lambda kv: -kv[1])]
    if total is not None:
        parts[0] = parts[0].replace(" ", f" of {total} {unit} ", 1)
    return "Not shown: " + "; ".join(parts) + "."


def _period_axis(ax: Any, periods: Sequence[str]) -> None:
    x = np.arange(len(periods))
    step = max(1, int(np.ceil(len(periods) / 12)))
    ax.set_xticks(x[::step])
    ax.set_xticklabels([periods[i] for i in x[::step]],
                       rotation=45 if len(periods) > 6 else 0,
                       ha="right" if len(periods) > 6 else "center")
    ax.set_xlim(-0.6, max(len(periods) - 0.4, 0.6))


def _lines_with_bands(ax: Any, table: pd.DataFrame, item: str, y: str, lo: str, hi: str,
                      labeller: Any) -> None:
    periods = list(dict.fromkeys(table["period"]))
    pos = {p: i for i, p in enumerate(periods)}
    groups = list(table.groupby(item, sort=True))
    styles = _series_styles([name for name, _ in groups],
                            [labeller(name) for name, _ in groups])
    grid = np.full((len(groups), len(periods)), np.nan)
    for k, (_, g) in enumerate(groups):
        grid[k, g["period"].map(pos).to_numpy(dtype=int)] = g[y].to_numpy(dtype=float)
    # coinciding points (e.g. two themes at 100 %) are dodged so none hides another
    offsets = _dodge(grid, width=min(0.2, 0.07 * len(groups)))
    for k, (name, g) in enumerate(groups):
        color, ls = styles[name]
        ix = g["period"].map(pos).to_numpy(dtype=int)
        x = ix.astype(float) + offsets[k, ix]
        yv = g[y].to_numpy(dtype=float)
        ax.fill_between(ix.astype(float), g[lo].to_numpy(dtype=float),
                        g[hi].to_numpy(dtype=float), color=color, alpha=0.15, linewidth=0)
        ax.plot(x, yv, color=color, linewidth=1.6, linestyle=ls, label=labeller(name))
        low = g["low_n"].to_numpy(dtype=bool) if "low_n" in g else np.zeros(len(g), bool)
        ax.plot(x[~low], yv[~low], "o", color=color, markersize=4)
        ax.plot(x[low], yv[low], "o", markerfacecolor="white", markeredgecolor=color,
                markersize=4.5)
    _period_axis(ax, periods)


# ------------------------------------------------------------- the plots
def plot_theme_shares(trends: pd.DataFrame, *, ax: Any = None,
                      themes: Sequence[str] | None = None, smooth: bool = False,
                      title: str | None = None, measure: str | None = None) -> Any:
    """Share of articles in which each theme is present, per period, with interval bands.

    Parameters
    ----------
    trends : DataFrame
        From :func:`civictext.trends.shares.theme_trends` without ``by`` (or one
        group's rows): ``period, theme, share, share_lo, share_hi, low_n``.
    ax : Axes, optional
        Where to draw; a new figure when None.
    themes : sequence of str, optional
        Subset of themes to draw.
    smooth : bool
        Draw ``share_smooth`` and its band (needs ``theme_trends(smooth=k)``).
    title : str, optional
        Default: names the measure and the interval.
    measure : str, optional
        What ``present`` means, for the title: ``"focus"``, ``"mention"`` (the
        ``presence`` the scores were made with; see :data:`MEASURE_WORDS`) or
        any words; default "present".

    Returns
    -------
    Axes
        y axis in per cent; hollow markers where ``low_n``; points of different
        themes that coincide are dodged sideways; the legend right of the
        axes; the excluded-by-date note from ``trends.attrs`` above them.
    """
    suffix = "_smooth" if smooth else ""
    cols = ["period", "theme", f"share{suffix}", f"share{suffix}_lo", f"share{suffix}_hi"]
    data = _check(trends, cols, "plot_theme_shares")
    if themes is not None:
        data = data[data["theme"].isin(list(themes))]
    with _plt().rc_context(style()):
        ax = _new_ax(ax, (7.5, 4.2))
        shown = data.assign(**{c: data[c] * 100 for c in cols[2:]})
        _lines_with_bands(ax, shown, "theme", *cols[2:], labeller=_label)
        ax.set_ylabel("Share of articles (%)")
        ax.set_ylim(bottom=0)
        level = trends.attrs.get("level")
        lvl = f", {level:.0%} bootstrap intervals" if level else ""
        ax.set_title(title or f"Share of articles in which each theme is "
                              f"{_measure(measure)}{lvl}")
        if len(data):
            _legend_outside(ax)
        else:
            ax.text(0.5, 0.5, "No dated articles at this resolution", ha="center",
                    va="center", transform=ax.transAxes)
        _note(ax, excluded_note(trends.attrs, unit="articles"))
    return ax


def _note(ax: Any, text: str) -> None:
    """The excluded-documents note, just above the axes under the title."""
    if text:
        ax.text(0, 1.015, text, transform=ax.transAxes, fontsize=7.5, color="#444444",
                va="bottom", ha="left")
        ax.title.set_position((0.5, 1.0))
        ax.set_title(ax.get_title(), pad=16)


def _group_panels(fig: Any, data: pd.DataFrame, by: str, ncols: int,
                  size: tuple[float, float, float]) -> tuple[Any, Any, list[str], int]:
    """A grid of shared-y panels, one per group of ``by`` (sorted, as text), in ``fig``
    (cleared) or a new figure of ``size`` = (width, height per panel, extra height);
    panels beyond the groups are hidden. Returns (fig, axes, groups, ncols)."""
    groups = sorted(data[by].astype(str).unique())
    n = max(1, len(groups))
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    width, height, extra = size
    if fig is None:
        fig = _plt().figure(figsize=(width * ncols + 0.6, height * nrows + extra))
    else:
        fig.clear()
    axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False)
    for ax in axes.flat[len(groups):]:
        ax.set_visible(False)
    return fig, axes, groups, ncols


def _shared_y_range(axes: Any, data: pd.DataFrame, columns: list[str], groups: list[str]) -> None:
    """One y range (percent) for the shared axes, set once all panels are drawn: a
    limit set while drawing would freeze at the first panels' range and cut off a
    small group's high shares and intervals. With no group, say so in the first panel."""
    top = np.nanmax(data[columns].to_numpy(dtype=float) * 100, initial=0.0) if len(data) else 0.0
    axes.flat[0].set_ylim(0, top * 1.05 if top > 0 else 1.0)
    if not groups:
        axes.flat[0].set_visible(True)
        axes.flat[0].text(0.5, 0.5, "No dated articles", ha="center", va="center",
                          transform=axes.flat[0].transAxes)


def plot_theme_shares_by_group(trends: pd.DataFrame, *, by: str | None = None,
                               fig: Any = None, ncols: int = 3,
                               themes: Sequence[str] | None = None,
                               measure: str | None = None) -> Any:
    """Small multiples: one panel of theme shares per group (e.g. per outlet).

    Takes and returns a **Figure** (a grid needs the whole figure), unlike the
    other ``plot_*`` functions. Panels share the y axis, which spans every
    panel's shares and intervals (so a small outlet's high share is not cut off).

    Parameters
    ----------
    trends : DataFrame
        From ``theme_trends(..., by=by)``.
    by : str, optional
        The group column; default ``trends.attrs["by"][0]``.
    fig : Figure, optional
        Figure to draw into (cleared first); a new one when None.
    ncols : int
        Panels per row.
    measure : str, optional
        What ``present`` means, for the title (as in :func:`plot_theme_shares`).

    Returns
    -------
    Figure
        Titled with the measure; one legend above the panels.
    """
    by = by or (trends.attrs.get("by") or [None])[0]
    data = _check(trends, ["period", "theme", "share", "share_lo", "share_hi",
                           *( [by] if by else [])], "plot_theme_shares_by_group")
    if by is None:
        from civictext.trends.shares import TrendError

        raise TrendError("plot_theme_shares_by_group: pass by= (the group column) or a "
                         "table made with theme_trends(..., by=...)")
    if themes is not None:
        data = data[data["theme"].isin(list(themes))]
    plt = _plt()
    with plt.rc_context(style()):
        fig, axes, groups, ncols = _group_panels(fig, data, by, ncols, (3.6, 2.9, 1.0))
        for k, ax in enumerate(axes.flat[:len(groups)]):
            g = data[data[by].astype(str) == groups[k]]
            shown = g.assign(share=g["share"] * 100, share_lo=g["share_lo"] * 100,
                             share_hi=g["share_hi"] * 100)
            _lines_with_bands(ax, shown, "theme", "share", "share_lo", "share_hi",
                              labeller=_label)
            n_art = int(g.drop_duplicates("period")["n_articles"].sum()) \
                if "n_articles" in g else None
            ax.set_title(f"{groups[k] or '(no ' + by + ')'}"
                         + (f" (n = {n_art})" if n_art is not None else ""))
            if k % ncols == 0:
                ax.set_ylabel("Share of articles (%)")
        _shared_y_range(axes, data, ["share", "share_hi"], groups)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.suptitle(f"Share of articles in which each theme is {_measure(measure)}, "
                     f"per {by}", fontsize=10, y=0.995)
        if handles:
            fig.legend(handles, labels, loc="upper center", ncols=min(len(labels), 3),
                       frameon=False, fontsize=8, bbox_to_anchor=(0.5, 0.955))
        fig.text(0.01, 0.005, excluded_note(trends.attrs, unit="articles"), fontsize=7.5,
                 color="#444444", va="bottom")
        fig.tight_layout(rect=(0, 0.04, 1, 0.9))
    return fig


def plot_cooccurrence(matrix: pd.DataFrame, *, ax: Any = None, share: bool = True) -> Any:
    """Heatmap of how often themes appear together in one article.

    Parameters
    ----------
    matrix : DataFrame
        From :func:`civictext.trends.shares.theme_cooccurrence` (square counts).
    share : bool
        Colour by the share of all documents (``attrs["n_documents"]``) rather
        than counts; every cell is annotated with its count either way.

    Returns
    -------
    Axes
    """
    if not isinstance(matrix, pd.DataFrame) or list(matrix.index) != list(matrix.columns):
        from civictext.trends.shares import TrendError

        raise TrendError("plot_cooccurrence: expected the square table theme_cooccurrence "
                         "returns (same themes as index and columns)")
    counts = matrix.to_numpy(dtype=float)
    n_docs = matrix.attrs.get("n_documents") or 0
    values = counts / n_docs if share and n_docs else counts
    names = [_label(t) for t in matrix.index]
    with _plt().rc_context(style()):
        ax = _new_ax(ax, (5.8, 4.8))
        ax.grid(False)
        im = ax.imshow(values, cmap="Blues", vmin=0,
                       vmax=max(float(values.max()) if values.size else 1.0, 1e-9))
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels(names, rotation=30, ha="right")
        ax.set_yticks(range(len(names)))
        ax.set_yticklabels(names)
        top = values.max() if values.size else 0
        for i in range(len(names)):
            for j in range(len(names)):
                ax.text(j, i, f"{int(counts[i, j])}", ha="center", va="center", fontsize=8,
                        color="white" if top and values[i, j] > 0.6 * top else "black")
        cb = ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
        cb.set_label("Share of documents" if share and n_docs else "Documents")
        ax.set_title(f"Themes present together (n = {n_docs} documents)")
    return ax


def plot_top_terms(top_terms: pd.DataFrame, *, ax: Any = None, n: int = 8) -> Any:
    """Horizontal bars of the most frequent lexicon terms, grouped by theme.

    Parameters
    ----------
    top_terms : DataFrame
        From :func:`civictext.trends.shares.top_terms_by_theme`: ``theme, rank, term, n_hits``.
    n : int
        Terms per theme drawn.

    Returns
    -------
    Axes
    """
    data = _check(top_terms, ["theme", "rank", "term", "n_hits"], "plot_top_terms")
    data = data[data["rank"] <= n].sort_values(["theme", "rank"], kind="mergesort")
    with _plt().rc_context(style()):
        ax = _new_ax(ax, (6.5, max(2.5, 0.28 * len(data) + 1.2)))
        from matplotlib.patches import Patch

        ypos, labels, colors, widths, handles = [], [], [], [], []
        y = 0.0
        styles = _series_styles(sorted(data["theme"].unique()))
        for theme, g in data.groupby("theme", sort=True):
            color = styles[theme][0]
            for _, r in g.iterrows():
                ypos.append(y)
                labels.append(str(r["term"]))
                widths.append(int(r["n_hits"]))
                colors.append(color)
                y += 1
            handles.append(Patch(color=color, label=_label(theme)))
            y += 0.8
        ax.barh(ypos, widths, color=colors)
        ax.set_yticks(ypos)
        ax.set_yticklabels(labels)
        ax.invert_yaxis()
        ax.set_xlabel("Matches in the corpus")
        _integer_axis(ax.xaxis)
        ax.grid(axis="y", visible=False)
        ax.set_title("Most frequent lexicon terms per theme (number of matches)")
        if len(data):
            _legend_outside(ax, handles=handles)
        else:
            ax.text(0.5, 0.5, "No lexicon matches", ha="center", va="center",
                    transform=ax.transAxes)
    return ax


def plot_topic_prevalence(topic_trends: pd.DataFrame, *, ax: Any = None,
                          labels: Mapping[Any, str] | None = None) -> Any:
    """Mean document-topic weight per period, one line and band per topic.

    Parameters
    ----------
    topic_trends : DataFrame
        From :func:`civictext.trends.shares.topic_trends`: ``period, topic, mean_weight,
        weight_lo, weight_hi, low_n``.
    labels : mapping, optional
        Topic -> display label (e.g. from ``TopicModel.topics``).

    Returns
    -------
    Axes
    """
    data = _check(topic_trends, ["period", "topic", "mean_weight", "weight_lo", "weight_hi"],
                  "plot_topic_prevalence")
    labels = dict(labels or {})
    with _plt().rc_context(style()):
        ax = _new_ax(ax, (7.5, 4.2))
        _lines_with_bands(ax, data, "topic", "mean_weight", "weight_lo", "weight_hi",
                          labeller=lambda t: str(labels.get(t, f"topic {t}")))
        ax.set_ylabel("Mean topic weight")
        ax.set_ylim(bottom=0)
        ax.set_title("Topic prevalence over time (mean document-topic weight)")
        if len(data):
            _legend_outside(ax, fontsize=7.5)
        else:
            ax.text(0.5, 0.5, "No dated, modelled documents", ha="center", va="center",
                    transform=ax.transAxes)
        _note(ax, excluded_note(topic_trends.attrs))
    return ax


def plot_volume(volume: pd.DataFrame, *, ax: Any = None) -> Any:
    """Bars of articles per period, with how many were left out and why.

    Parameters
    ----------
    volume : DataFrame
        From :func:`civictext.trends.shares.corpus_volume`: ``period, n_articles``
        (``attrs["excluded"]`` and ``attrs["n_documents"]`` for the note).

    Returns
    -------
    Axes
    """
    data = _check(volume, ["period", "n_articles"], "plot_volume")
    periods = [str(p) for p in data["period"]]
    with _plt().rc_context(style()):
        ax = _new_ax(ax, (7.5, 3.6))
        ax.bar(np.arange(len(periods)), data["n_articles"].to_numpy(), color=PALETTE[0],
               width=0.8)
        _integer_axis(ax.yaxis)
        for i, n in enumerate(data["n_articles"]):
            if len(periods) <= 24:
                ax.text(i, n, str(int(n)), ha="center", va="bottom", fontsize=7.5)
        _period_axis(ax, periods)
        ax.set_ylabel("Articles")
        ax.grid(axis="x", visible=False)
        ax.set_title("Corpus volume over time (number of articles)")
        if not periods:
            ax.text(0.5, 0.5, "No dated articles at this resolution", ha="center",
                    va="center", transform=ax.transAxes)
        _note(ax, excluded_note(volume.attrs, unit="articles"))
    return ax


def _corrected_lines(ax: Any, data: pd.DataFrame, styles: Mapping[Any, tuple[str, str]]) -> None:
    """Per theme: corrected share (solid, band) and machine share (dashed), in per cent."""
    periods = list(dict.fromkeys(data["period"]))
    pos = {p: i for i, p in enumerate(periods)}
    for name, g in data.groupby("theme", sort=True):
        color, _ = styles[name]
        x = g["period"].map(pos).to_numpy(dtype=float)
        ax.fill_between(x, g["corrected_lo"].to_numpy(dtype=float) * 100,
                        g["corrected_hi"].to_numpy(dtype=float) * 100, color=color,
                        alpha=0.18, linewidth=0)
        ax.plot(x, g["share_corrected"].to_numpy(dtype=float) * 100, "o-", color=color,
                linewidth=1.6, markersize=3.5, label=_label(name))
        ax.plot(x, g["share"].to_numpy(dtype=float) * 100, "--", color=color,
                linewidth=1.0, alpha=0.8, label="_machine")
    _period_axis(ax, periods)


def _corrected_legend_handles(ax: Any) -> list[Any]:
    """One entry per theme (its colour) and two for the line styles (grey)."""
    from matplotlib.lines import Line2D

    themes = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    return [*(Line2D([], [], color=ln.get_color(), linewidth=1.6, marker="o", markersize=3.5,
                     label=ln.get_label()) for ln in themes),
            Line2D([], [], color="#555555", linewidth=1.6, marker="o", markersize=3.5,
                   label="corrected, with interval"),
            Line2D([], [], color="#555555", linewidth=1.0, linestyle="--",
                   label="machine measure (uncorrected)")]


def _theme_styles(data: pd.DataFrame) -> dict[Any, tuple[str, str]]:
    names = sorted(data["theme"].unique())
    return _series_styles(names, [_label(n) for n in names])


def plot_corrected_shares(trends: pd.DataFrame, *, ax: Any = None,
                          themes: Sequence[str] | None = None,
                          title: str | None = None, measure: str | None = None) -> Any:
    """Corrected theme shares with their intervals, beside the raw (machine) share.

    Parameters
    ----------
    trends : DataFrame
        From ``theme_trends(..., coded=...)`` without ``by`` (or one group's
        rows): ``period, theme, share, share_corrected, corrected_lo,
        corrected_hi`` (and ``n_coded``).
    ax : Axes, optional
        Where to draw; a new figure when None.
    themes : sequence of str, optional
        Subset of themes to draw.
    title : str, optional
    measure : str, optional
        What ``present`` means, for the title (as in :func:`plot_theme_shares`).

    Returns
    -------
    Axes
        Per theme: the corrected share (solid, with its interval band; a gap
        where the cell is not estimable) and the raw share of the machine
        measure (dashed, same colour; each theme its own colour), y in per
        cent; the legend (themes, then the two line styles) to the right of
        the data.
    """
    cols = ["period", "theme", "share", "share_corrected", "corrected_lo", "corrected_hi"]
    data = _check(trends, cols, "plot_corrected_shares")
    if themes is not None:
        data = data[data["theme"].isin(list(themes))]
    with _plt().rc_context(style()):
        ax = _new_ax(ax, (8.5, 4.2))
        _corrected_lines(ax, data, _theme_styles(data))
        ax.set_ylabel("Share of articles (%)")
        ax.set_ylim(bottom=0)
        level = trends.attrs.get("level")
        lvl = f", {level:.0%} intervals" if level else ""
        ax.set_title(title or f"Share of articles in which each theme is {_measure(measure)}, "
                              f"corrected with the coded sample{lvl}")
        if len(data):
            _legend_outside(ax, handles=_corrected_legend_handles(ax))
        else:
            ax.text(0.5, 0.5, "No dated articles at this resolution", ha="center",
                    va="center", transform=ax.transAxes)
        _note(ax, excluded_note(trends.attrs, unit="articles"))
    return ax


def plot_corrected_shares_by_group(trends: pd.DataFrame, *, by: str | None = None,
                                   fig: Any = None, ncols: int = 3,
                                   themes: Sequence[str] | None = None,
                                   measure: str | None = None) -> Any:
    """Small multiples of corrected theme shares, one panel per group (e.g. outlet).

    Takes and returns a **Figure**, like :func:`plot_theme_shares_by_group`.

    Parameters
    ----------
    trends : DataFrame
        From ``theme_trends(..., by=by, coded=...)``: ``<by>, period, theme,
        share, share_corrected, corrected_lo, corrected_hi`` (and ``n_coded``,
        shown in each panel's title).
    by : str, optional
        The group column; default ``trends.attrs["by"][0]``.
    fig : Figure, optional
        Figure to draw into (cleared first); a new one when None.
    ncols : int
        Panels per row.
    themes : sequence of str, optional
    measure : str, optional
        What ``present`` means, for the title.

    Returns
    -------
    Figure
        Per panel and theme the corrected share (solid, interval band) and the
        machine share (dashed, same colour); one y range for all panels; the
        title names the measure and the correction; one legend above the
        panels.
    """
    by = by or (trends.attrs.get("by") or [None])[0]
    if by is None:
        from civictext.trends.shares import TrendError

        raise TrendError("plot_corrected_shares_by_group: pass by= (the group column) or a "
                         "table made with theme_trends(..., by=..., coded=...)")
    cols = ["period", "theme", "share", "share_corrected", "corrected_lo", "corrected_hi", by]
    data = _check(trends, cols, "plot_corrected_shares_by_group")
    if themes is not None:
        data = data[data["theme"].isin(list(themes))]
    styles = _theme_styles(data)
    plt = _plt()
    with plt.rc_context(style()):
        fig, axes, groups, ncols = _group_panels(fig, data, by, ncols, (3.8, 3.0, 1.2))
        for k, ax in enumerate(axes.flat[:len(groups)]):
            g = data[data[by].astype(str) == groups[k]]
            _corrected_lines(ax, g, styles)
            coded = (f", {int(g.drop_duplicates('period')['n_coded'].sum())} coded"
                     if "n_coded" in g else "")
            n_art = (f"n = {int(g.drop_duplicates('period')['n_articles'].sum())}"
                     if "n_articles" in g else "")
            extra = f" ({n_art}{coded})" if n_art else ""
            ax.set_title(f"{groups[k] or '(no ' + by + ')'}{extra}", fontsize=9)
            if k % ncols == 0:
                ax.set_ylabel("Share of articles (%)")
        _shared_y_range(axes, data, ["share", "share_corrected", "corrected_hi"], groups)
        handles = _corrected_legend_handles(axes.flat[0]) if len(data) else []
        level = trends.attrs.get("level")
        lvl = f", {level:.0%} intervals" if level else ""
        fig.suptitle(f"Share of articles in which each theme is {_measure(measure)}, "
                     f"corrected with the coded sample{lvl}, per {by}", fontsize=10, y=0.995)
        ncol = min(len(handles), 3) or 1
        if handles:
            fig.legend(handles=handles, loc="upper center", ncols=ncol, frameon=False,
                       fontsize=8, bbox_to_anchor=(0.5, 0.955))
        fig.text(0.01, 0.005, excluded_note(trends.attrs, unit="articles"), fontsize=7.5,
                 color="#444444", va="bottom")
        rows_of_legend = int(np.ceil(len(handles) / ncol)) if handles else 0
        fig.tight_layout(rect=(0, 0.04, 1, 0.93 - 0.03 * rows_of_legend))
    return fig


# ------------------------------------------------------------- tables
_LABEL_COLUMNS = {"period", "year", "topic", "rank", "cluster", "doc_id", "id", "line", "start",
                  "end", "sent_id"}

def table(frame: pd.DataFrame, *, columns: Sequence[str] | None = None,
          per_group: str | None = None, n: int | None = None, nowrap: Sequence[str] = (),
          wrap: Mapping[str, int] | None = None, max_chars: int | None = None,
          precision: int = 3, percent: Sequence[str] = ()) -> Any:
    """A DataFrame shown so it fits a notebook: a pandas ``Styler``.

    Tables use the notebook's proportional font, which draws every Vietnamese
    letter (the monospace font of code output may not), so evidence sentences
    and term lists read correctly here and not in ``print``.

    Parameters
    ----------
    frame : DataFrame
    columns : sequence of str, optional
        The columns to show, in this order.
    per_group : str, optional
        Show the first ``n`` rows of every value of this column (e.g. every
        outlet), instead of the first ``n`` rows of the table.
    n : int, optional
        Rows shown (per group with ``per_group``); all when None.
    nowrap : sequence of str
        Columns never broken across lines (terms, ids, periods).
    wrap : mapping of str to int, optional
        Columns wrapped at about this many characters wide (notes, sentences);
        line breaks in them are kept.
    max_chars : int, optional
        Cut longer texts to this many characters (with "…").
    precision : int
        Decimals of floats (no scientific notation).
    percent : sequence of str
        Fractions shown as per cent (two decimals).

    Returns
    -------
    pandas.io.formats.style.Styler
        Displayed as HTML by Jupyter; ``.data`` is the shown frame.
    """
    if not isinstance(frame, pd.DataFrame):
        from civictext.trends.shares import TrendError

        raise TrendError(f"table: expected a pandas DataFrame, got {type(frame).__name__}")
    data = frame
    if columns is not None:
        missing = [c for c in columns if c not in data.columns]
        if missing:
            from civictext.trends.shares import TrendError

            raise TrendError(f"table: no column(s) {missing}; the table has "
                             f"{list(data.columns)}")
        data = data[list(columns)]
    if n is not None:
        data = data.groupby(per_group, sort=False).head(n) if per_group else data.head(n)
    data = data.reset_index(drop=True)  # the index is not shown; styling needs it unique
    if max_chars:
        for c in data.columns:
            if data[c].dtype == object or str(data[c].dtype).startswith("str"):
                txt = data[c].astype("string")
                data[c] = txt.where(txt.str.len() <= max_chars,
                                    txt.str[:max_chars - 1] + "…").astype(object)
    fmt: dict[str, Any] = {}
    for c in data.columns:
        if c in percent:
            fmt[c] = "{:.2%}"  # news shares are often well under 1 %
        elif pd.api.types.is_float_dtype(data[c]):
            fmt[c] = f"{{:,.{precision}f}}"
        elif (pd.api.types.is_integer_dtype(data[c]) and not pd.api.types.is_bool_dtype(data[c])
              and str(c) not in _LABEL_COLUMNS):  # 2019 is a year, not 2,019
            fmt[c] = "{:,}"
    styler = data.style.format(fmt, na_rep="").hide(axis="index")
    styler = styler.set_table_styles([{"selector": "th", "props": "text-align: left;"},
                                      {"selector": "td", "props": "vertical-align: top;"}])
    text_cols = [c for c in data.columns if not pd.api.types.is_numeric_dtype(data[c])
                 or pd.api.types.is_bool_dtype(data[c])]
    if text_cols:  # text reads from the left; numbers stay right-aligned
        styler = styler.set_properties(subset=text_cols, **{"text-align": "left"})
    for c in nowrap:
        if c in data.columns:
            styler = styler.set_properties(subset=[c], **{"white-space": "nowrap"})
    for c, width in dict(wrap or {}).items():
        if c in data.columns:
            styler = styler.set_properties(subset=[c], **{
                "white-space": "pre-line", "min-width": f"{max(10, width // 2)}ch",
                "max-width": f"{width}ch", "text-align": "left"})
    return styler
