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
# # 4. Attention over time: theme and topic trends
#
# How does attention to each theme move over time, and does it move the same way
# in every outlet? The honest answer needs the denominator (how many articles were
# published in the period) and the uncertainty (how much the share could change
# with a different sample of articles). `ct.theme_trends` gives, per period, the
# number of articles, how many have each theme present, the **share** with a bootstrap
# interval, and a `low_n` flag where there are too few articles to say anything.
#
# Dates are used at the precision they have: an article known only to the year
# is counted in yearly trends and left out of monthly ones (never placed in
# January), and the table says how many were left out.
#
# Then the same for **topics**: lexicon-seeded topics (named after the themes,
# plus unnamed topics that catch the rest) beside unsupervised NMF topics, and
# whether the topics survive a change of random seed.
#
# **A real corpus:** the bundled corpus has one dated article, so its "trends"
# are single points. Set `DATASET = "news-feed"` (a year of daily items from
# three outlets; `ct.fetch_corpus` downloads it once or uses a local copy) and
# `N_TOPICS = 10` to see attention move; `LIMIT` reads only the first items (in
# date order: the first days). Near-duplicates are dropped first, as in
# `civictext run`.

# %% tags=["parameters"]
CORPUS = "../corpus"  # a file or folder of your own; not used when DATASET is set
DATASET = None  # a real corpus by name, e.g. "news-feed" (see ct.datasets.list())
LIMIT = None  # read at most this many items (None: all)
OUT = "../outputs/notebooks/04_topic_trends"
SEED = 0
FREQ = "M"  # "M" month, "Q" quarter, "Y" year
N_TOPICS = 4  # small: the bundled corpus has 18 short documents
STABILITY_SEEDS = [0, 1, 2]
STABILITY_METHODS = ["seeded", "nmf", "lda"]  # seeded refits are the slow ones

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

import civictext as ct
from civictext.viz import plots

out = Path(OUT)
out.mkdir(parents=True, exist_ok=True)
corpus = ct.fetch_corpus(DATASET) if DATASET else CORPUS
read = ct.read_corpus(corpus, limit=LIMIT, progress=True)
articles = ct.drop_near_duplicates(read, random_state=SEED)
scores = ct.score_themes(articles)
print(f"{corpus}: {len(read)} documents, {articles.attrs['dropped']} near-duplicates dropped; "
      f"date precision: {articles['date_precision'].value_counts().to_dict()}")

# %% [markdown]
# ## Theme shares per period
#
# First at the resolution chosen in `FREQ`, then per year, which also uses
# articles dated only to the year.

# %%
trends = ct.theme_trends(scores, articles, freq=FREQ, random_state=SEED)
trends.to_csv(out / f"theme_trends_{FREQ}.csv", index=False)
print(f"freq={FREQ}: {trends['period'].nunique()} periods; "
      f"left out for their date precision: {trends.attrs.get('excluded')}")
plots.table(trends, columns=["period", "theme", "n_articles", "n_present", "share", "share_lo", "share_hi", "low_n"], per_group="theme", n=12, nowrap=["period"],
            percent=["share", "share_lo", "share_hi"])

# %%
if trends.empty or trends["n_articles"].sum() == 0:
    print(f"No article in this corpus is dated finely enough for freq={FREQ!r}; "
          "see the yearly trend below.")
else:
    ax = plots.plot_theme_shares(trends, measure="focus")
    plt.show()

# %%
yearly = ct.theme_trends(scores, articles, freq="Y", random_state=SEED)
yearly.to_csv(out / "theme_trends_Y.csv", index=False)
print(f"freq=Y: left out (undated): {yearly.attrs.get('excluded')}")
plots.table(yearly, columns=["period", "theme", "n_articles", "n_present", "share", "share_lo", "share_hi", "low_n"], nowrap=["period"],
            percent=["share", "share_lo", "share_hi"])

# %% [markdown]
# On the bundled corpus there is one dated article, so the yearly "trend" is a
# single point per theme, drawn hollow (`low_n`): a demonstration of the
# mechanics, not a finding. Point `CORPUS` at a dated corpus (e.g.
# `../tests/data/mini_corpus`, with `FREQ = "M"`) to see movement.

# %%
if yearly.empty or yearly["n_articles"].sum() == 0:
    print("No dated article: nothing to draw.")
else:
    ax = plots.plot_theme_shares(yearly, measure="focus")
    plt.show()

# %% [markdown]
# ### Did attention change?
#
# `ct.compare_periods` tests the change in each theme's share between two
# periods: the difference with its bootstrap interval (articles resampled within
# each period), and whether the interval excludes zero. Here: the first against
# the last period with articles at `FREQ`. Read it together with `n_a`, `n_b`
# and `low_n` above: with two articles a period that both mention a theme,
# every resample does too, so the interval collapses to a point. A bootstrap
# interval says nothing useful about a period with a handful of articles.

# %%
filled = trends.loc[trends["n_articles"] > 0, "period"].unique()
if len(filled) < 2:
    print(f"Fewer than two periods with articles at freq={FREQ!r}: nothing to compare.")
