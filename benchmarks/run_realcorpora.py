"""Full API runs on the real corpora (outputs outside the repository).

    CIVICTEXT_SHARED_CORPORA=/work/shared/corpora PYTHONPATH=.:benchmarks \\
        /usr/bin/time -v /work/venv/bin/python benchmarks/run_realcorpora.py newsfeed --out /work/realruns/api

* ``newsfeed``: monthly theme shares per outlet (VnExpress's section feeds
  folded into one outlet), with bootstrap intervals -> ``trends_by_outlet.csv``.
  Per-1,000 rates use whitespace syllable counts (``n_tokens``) instead of
  word segmentation: presence and shares do not depend on it, and segmenting
  153,825 items would dominate the run.
* ``dantri``: themes by category (from the file names ``news_<category>_NNN``)
  -> ``themes_by_category.csv``.
* ``vnds``: lexicon coverage on the long articles -> ``coverage.csv`` (topics:
  see the CLI run).

Prints the wall time of each stage.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from _realcorpora import CORPORA, shared_root  # type: ignore[import-not-found]

from civictext._io import write_csv
from civictext.ingest.reader import read_corpus
from civictext.themes.lexicon import load_lexicons
from civictext.themes.scoring import coverage_report, score_themes
from civictext.trends.shares import theme_trends


def _syllables(articles: pd.DataFrame) -> pd.Series:
    return pd.Series(articles["text"].str.split().str.len().fillna(0).astype("int64").to_numpy(),
                     index=articles["doc_id"].astype(str))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", choices=list(CORPORA))
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    out = Path(args.out) / args.corpus
    t0 = time.perf_counter()
    kw = {"category_pattern": r"news_([a-z]+)_"} if args.corpus == "dantri" else {}
    arts = read_corpus(shared_root() / CORPORA[args.corpus], **kw)
    t1 = time.perf_counter()
    print(f"read {len(arts)} documents in {t1 - t0:.1f} s")
    scores = score_themes(arts, n_tokens=_syllables(arts))
    t2 = time.perf_counter()
    print(f"scored in {t2 - t1:.1f} s; present (focus rule): "
          f"{scores[scores['present']].groupby('theme').size().to_dict()}; mentioned: "
          f"{scores[scores['mentioned']].groupby('theme').size().to_dict()}")
    write_csv(out / "scores.csv", scores)
    if args.corpus == "newsfeed":
        arts = arts.assign(outlet=arts["source"].str.replace(r"\s+-\s+.*$", "", regex=True))
        per = scores.merge(arts[["doc_id", "outlet"]], on="doc_id")
        print(per.groupby(["outlet", "theme"])[["present", "mentioned"]].sum().to_string())
        tr = theme_trends(scores, arts, freq="M", by="outlet")
        write_csv(out / "trends_by_outlet.csv", tr)
        print(f"trends: {len(tr)} rows, outlets {sorted(tr['outlet'].unique())}, "
              f"{time.perf_counter() - t2:.1f} s; excluded {tr.attrs.get('excluded')}")
        ev = arts["date_evidence"].str.startswith("url timestamp").sum()
        print(f"published from the link's timestamp (Tuổi Trẻ): {ev} items")
    elif args.corpus == "dantri":
        m = scores.merge(arts[["doc_id", "category"]], on="doc_id")
        tab = (m.groupby(["category", "theme"])["present"].agg(["sum", "size", "mean"])
               .rename(columns={"sum": "n_present", "size": "n_docs", "mean": "share"})
               .reset_index())
        write_csv(out / "themes_by_category.csv", tab)
        print(tab.pivot(index="category", columns="theme", values="n_present").to_string())
    else:
        cov = coverage_report(arts, load_lexicons())
        write_csv(out / "coverage.csv", cov)
        print(f"coverage: {len(cov)} terms, {int((cov['docs'] > 0).sum())} occur; "
              f"top: {cov.sort_values('docs', ascending=False).head(8)[['term', 'docs']].values.tolist()}")
    print(f"total {time.perf_counter() - t0:.1f} s")


if __name__ == "__main__":
    main()
