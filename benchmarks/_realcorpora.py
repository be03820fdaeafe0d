"""Shared helpers for the real-corpus scripts (precision sample and report).

Reads the three corpora under ``$CIVICTEXT_SHARED_CORPORA`` (default
``../shared/corpora`` next to the checkout) and finds the documents where a
theme is present, with the term that put it there. Nothing here writes text
of the corpora anywhere.
"""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from civictext.ingest.reader import read_corpus
from civictext.themes.lexicon import load_lexicons
from civictext.themes.scoring import score_themes, theme_evidence

CORPORA = {
    "dantri": "dantri-unc/articles",
    "vnds": "vnds-test/articles.seg.jsonl.gz",
    "newsfeed": "news-feed/articles.jsonl.gz",
}


def shared_root() -> Path:
    env = os.environ.get("CIVICTEXT_SHARED_CORPORA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "corpora"


def read(name: str, limit: int | None = None) -> pd.DataFrame:
    path = shared_root() / CORPORA[name]
    if not path.exists():
        raise SystemExit(f"{path} not found; set CIVICTEXT_SHARED_CORPORA to the corpora folder")
    return read_corpus(path, limit=limit)


def theme_hits(articles: pd.DataFrame, lexicon=None, presence: str = "focus") -> pd.DataFrame:
    """One row per (doc_id, theme) where the theme is mentioned.

    Columns ``doc_id, theme, term`` (the document's most frequent strong term
    for the theme, else its first term), ``score``, ``mentioned`` (always
    True here) and ``present`` (by ``presence``: "focus", the default rule, or
    "mention").
    """
    lexicon = lexicon or load_lexicons()
    cols = ["doc_id", "theme", "term", "score", "mentioned", "present"]
    ev = theme_evidence(articles, lexicon)
    ids = articles["doc_id"].astype(str)
    if ev.empty:
        return pd.DataFrame(columns=cols)
    touched = articles[ids.isin(set(ev["doc_id"].astype(str)))]
    scores = score_themes(touched, lexicon, presence=presence,
                          n_tokens=pd.Series(1, index=touched["doc_id"].astype(str)))
    found = scores[scores["mentioned"]][["doc_id", "theme", "score", "mentioned", "present"]]
    ev = ev.assign(strong=~ev["weak"].astype(bool))
    top = (ev.groupby(["doc_id", "theme", "term"], sort=False)
             .agg(strong=("strong", "first"), n=("term", "size"), first=("start", "min"))
             .reset_index()
             .sort_values(["doc_id", "theme", "strong", "n", "first"],
                          ascending=[True, True, False, False, True])
             .drop_duplicates(["doc_id", "theme"]))
    return found.merge(top[["doc_id", "theme", "term"]], on=["doc_id", "theme"], how="left")[cols]
