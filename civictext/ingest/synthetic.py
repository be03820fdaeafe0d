"""SYNTHETIC corpora built from the bundled seed page's own sentences.

For benchmarks and checks only: every article made here has ``synthetic=True``,
``format="synthetic"`` and a ``SYNTHETIC-…`` source name, and nothing here is ever
written into ``corpus/``. Articles are reshuffled sentences of the seed page's
main article and teasers, dated across a span of years, so the text is real
Vietnamese news prose while the metadata is made up.

>>> df = generate_corpus(5, random_state=1)
>>> bool(df["synthetic"].all()), sorted(df["source"].unique())
(True, ['SYNTHETIC-A', 'SYNTHETIC-B'])
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civictext.config import DEFAULT_RANDOM_STATE
from civictext.errors import ParameterError
from civictext.text.normalize import normalize_text

__all__ = ["SEED_PAGE", "seed_sentences", "generate_corpus", "planted_trend_corpus",
           "planted_keyword_scores", "PLANTED_THEME_KEYWORDS", "planted_measurement_error",
           "planted_model_corpus", "PLANTED_MODEL_TERM"]

#: The project's sample page (the bundled corpus).
SEED_PAGE = Path(__file__).resolve().parents[2] / "corpus" / "ldtd-van-hoa-cong-so.txt"

_SENT_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZĐÀ-Ỹ\"“(])")
_ALT_TEXT = re.compile(r"^[a-z0-9 ]+ \d{3,}\b")


@lru_cache(maxsize=4)
def seed_sentences(path: str | Path = SEED_PAGE) -> tuple[str, ...]:
    """Sentences of the seed page's prose (paragraphs of 60+ characters).

    Image alt-text lines and the "(LĐTĐ)" tag are dropped; duplicates removed,
    order kept. Deterministic: depends only on the file.
    """
    text = Path(path).read_text(encoding="utf-8")
    seen: dict[str, None] = {}
    for line in text.splitlines():
        line = normalize_text(line)
        if len(line) < 60 or _ALT_TEXT.match(line):
            continue
        line = line.removeprefix("(LĐTĐ)").strip()
        for sent in _SENT_END.split(line):
            sent = sent.strip()
            if len(sent) >= 20:
                seen.setdefault(sent, None)
    return tuple(seen)


def generate_corpus(
    n_articles: int,
    *,
    sentences_per_article: tuple[int, int] = (4, 12),
    start: str = "2015-01-01",
    end: str = "2024-12-31",
    sources: tuple[str, ...] = ("SYNTHETIC-A", "SYNTHETIC-B"),
    random_state: int | None = DEFAULT_RANDOM_STATE,
    sentences: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Make ``n_articles`` synthetic articles with the articles-table columns.

    Parameters
    ----------
    n_articles : int
        Number of articles.
    sentences_per_article : (int, int), keyword-only
        Inclusive range of sentences drawn (with replacement) per article.
    start, end : str, keyword-only
        Publication dates are drawn uniformly between these days (day precision).
    sources : tuple of str, keyword-only
        Outlet names assigned at random; the ``source`` column holds them, and
        every row also has ``synthetic=True``.
    random_state : int, keyword-only
        Seed; the same seed gives the same corpus.
    sentences : tuple of str, optional
        Sentence pool (default: :func:`seed_sentences`).

    Returns
    -------
    DataFrame
        The columns of ``read_corpus`` (docs/pipeline.md), plus ``synthetic``.
    """
    if n_articles < 0:
        raise ParameterError(f"generate_corpus: n_articles must be >= 0, got {n_articles}")
    rng = np.random.default_rng(random_state)
    pool = sentences or seed_sentences()
    lo, hi = sentences_per_article
    days = pd.date_range(start, end, freq="D")
    rows = []
    for i in range(n_articles):
        k = int(rng.integers(lo, hi + 1))
        idx = rng.integers(0, len(pool), size=k)
        body = [pool[j] for j in idx]
        title = body[0][:80].rstrip(" ,.;:")
        text = "\n\n".join([title, *(" ".join(body[j:j + 3]) for j in range(1, k, 3))])
        day = days[int(rng.integers(0, len(days)))]
        rows.append(_row(i, title, text, day, sources[int(rng.integers(0, len(sources)))]))
    return pd.DataFrame(rows, columns=_COLUMNS)


