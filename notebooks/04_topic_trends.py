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
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
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

# %% tags=["parameters"]
CORPUS = "../corpus"
OUT = "../outputs/notebooks/04_topic_trends"
SEED = 0
FREQ = "M"  # "M" month, "Q" quarter, "Y" year
N_TOPICS = 4  # small: the bundled corpus has 18 short documents
STABILITY_SEEDS = [0, 1, 2]

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

import civictext as ct
from civictext import plots
from civictext._io import write_csv
from civictext.topics import topic_stability
from civictext.trends import corpus_volume

out = Path(OUT)
out.mkdir(parents=True, exist_ok=True)
articles = ct.read_corpus(CORPUS, progress=True)
scores = ct.score_themes(articles)
print(f"{len(articles)} documents; date precision: "
      f"{articles['date_precision'].value_counts().to_dict()}")

# %% [markdown]
# ## Theme shares per period
#
# First at the resolution chosen in `FREQ`, then per year, which also uses
# articles dated only to the year.

# %%
trends = ct.theme_trends(scores, articles, freq=FREQ, random_state=SEED)
write_csv(out / f"theme_trends_{FREQ}.csv", trends)
print(f"freq={FREQ}: {trends['period'].nunique()} periods; "
      f"left out for their date precision: {trends.attrs.get('excluded')}")
trends[["period", "theme", "n_articles", "n_present", "share", "share_lo", "share_hi", "low_n"]]

# %%
if trends.empty or trends["n_articles"].sum() == 0:
    print(f"No article in this corpus is dated finely enough for freq={FREQ!r}; "
          "see the yearly trend below.")
else:
    ax = plots.plot_theme_shares(trends)
    plt.show()

# %%
yearly = ct.theme_trends(scores, articles, freq="Y", random_state=SEED)
write_csv(out / "theme_trends_Y.csv", yearly)
print(f"freq=Y: left out (undated): {yearly.attrs.get('excluded')}")
yearly[["period", "theme", "n_articles", "n_present", "share", "share_lo", "share_hi", "low_n"]]

# %% [markdown]
# On the bundled corpus there is one dated article, so the yearly "trend" is a
# single point per theme, drawn hollow (`low_n`): a demonstration of the
# mechanics, not a finding. Point `CORPUS` at a dated corpus (e.g.
# `../tests/data/mini_corpus`, with `FREQ = "M"`) to see movement.

# %%
if yearly.empty or yearly["n_articles"].sum() == 0:
    print("No dated article: nothing to draw.")
else:
    ax = plots.plot_theme_shares(yearly)
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
    write_csv(out / f"change_{filled[0]}_{filled[-1]}.csv", change)
    display(change[["theme", "period_a", "period_b", "n_a", "n_b", "share_a", "share_b",
                    "share_diff", "diff_lo", "diff_hi", "excludes_zero"]].round(3))

# %% [markdown]
# ## By outlet
#
# The same shares computed separately for each outlet (`by="source"`), drawn as
# small multiples. Outlets publish different volumes; compare shares, not counts.

# %%
by_outlet = ct.theme_trends(scores, articles, freq=FREQ, by="source", random_state=SEED)
write_csv(out / f"theme_trends_{FREQ}_by_source.csv", by_outlet)
volume = corpus_volume(articles, freq=FREQ, by="source")
volume.pivot(index="period", columns="source", values="n_articles") if len(volume) else volume

# %%
if by_outlet.empty or by_outlet["n_articles"].sum() == 0:
    print(f"Nothing dated finely enough for freq={FREQ!r}, per outlet.")
else:
    fig = plots.plot_theme_shares_by_group(by_outlet, by="source")
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
seeded.topics.round(3)

# %%
seeded.top_terms[seeded.top_terms["rank"] < 8].pivot(index="rank", columns="topic", values="term")

# %%
nmf = ct.fit_topics(articles, method="nmf", n_topics=N_TOPICS, random_state=SEED)
nmf.top_terms[nmf.top_terms["rank"] < 8].pivot(index="rank", columns="topic", values="term")

# %%
pd.concat({"seeded": seeded.topics, "nmf": nmf.topics}, names=["method"])[
    ["topic", "label", "coherence_npmi", "exclusivity"]].round(3)

# %%
write_csv(out / "topics_seeded.csv", seeded.topics)
write_csv(out / "top_terms_seeded.csv", seeded.top_terms)
write_csv(out / "doc_topics_seeded.csv", seeded.doc_topics)
seeded.save(out / "seeded_model")
print("saved the seeded model to", out / "seeded_model")

# %% [markdown]
# ### Topic prevalence over time
#
# Mean document–topic weight per period with its bootstrap interval, with the same
# date-precision rules as the theme shares.

# %%
topic_trend = ct.topic_trends(seeded, articles, freq=FREQ, random_state=SEED)
write_csv(out / f"topic_trends_{FREQ}.csv", topic_trend)
print(f"freq={FREQ}: left out for their date precision: {topic_trend.attrs.get('excluded')}")
topic_trend[["period", "topic", "n_articles", "mean_weight", "weight_lo", "weight_hi", "low_n"]].head(24)

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
    {method: topic_stability(articles, method=method, n_topics=N_TOPICS, seeds=STABILITY_SEEDS)
     for method in ["seeded", "nmf", "lda"]}, names=["method"])
write_csv(out / "topic_stability.csv", stability.reset_index(level="method"))
stability[["topic", "label", "similarity_mean", "similarity_min", "top_terms_jaccard"]].round(3)
