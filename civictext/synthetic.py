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
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from civictext.config import DEFAULT_RANDOM_STATE
from civictext.normalize import normalize_text

__all__ = ["SEED_PAGE", "seed_sentences", "generate_corpus"]

#: The project's sample page (the bundled corpus).
SEED_PAGE = Path(__file__).resolve().parents[1] / "corpus" / "ldtd-van-hoa-cong-so.txt"

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
        raise ValueError(f"generate_corpus: n_articles must be >= 0, got {n_articles}")
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