_COLUMNS = ["doc_id", "kind", "parent_id", "source", "source_tag", "url", "title", "kicker",
            "lead", "headings", "captions", "byline", "text", "published", "date_precision",
            "date_evidence", "category", "path", "format", "segmented", "synthetic"]


def _row(i: int, title: str, text: str, day: pd.Timestamp, source: str) -> dict:
    digest = hashlib.sha256(f"{i}\n{text}".encode()).hexdigest()[:12]
    return {
        "doc_id": f"syn{i:06d}-{digest}", "kind": "article", "parent_id": None,
        "source": source, "source_tag": "", "url": "", "title": title, "kicker": "",
        "lead": "", "headings": "", "captions": "", "byline": "", "text": text,
        "published": day.strftime("%Y-%m-%d"), "date_precision": "day",
        "date_evidence": "synthetic", "category": "", "path": "", "format": "synthetic",
        "segmented": False, "synthetic": True,
    }


# ------------------------------------------------------------ planted trends
#: Unambiguous keywords that mark a seed sentence as carrying one theme. Used
#: only by the simulator below, so it does not depend on the theme scorer;
#: matched case-insensitively on NFC text.
PLANTED_THEME_KEYWORDS: dict[str, tuple[str, ...]] = {
    "reform": ("cải cách hành chính", "dịch vụ công trực tuyến", "một cửa", "cchc",
               "parindex"),
    "conduct": ("quy tắc ứng xử", "văn hóa công sở", "quy tắc giao tiếp ứng xử"),
    "satisfaction": ("chỉ số hài lòng", "mức độ hài lòng", "sipas"),
}

# Broader words per theme: a sentence kept for one theme must have none of the
# other themes' broad words (a fuller lexicon could count those). A sentence with
# only a broad word of its theme (a bare "hài lòng", which the built-in lexicon
# treats as weak) goes in no pool.
_BROAD_WORDS: dict[str, tuple[str, ...]] = {
    "reform": ("cải cách", "một cửa", "cchc", "parindex", "par index", "dịch vụ công",
               "chính quyền điện tử", "chính quyền số", "kỷ cương hành chính",
               "thủ tục hành chính", "nền hành chính", "chuyển đổi số"),
    "conduct": ("ứng xử", "công sở", "quy tắc", "đạo đức công vụ", "kỷ cương", "công vụ",
                "nhũng nhiễu", "hách dịch", "quan liêu", "tác phong"),
    "satisfaction": ("hài lòng", "sipas", "papi", "pci", "niềm tin", "trách nhiệm giải trình",
                     "đường dây nóng", "kiến nghị", "ddci", "năng lực cạnh tranh"),
}

# Words that keep a sentence out of the theme-free base pool, broader than the
# keywords above, so base sentences do not carry any civic theme a fuller
# lexicon might know (conduct, service, government, indices, digital services).
_CIVIC_WORDS = (
    "ứng xử", "hành chính", "công vụ", "công sở", "phục vụ", "hài lòng", "chính quyền",
    "công chức", "cán bộ", "dịch vụ công", "một cửa", "chỉ số", "kỷ cương", "kỷ luật",
    "thi đua", "sipas", "papi", "pci", "par", "nhân dân", "người dân", "thân thiện",
    "lịch sự", "niềm nở", "công nghệ thông tin", "chuyển đổi số", "điện tử", "quy tắc",
    "trách nhiệm", "nêu gương", "khen thưởng", "tiếp dân", "hồ sơ", "thủ tục", "ubnd",
    "ủy ban", "nhiệm vụ", "giải quyết",
)


def _planted_pools(sentences: tuple[str, ...]) -> tuple[dict[str, list[str]], list[str]]:
    """Split seed sentences into one pool per theme (exactly one theme's
    keywords) and a base pool (no civic words at all)."""
    pools: dict[str, list[str]] = {t: [] for t in PLANTED_THEME_KEYWORDS}
    base = []
    for s in sentences:
        low = s.lower()
        themes = [t for t, kws in PLANTED_THEME_KEYWORDS.items() if any(k in low for k in kws)]
        if len(themes) == 1:
            others = [w for t, ws in _BROAD_WORDS.items() if t != themes[0] for w in ws]
            if not any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", low) for w in others):
                pools[themes[0]].append(s)
        elif not themes and not any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", low)
                                    for w in _CIVIC_WORDS):
            base.append(s)
    return pools, base