else:
    change = ct.compare_periods(scores, articles, filled[0], filled[-1], random_state=SEED)
    change.to_csv(out / f"change_{filled[0]}_{filled[-1]}.csv", index=False)
    display(plots.table(change, columns=["theme", "period_a", "period_b", "n_a", "n_b", "share_a",
                                         "share_b", "share_diff", "diff_lo", "diff_hi",
                                         "excludes_zero"],
                        percent=["share_a", "share_b", "share_diff", "diff_lo", "diff_hi"]))

# %% [markdown]
# ## By outlet
#
# The same shares computed separately for each outlet (`by="source"`), drawn as
# small multiples. Outlets publish different volumes; compare shares, not counts.

# %%
by_outlet = ct.theme_trends(scores, articles, freq=FREQ, by="source", random_state=SEED)
by_outlet.to_csv(out / f"theme_trends_{FREQ}_by_source.csv", index=False)
volume = ct.corpus_volume(articles, freq=FREQ, by="source")
volume.pivot(index="period", columns="source", values="n_articles") if len(volume) else volume

# %% [markdown]
# Shares per outlet (columns) and period (rows), one block per theme:

# %%
if len(by_outlet):
    shares = by_outlet.pivot_table(index=["theme", "period"], columns="source", values="share")
    display(shares.style.format("{:.1%}", na_rep=""))

# %%
if by_outlet.empty or by_outlet["n_articles"].sum() == 0:
    print(f"Nothing dated finely enough for freq={FREQ!r}, per outlet.")
else:
    fig = plots.plot_theme_shares_by_group(by_outlet, by="source", measure="focus")
    plt.show()

# %% [markdown]
# ## Topics: seeded and unsupervised
#
# Seeded topics use the theme lexicons as seeds, so topic `reform` is about
# reform by construction; the unnamed topics show what else the corpus talks
# about. NMF finds topics without any seed. Each topic gets its top terms and two
# quality measures: coherence (NPMI over this corpus) and exclusivity.
# Everything is reproducible from `SEED`.

# %%
seeded = ct.fit_topics(articles, method="seeded", n_topics=N_TOPICS, random_state=SEED)
plots.table(seeded.topics, nowrap=["label"])

# %%
seeded.top_terms[seeded.top_terms["rank"] < 8].pivot(index="rank", columns="topic", values="term")

# %%
nmf = ct.fit_topics(articles, method="nmf", n_topics=N_TOPICS, random_state=SEED)
nmf.top_terms[nmf.top_terms["rank"] < 8].pivot(index="rank", columns="topic", values="term")

# %%
plots.table(pd.concat({"seeded": seeded.topics, "nmf": nmf.topics}, names=["method"]).reset_index(
    level="method"), columns=["method", "topic", "label", "coherence_npmi", "exclusivity"],
    nowrap=["label"])

# %%
seeded.topics.to_csv(out / "topics_seeded.csv", index=False)
seeded.top_terms.to_csv(out / "top_terms_seeded.csv", index=False)
seeded.doc_topics.to_csv(out / "doc_topics_seeded.csv", index=False)
seeded.save(out / "seeded_model")
print("saved the seeded model to", out / "seeded_model", "; the heaviest terms per topic:")
plots.table(seeded.top_terms, per_group="topic", n=3, nowrap=["term"], precision=4)

# %% [markdown]
# ### Topic prevalence over time
#
# Mean document–topic weight per period with its bootstrap interval, with the same
# date-precision rules as the theme shares.

# %%
topic_trend = ct.topic_trends(seeded, articles, freq=FREQ, random_state=SEED)
topic_trend.to_csv(out / f"topic_trends_{FREQ}.csv", index=False)
print(f"freq={FREQ}: left out for their date precision: {topic_trend.attrs.get('excluded')}")
plots.table(topic_trend, columns=["period", "topic", "n_articles", "mean_weight", "weight_lo",
                                  "weight_hi", "low_n"], per_group="topic", n=4, nowrap=["period"])

# %%
if topic_trend.empty or topic_trend["n_articles"].sum() == 0:
    print(f"No article dated finely enough for freq={FREQ!r}: nothing to draw.")
else:
    labels = dict(zip(seeded.topics["topic"], seeded.topics["label"]))
    ax = plots.plot_topic_prevalence(topic_trend, labels=labels)
    plt.show()

# %% [markdown]
# ### Stability across seeds
#
# Refit with several random seeds, match each run's topics to the first run's
# (Hungarian matching on topic-term vectors), and report how similar the matched
# topics are: `similarity_mean`/`similarity_min` (cosine, 1 = identical) and the
# overlap of their top terms (`top_terms_jaccard`). Topics that change with the
# seed should not be interpreted. On a very small corpus a method can land on the
# same solution from every seed; that says little about a larger corpus.

# %%
stability = pd.concat(
    {method: ct.topic_stability(articles, method=method, n_topics=N_TOPICS, seeds=STABILITY_SEEDS)
     for method in STABILITY_METHODS}, names=["method"]).reset_index(level="method")
stability.to_csv(out / "topic_stability.csv", index=False)
plots.table(stability, columns=["method", "topic", "label", "similarity_mean", "similarity_min",
                                "top_terms_jaccard"], nowrap=["label"])
