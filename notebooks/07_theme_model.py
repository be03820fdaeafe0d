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
# # 7. A supervised theme model: sample, code, fit, evaluate, and code more
#
# The lexicons say which words are evidence of a theme; whether an article is
# *about* the theme is the codebook's question (`docs/codebook.md`): a
# substantial subject, not a passing phrase. This notebook walks through the
# loop a researcher runs on their own corpus:
#
# 1. draw a **sample for coding** with known inclusion probabilities;
# 2. **code** it against the codebook (here the bundled labelled paragraphs
#    stand in for a coder: their labels were fixed before any rule was written);
# 3. **fit** a theme model (`ct.fit_theme_model`) and **evaluate** it on
#    documents it did not see, beside the focus and mention rules;
# 4. pick the **next documents to code** (`ct.next_to_code`), where a code
#    would teach the model most, and refit.
#
# The model shipped with civictext was trained the same way on 2,171 real
# articles coded against the codebook (`benchmarks/labels/coded/`); its model
# card is printed at the end.

# %% tags=["parameters"]
OUT = "../outputs/notebooks/07_theme_model"
SEED = 0
N_CODE = 30  # documents in the first coding sample
CORPUS = "../corpus"  # a corpus of your own: the last step picks documents to code there
DATASET = None  # or a real corpus by name (ct.datasets.list()), e.g. "news-feed"
LIMIT = None  # read at most this many items of CORPUS / DATASET

# %%
from pathlib import Path

import pandas as pd
from IPython.display import Markdown, display

import civictext as ct

out = Path(OUT)
out.mkdir(parents=True, exist_ok=True)
labelled = ct.load_labelled_set()
articles = labelled[["doc_id", "text"]]
truth = labelled.set_index("doc_id")[["reform", "conduct", "satisfaction"]]
print(f"{len(articles)} short paragraphs; positives per theme: {truth.sum().to_dict()}")

# %% [markdown]
# ## 1. A sample to code
#
# `sample_for_coding` stratifies by what the lexicons find, so rare themes and
# the documents the focus rule leaves out are both represented; the key file
# keeps each document's stratum and weight (documents it stands for). Coders
# see only the sheet, never the machine's verdicts.

# %%
scores = ct.score_themes(articles)
sheet = ct.sample_for_coding(articles, scores, N_CODE, random_state=SEED,
                             out=out / "coding.csv")
display(sheet[["doc_id", "stratum", "stratum_size", "n_sampled", "weight"]].head(8))

# %% [markdown]
# ## 2. Coding
#
# A coder fills one 0/1 column per theme. Here the labelled set's own labels are
# copied in; with real documents this is the step that takes the time.

# %%
coded = sheet[["doc_id", "weight"]].join(truth, on="doc_id")
coded["pi"] = 1.0 / coded["weight"]
coded = coded.drop(columns="weight")
coded_long = coded.melt(id_vars=["doc_id", "pi"], var_name="theme", value_name="relevant")
coded_long.groupby("theme")["relevant"].agg(["size", "sum"]).rename(
    columns={"size": "coded", "sum": "positive"})

# %% [markdown]
# ## 3. Fit and evaluate on documents the model did not see
#
# `fit_theme_model` fits one calibrated logistic regression per theme on
# civictext's tokens and the lexicon's evidence; regularisation and the
# threshold are chosen inside the coded documents by cross-validation. The
# evaluation uses the documents that were **not** coded.

# %%
model = ct.fit_theme_model(articles, coded_long, random_state=SEED)
rest = articles[~articles["doc_id"].isin(coded["doc_id"])]
rest_truth = truth.loc[rest["doc_id"]].reset_index()
evaluation = model.evaluate(rest, rest_truth)
rules = []
for presence in ("focus", "mention"):
    s = ct.score_themes(rest, presence=presence)
    v = ct.validate(s, rest_truth)
    rules.append(v.assign(measure=presence)[["measure", "theme", "precision", "recall", "f1"]])
table = pd.concat([evaluation.rename(columns={"precision_w": "precision", "recall_w": "recall",
                                               "f1_w": "f1"})[["measure", "theme", "precision",
                                                               "recall", "f1"]], *rules])
display(table.pivot(index="theme", columns="measure", values="f1").round(2))

# %% [markdown]
# On 30 coded paragraphs the model is not better than the rules: the rules were
# written for texts like these, and 30 documents give each theme only a handful
# of positives. That is the honest lesson of a small sample. `ct.score_themes(
# articles, model=model, presence="model")` uses a model; `presence="auto"`
# (with the shipped model) uses, per theme, the measure that did best on held-out
# corpora, chosen apart for full articles and for short texts (at most 100
# tokens): `ct.load_theme_model().auto_measures` lists them.

# %% [markdown]
# ## 4. What to code next
#
# `next_to_code` mixes documents the model is least sure about with plain random
# ones, both drawn with known probabilities (`pi` in the key file), so the new
# codes can refit the model *and* feed design-based estimates (corrected shares,
# `theme_trends(..., coded=...)`).

# %%
nxt = ct.next_to_code(articles, model, 10, exclude=coded["doc_id"], random_state=SEED,
                      out=out / "next_coding.csv")
display(nxt[["doc_id", "stratum", "stratum_size", "n_sampled", "pi"]])
more = nxt[["doc_id", "pi"]].join(truth, on="doc_id").melt(
    id_vars=["doc_id", "pi"], var_name="theme", value_name="relevant")
refit = ct.fit_theme_model(articles, pd.concat([coded_long, more]), random_state=SEED)
print({t: round(th, 3) for t, th in refit.thresholds.items()})

# %% [markdown]
# On a corpus of your own (`CORPUS`, or a real one by name with `DATASET`), the
# same call picks the first documents to code with the shipped model, and writes the coding
# sheet (`.xlsx`: every cell a string, safe to open in a spreadsheet program)
# and its key file with each document's inclusion probability.

# %%
own = ct.read_corpus(ct.fetch_corpus(DATASET) if DATASET else CORPUS, limit=LIMIT)
own_sheet = ct.next_to_code(own, ct.load_theme_model(), min(20, len(own)),
                            random_state=SEED, out=out / "own_coding.xlsx")
display(own_sheet[["doc_id", "stratum", "pi"]].head(10))

# %% [markdown]
# ## The shipped model
#
# Trained on the coded real sample; its card says on what, how well it did on
# corpora it was not trained on, and where not to use it.

# %%
shipped = ct.load_theme_model()
display(Markdown(shipped.card()))
