# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (civictext)
#     language: python
#     name: civictext
# ---

# %% [markdown]
# # 6. Case study: a year of a news feed, by outlet
#
# Monthly theme shares per outlet, with bootstrap intervals, on a real news
# feed: 153,825 titles and summaries from Thanh Niên, Tuổi Trẻ and VnExpress,
# every day from 7 August 2025 to 23 August 2026 (the `news-feed` corpus of
# `ct.datasets.list()`; source, licence and citation there). Then the evidence
# behind a few hits and how often each lexicon term occurs.
#
# **What it reads.** By default the **whole year** (`LIMIT = None`). That
# takes a few minutes: run from JupyterLab on a 2-core machine shared with other
# jobs (load average 8-10), 360 s: reading 23 s, dropping near-duplicates
# 181 s, scoring 69 s, coverage 68 s; each step prints its time. `LIMIT =
# 20000` reads only the first 20,000 items: the feed is in date order, so that
# is the first six weeks, not a sample of the year.
#
# **Where the corpus comes from.** `ct.fetch_corpus(DATASET)` returns a local
# copy when there is one (`../shared/corpora`, or `$CIVICTEXT_SHARED_CORPORA`),
# else the cached download (`~/.cache/civictext/datasets`, or `$CIVICTEXT_DATA`),
# else downloads it with a progress bar where the registry has a link. When the
# corpus cannot be had, the notebook says so and runs on `CORPUS` (the bundled
# corpus by default), so it always runs. To study another corpus, set
# `DATASET = None` and `CORPUS` to any file or folder `ct.read_corpus` reads
# (`FIELDS` names unusual JSON fields).
#
# Article text is shown below only when the notebook runs; nothing of the feed
# is stored in the repository.

# %% tags=["parameters"]
CORPUS = "../corpus"  # used when DATASET is None or cannot be had here
DATASET = "news-feed"  # a real corpus by name (see ct.datasets.list()); None: use CORPUS
LIMIT = None  # None: the whole year; N: the first N items (the first days: date order)
OUT = "../outputs/notebooks/06_case_study_news_feed"
SEED = 0
FIELDS = None  # e.g. {"text": "summary", "published": "date"} for other JSON layouts
N_EVIDENCE = 5
RATES = False  # True: also hits per 1,000 words (segments every item: ~15 min for the year)

# %%
import time
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

import civictext as ct
from civictext.viz import plots

out = Path(OUT)
out.mkdir(parents=True, exist_ok=True)
clock = time.perf_counter()
try:
    source = ct.fetch_corpus(DATASET) if DATASET else Path(CORPUS)
except ct.DatasetError as exc:
    print(f"{exc}\n-> using CORPUS = {CORPUS!r} instead")
    source = Path(CORPUS)
read = ct.read_corpus(source, limit=LIMIT, fields=FIELDS, progress=True)
print(f"{source}: {len(read):,} documents read in {time.perf_counter() - clock:.0f} s")

# %% [markdown]
# Syndicated copies and re-posted items are counted once (as in `civictext run`):

# %%
clock = time.perf_counter()
articles = ct.drop_near_duplicates(read, random_state=SEED)
print(f"{articles.attrs['dropped']:,} near-duplicates dropped, {len(articles):,} kept "
      f"({time.perf_counter() - clock:.0f} s)")
# VnExpress publishes section feeds ("VnExpress - Thể Thao"): one outlet
articles["outlet"] = articles["source"].fillna("").str.replace(r"\s+-\s+.*$", "", regex=True)
display(articles.groupby("outlet").size().rename("documents").to_frame())
print("dates from the link's timestamp (Tuổi Trẻ's feed date is a fetch time):",
      int(articles["date_evidence"].fillna("").str.startswith("url timestamp").sum()))

# %% [markdown]
# ## Theme shares by month and outlet
#
# A theme is *present* when the item is about it (the focus rule: a lexicon
# term in the headline, or in the lead and one more sentence, or in one sentence
# in five); `mentioned` counts any use of its vocabulary. Shares need no word
# counts; with `RATES = False` the per-1,000-word rates are not computed
# (`score_themes` is given zero word counts, so `per_1k` is 0 and not shown).

# %%
clock = time.perf_counter()
n_tokens = (ct.count_tokens(articles, n_jobs=2) if RATES
            else pd.Series(0, index=articles["doc_id"].astype(str)))
scores = ct.score_themes(articles, n_tokens=n_tokens)
print(f"scored in {time.perf_counter() - clock:.0f} s")
freq = "M" if articles["published"].fillna("").str.len().ge(7).any() else "Y"
display(scores.groupby("theme")[["present", "mentioned"]].sum())
by_outlet = ct.theme_trends(scores, articles, freq=freq, by="outlet", random_state=SEED)
if not RATES:  # no word counts: leave the (zero) per-1,000 columns out of the file
    by_outlet = by_outlet.drop(columns=[c for c in by_outlet.columns if "per_1k" in c])
by_outlet.to_csv(out / "trends_by_outlet.csv", index=False)

# %% [markdown]
# Share of items with each theme present, per month (rows) and outlet (columns):

# %%
if len(by_outlet):
    shares = by_outlet.pivot_table(index=["theme", "period"], columns="outlet", values="share")
    display(shares.style.format("{:.2%}", na_rep=""))
    display(plots.table(by_outlet[by_outlet["n_present"] > 0],
                        columns=["outlet", "period", "theme", "n_articles", "n_present", "share",
                                 "share_lo", "share_hi"], per_group="outlet", n=4,
                        nowrap=["outlet", "period"], percent=["share", "share_lo", "share_hi"]))

# %%
if by_outlet["n_articles"].gt(0).any():
    fig = plots.plot_theme_shares_by_group(by_outlet, by="outlet", measure="focus")
    plt.show()

# %% [markdown]
# ## Evidence for a few hits
#
# Each hit with its sentence, so a reader can judge it (shown at run time
# only, as a table: its font draws every Vietnamese letter). Hand-judged
# precision on real hits is in `benchmarks/RESULTS.md`: 0.86–0.91 for reform
# and conduct, 0.58–0.83 for satisfaction (two coders disagree) for `present`;
# 0.51–0.66 for `mentioned`.

# %%
evidence = ct.theme_evidence(articles[articles["doc_id"].isin(
    scores.loc[scores["present"], "doc_id"])])
sample = evidence.drop_duplicates(["doc_id", "theme"]).groupby("theme").head(N_EVIDENCE)
plots.table(sample, columns=["doc_id", "theme", "term", "sentence"], nowrap=["doc_id", "term"],
            wrap={"sentence": 100})

# %% [markdown]
# ## Lexicon coverage
#
# How many documents each term occurs in; terms that never occur are listed
# (in a news feed of titles and summaries, many specialised terms never do).

# %%
clock = time.perf_counter()
coverage = ct.coverage_report(articles, ct.load_lexicons())
coverage.to_csv(out / "coverage.csv", index=False)
print(f"coverage in {time.perf_counter() - clock:.0f} s; "
      f"{int(coverage['never_occurs'].sum())} of {len(coverage)} terms never occur")
plots.table(coverage.sort_values("docs", ascending=False),
            columns=["theme", "term", "docs", "hits", "share_outside", "note"], n=15,
            nowrap=["term"], wrap={"note": 60}, max_chars=160, percent=["share_outside"])