def planted_trend_corpus(
    shares: dict[str, "Sequence[float]"],
    periods: "Sequence[str]",
    n_per_period: "int | Sequence[int]",
    *,
    random_state: int | None = DEFAULT_RANDOM_STATE,
    base_sentences: tuple[int, int] = (3, 8),
    year_only_share: float = 0.0,
    sources: tuple[str, ...] = ("SYNTHETIC-A", "SYNTHETIC-B"),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """SYNTHETIC dated corpus with known (planted) theme shares per period.

    Each article has 3-8 theme-free base sentences of the seed page; for every
    theme, with the planted probability of its period, one or two sentences
    carrying that theme (and no other) are mixed in. Which seed sentences carry
    which theme is decided by :data:`PLANTED_THEME_KEYWORDS`, not by the theme
    scorer, so the truth is independent of the estimator being checked.

    Parameters
    ----------
    shares : dict
        Theme (a key of :data:`PLANTED_THEME_KEYWORDS`) -> one probability per period.
    periods : sequence of str
        Period labels, all of one frequency: ``"2020-01"``, ``"2020Q1"`` or ``"2020"``.
    n_per_period : int or sequence of int
        Articles per period (0 allowed: an empty period).
    random_state : int, keyword-only
        Seed; same arguments give the same corpus and truth.
    base_sentences : (int, int), keyword-only
        Inclusive range of base sentences per article.
    year_only_share : float, keyword-only
        Fraction of articles whose date is given only to the year
        (``published="2020"``, ``date_precision="year"``), to exercise the
        precision rules.
    sources : tuple of str, keyword-only
        Outlet names assigned at random.

    Returns
    -------
    (articles, truth)
        ``articles``: the articles-table columns plus ``synthetic`` (True) and
        ``planted_themes`` (``";"``-joined themes planted in the article);
        source names start with ``SYNTHETIC``. ``truth``: one row per
        (period, theme): ``period``, ``theme``, ``planted_share`` (the
        probability), ``n_articles``, ``n_planted`` (articles that got it).

    Examples
    --------
    >>> arts, truth = planted_trend_corpus({"satisfaction": [0.1, 0.9]},
    ...                                    ["2020-01", "2020-02"], 20, random_state=3)
    >>> len(arts), bool(arts["synthetic"].all()), truth["planted_share"].tolist()
    (40, True, [0.1, 0.9])
    """
    periods = [str(p) for p in periods]
    per: Any = n_per_period  # one number or one per period
    counts = [int(per)] * len(periods) if np.ndim(per) == 0 else [int(n) for n in per]
    if len(counts) != len(periods) or min(counts, default=0) < 0:
        raise ParameterError(f"planted_trend_corpus: n_per_period must be one non-negative int or "
                         f"one per period ({len(periods)}); got {n_per_period!r}")
    pools, base = _planted_pools(seed_sentences())
    for theme, seq in shares.items():
        if theme not in pools:
            raise ParameterError(f"planted_trend_corpus: unknown theme {theme!r}; use one of "
                             f"{sorted(pools)}")
        if len(seq) != len(periods) or not all(0 <= float(p) <= 1 for p in seq):
            raise ParameterError(f"planted_trend_corpus: shares[{theme!r}] must give one "
                             f"probability in [0, 1] per period ({len(periods)}); got {seq!r}")
    freq = "Y" if len(periods[0]) == 4 else "Q" if "Q" in periods[0] else "M"
    rng = np.random.default_rng(random_state)
    rows, truth, planted_col = [], [], []
    i = 0
    for k, (label, n) in enumerate(zip(periods, counts)):
        per = pd.Period(label, freq=freq)
        days = pd.date_range(per.start_time, per.end_time.normalize(), freq="D")
        got = {t: 0 for t in shares}
        for _ in range(n):
            body = [base[j] for j in rng.integers(0, len(base),
                                                  size=int(rng.integers(base_sentences[0],
                                                                        base_sentences[1] + 1)))]
            title = body[0][:80].rstrip(" ,.;:")
            planted = []
            for theme in sorted(shares):
                if rng.random() < float(shares[theme][k]):
                    pool = pools[theme]
                    for j in rng.integers(0, len(pool), size=int(rng.integers(1, 3))):
                        body.insert(int(rng.integers(1, len(body) + 1)), pool[j])
                    planted.append(theme)
                    got[theme] += 1
            text = "\n\n".join([title, *(" ".join(body[j:j + 3])
                                         for j in range(1, len(body), 3))])
            day = days[int(rng.integers(0, len(days)))]
            row = _row(i, title, text, day, sources[int(rng.integers(0, len(sources)))])
            row["source"] = row["source"] if row["source"].startswith("SYNTHETIC") \
                else f"SYNTHETIC-{row['source']}"
            if rng.random() < year_only_share:
                row.update(published=day.strftime("%Y"), date_precision="year")
            rows.append(row)
            planted_col.append(";".join(planted))
            i += 1
        for theme in sorted(shares):
            truth.append({"period": label, "theme": theme,
                          "planted_share": float(shares[theme][k]), "n_articles": n,
                          "n_planted": got[theme]})
    articles = pd.DataFrame(rows, columns=_COLUMNS)
    articles["planted_themes"] = pd.Series(planted_col, dtype="object")
    truth_df = pd.DataFrame(truth, columns=["period", "theme", "planted_share", "n_articles",
                                            "n_planted"])
    return articles, truth_df


def planted_keyword_scores(articles: pd.DataFrame) -> pd.DataFrame:
    """Score a planted corpus with the simulator's own keywords (a transparent scorer).

    Returns the theme-scores columns (``doc_id, theme, hits, n_tokens, per_1k,
    present``) with ``present`` when any of :data:`PLANTED_THEME_KEYWORDS` of
    the theme occurs, so a check of the trend estimator does not also test the
    lexicons. ``n_tokens`` counts whitespace-separated words.
    """
    rows = []
    for d, text in zip(articles["doc_id"], articles["text"]):
        low = text.lower()
        n_tok = max(1, len(low.split()))
        for theme, kws in PLANTED_THEME_KEYWORDS.items():
            hits = sum(low.count(k) for k in kws)
            rows.append({"doc_id": d, "theme": theme, "hits": hits, "n_tokens": n_tok,
                         "per_1k": 1000 * hits / n_tok, "present": hits > 0})
    return pd.DataFrame(rows)


def planted_measurement_error(
    *,
    n_per_cell: int = 200,
    n_periods: int = 12,
    true_share: float | tuple[float, float] = 0.3,
    recall: tuple[float, float] = (0.8, 0.4),
    outlet_recall_shift: float = -0.2,
    false_positive_rate: float = 0.03,
    theme: str = "reform",
    random_state: int | None = DEFAULT_RANDOM_STATE,
) -> dict[str, pd.DataFrame]:
    """SYNTHETIC tables in which a theme measure's recall drifts, with the truth known.

    Two outlets (``SYNTHETIC-A``, ``SYNTHETIC-B``), ``n_periods`` months from
    January 2024, ``n_per_cell`` articles per outlet and month. Each article is
    truly about ``theme`` with probability ``true_share`` (one number, or a
    (first, last) pair for a linear trend); the machine measure finds a true
    article with probability ``recall``, drifting linearly from
    ``recall[0]`` to ``recall[1]`` over the months (outlet B's recall shifted by
    ``outlet_recall_shift``, clipped to [0.05, 1]), and marks a false one with
    probability ``false_positive_rate``. So the naive share shows a falling
    trend, and a gap between the outlets, that are artefacts of the measure.

    Returns
    -------
    dict of DataFrame
        ``articles``: ``doc_id, published, date_precision, source, text``
        (text is a placeholder); ``scores``: ``doc_id, theme, present,
        per_1k`` (the machine measure); ``truth``: ``doc_id, theme,
        relevant`` (0/1, for every article: code a sample of it);
        ``cells``: ``period, source, theme, true_share`` (the planted probability).

    >>> t = planted_measurement_error(n_per_cell=50, n_periods=2, random_state=1)
    >>> len(t["articles"]), sorted(t["cells"]["period"].unique())
    (200, ['2024-01', '2024-02'])
    """
    rng = np.random.default_rng(random_state)
    share: Any = true_share  # one number or a (first, last) pair
    lo, hi = (float(share), float(share)) if np.ndim(share) == 0 else map(float, share)
    rows, cells = [], []
    for m in range(n_periods):
        frac = m / max(n_periods - 1, 1)
        p = lo + (hi - lo) * frac
        base_recall = recall[0] + (recall[1] - recall[0]) * frac
        for o, source in enumerate(("SYNTHETIC-A", "SYNTHETIC-B")):
            rec = float(np.clip(base_recall + o * outlet_recall_shift, 0.05, 1.0))
            y = rng.random(n_per_cell) < p
            f = np.where(y, rng.random(n_per_cell) < rec,
                         rng.random(n_per_cell) < false_positive_rate)
            day = rng.integers(1, 28, size=n_per_cell)
            for i in range(n_per_cell):
                rows.append((f"syn-{source[-1]}-{m:02d}-{i:04d}",
                             f"{2024 + m // 12}-{m % 12 + 1:02d}-{day[i]:02d}",
                             source, bool(f[i]), int(y[i])))
            period = str(pd.Period(f"{2024 + m // 12}-{m % 12 + 1:02d}", freq="M"))
            cells.append({"period": period, "source": source, "theme": theme, "true_share": p})
    ids, pub, src, present, rel = map(list, zip(*rows))
    articles = pd.DataFrame({"doc_id": ids, "published": pub, "date_precision": "day",
                             "source": src, "text": "SYNTHETIC"})
    scores = pd.DataFrame({"doc_id": ids, "theme": theme, "present": present,
                           "per_1k": np.where(present, 5.0, 0.0)})
    truth = pd.DataFrame({"doc_id": ids, "theme": theme, "relevant": rel})
    return {"articles": articles, "scores": scores, "truth": truth,
            "cells": pd.DataFrame(cells)}


# ------------------------------------------------------------ a corpus a theme model can learn
# syllables for made-up two-syllable words (none is a syllable of a bundled lexicon term, so
# the filler never matches a theme term); SYNTHETIC text, written for this simulator
_FILLER_SYLLABLES = (
    "an bạc bàn bếp biển bông cam cát cầu chè chim chợ cỏ cối cúc dưa đá đảo đèn đồi đông "
    "gạo gió gỗ hạt hoa hồng khói lá lạc lúa mạ mái mây mía mưa muối nấm nến ngô nhà non "
    "ốc phố quạt quế ruộng sáo sen sông suối tàu thóc thuyền tre trúc vải vườn xoài yến"
).split()
#: the theme term every "explicit" relevant article has in its headline (a reform term)
PLANTED_MODEL_TERM = "cải cách hành chính"


def planted_model_corpus(
    *,
    n_per_cell: int = 100,
    n_periods: int = 6,
    true_share: float = 0.3,
    explicit_share: float = 0.5,
    n_cues: int = 60,
    cue_noise: float = 0.15,
    words: int = 40,
    random_state: int | None = DEFAULT_RANDOM_STATE,
) -> dict[str, pd.DataFrame]:
    """SYNTHETIC articles with texts, for a theme model fitted on a coded sample.

    Two outlets (``SYNTHETIC-A``, ``SYNTHETIC-B``) x ``n_periods`` months from
    January 2024 x ``n_per_cell`` articles. Each article is truly about the
    theme "reform" with probability ``true_share``. A relevant article is
    *explicit* with probability ``explicit_share``: its headline contains
    :data:`PLANTED_MODEL_TERM` (the lexicon and any model find it); the other
    relevant articles are *implicit*: they carry two of ``n_cues`` cue words
    (made-up words a model can learn only from the coded articles it sees;
    irrelevant articles carry one with probability ``cue_noise``). The rest of
    each text is made-up two-syllable words (Zipf-distributed, none a lexicon
    term): a headline of 7 words and ``words`` more in sentences of 10. The
    segmentation is given (``segmented=True``, ``tokens_given``), as
    ``read_corpus(..., segmented=True)`` gives it, so no segmenter runs.

    A theme model fitted on a coded sample of these articles learns the cue
    words of the implicit articles it was shown; scored on those same
    articles it is (nearly) always right, on the others it misses most
    implicit ones: the in-sample case that cross-fitting
    (:func:`civictext.cross_fit_scores`) exists for.

    Returns
    -------
    dict of DataFrame
        ``articles`` (``doc_id, kind, source, published, date_precision, title,
        text, segmented, tokens_given, synthetic``), ``truth`` (``doc_id, theme,
        relevant, type``: explicit / implicit / irrelevant), ``cells``
        (``period, source, theme, true_share``, the planted probability).

    >>> w = planted_model_corpus(n_per_cell=10, n_periods=2, random_state=1)
    >>> len(w["articles"]), sorted(w["truth"]["type"].unique())
    (40, ['explicit', 'implicit', 'irrelevant'])
    """
    for name, v in (("true_share", true_share), ("explicit_share", explicit_share),
                    ("cue_noise", cue_noise)):
        if not isinstance(v, (int, float)) or not 0 <= v <= 1:
            raise ParameterError(f"planted_model_corpus: {name} must be in [0, 1], got {v!r}")
    for name, n in (("n_per_cell", n_per_cell), ("n_periods", n_periods), ("n_cues", n_cues),
                    ("words", words)):
        if isinstance(n, bool) or not isinstance(n, int) or n < 2:
            raise ParameterError(f"planted_model_corpus: {name} must be a whole number >= 2, "
                                 f"got {n!r}")
    rng = np.random.default_rng(random_state)
    syl = _FILLER_SYLLABLES
    vocab = np.array([f"{a}_{b}" for a in syl for b in syl if a != b], dtype=object)
    vocab = vocab[rng.permutation(len(vocab))]
    cues, filler = vocab[:n_cues], vocab[n_cues:n_cues + 1500]
    zipf = 1.0 / np.arange(1, len(filler) + 1) ** 0.8
    zipf /= zipf.sum()
    term = PLANTED_MODEL_TERM.split()
    rows, truth, cells = [], [], []
    for o, source in enumerate(("SYNTHETIC-A", "SYNTHETIC-B")):
        for m in range(n_periods):
            day = pd.Timestamp(2024, 1, 1) + pd.DateOffset(months=m)
            cells.append({"period": str(day.to_period("M")), "source": source,
                          "theme": "reform", "true_share": float(true_share)})
            for j in range(n_per_cell):
                rel = bool(rng.random() < true_share)
                kind = ("irrelevant" if not rel else
                        "explicit" if rng.random() < explicit_share else "implicit")
                head = list(rng.choice(filler, 7, p=zipf))
                body = list(rng.choice(filler, words, p=zipf))
                if kind == "explicit":
                    head[2:2] = ["_".join(term[:2]), "_".join(term[2:])]
                if kind == "implicit":
                    for cue in rng.choice(cues, 2, replace=False):
                        body[int(rng.integers(0, words))] = cue
                elif rng.random() < cue_noise:
                    body[int(rng.integers(0, words))] = rng.choice(cues)
                sents = [head] + [body[k:k + 10] for k in range(0, words, 10)]
                given = "\n".join(" ".join(s).capitalize() + "." for s in sents)
                text = normalize_text(given.replace("_", " "))
                doc_id = f"synthetic-model-{o}{m:02d}{j:05d}"
                rows.append({"doc_id": doc_id, "kind": "article", "source": source,
                             "published": (day + pd.Timedelta(days=int(j % 28))).strftime(
                                 "%Y-%m-%d"), "date_precision": "day",
                             "title": text.split("\n")[0], "text": text, "segmented": True,
                             "tokens_given": normalize_text(given), "synthetic": True})
                truth.append({"doc_id": doc_id, "theme": "reform", "relevant": int(rel),
                              "type": kind})
    return {"articles": pd.DataFrame(rows), "truth": pd.DataFrame(truth),
            "cells": pd.DataFrame(cells)}
