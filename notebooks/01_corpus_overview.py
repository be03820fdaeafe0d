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
# # 1. What is in the corpus?
#
# Before measuring anything, look at what `civictext.read_corpus` actually read:
# how many documents, of which kind (main article or teaser of another article
# found on a page), from which outlets, dated how precisely, how long, and what
# was skipped and why.
#
# **Parameters.** The next cell is tagged `parameters` (papermill-style). To run
# this notebook on your own corpus, change `CORPUS` to your folder (plain-text
# pages, `.html`, `.jsonl` or `.csv`, with an optional `manifest.csv`). Headless,
# papermill (installed separately: `pip install papermill`) sets the same names:
# `papermill -k python3 --cwd notebooks -p CORPUS /path/to/corpus -p OUT /path/to/out
# notebooks/01_corpus_overview.ipynb run.ipynb` (see `notebooks/README.md`).
# Nothing in `CORPUS` is ever modified; everything this notebook writes goes to `OUT`.
#
# **A real corpus in one call.** The bundled corpus is one dated article: enough
# to see the mechanics, not a trend. Set `DATASET = "news-feed"` (a year of
# Thanh Niên, Tuổi Trẻ and VnExpress items) or another name from
# `ct.datasets.list()` (shown below), for example `"baochinhphu-hf"` (the
# government's newspaper from the Hugging Face Hub, about 152 MB, where the
# themes are common): `ct.fetch_corpus` downloads it once into
# `~/.cache/civictext/datasets` (or `$CIVICTEXT_DATA`) with a progress bar,
# checks or records its SHA-256, or uses a local copy (`../shared/corpora`)
# where there is one. `LIMIT` reads only the first items (the news feed is in
# date order: a small `LIMIT` covers its first days).

# %% tags=["parameters"]
CORPUS = "../corpus"  # a file or folder of your own; not used when DATASET is set
DATASET = None  # a real corpus by name, e.g. "news-feed" (see ct.datasets.list())
LIMIT = None  # read at most this many items (None: all)
OUT = "../outputs/notebooks/01_corpus_overview"
SEED = 0

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

import civictext as ct
from civictext.trends.shares import choose_freq, corpus_volume
from civictext.viz import plots

out = Path(OUT)
out.mkdir(parents=True, exist_ok=True)
corpus = ct.fetch_corpus(DATASET) if DATASET else Path(CORPUS)
print(f"civictext {ct.__version__}; corpus: {Path(corpus).resolve()}; outputs: {out.resolve()}")

# %% [markdown]
# The real corpora civictext knows (`available`: already on this machine, in
# the cache or as a local copy; otherwise `fetch_corpus` downloads it where the
# registry has a link, or says where to get it):

# %%
plots.table(ct.datasets.list(), columns=["name", "title", "documents", "date_range",
                                         "size_mb", "licence", "available"],
            nowrap=["name"], wrap={"title": 50, "date_range": 30, "licence": 30}, precision=1)

# %% [markdown]
# ## Reading
#
# `read_corpus` reads a file or a folder recursively. On a scraped page it
# separates the main article from the page furniture and from the teasers of
# related articles; each teaser becomes its own document, linked to its page by
# `parent_id`. Items it cannot read are skipped and reported, not fatal
# (pass `strict=True` to stop at the first one instead).

# %%
articles = ct.read_corpus(corpus, limit=LIMIT, progress=True)
print(f"{len(articles)} documents from {articles['path'].nunique()} file(s)")
plots.table(articles, columns=["doc_id", "kind", "source", "title", "published", "date_precision"],
            n=20, nowrap=["doc_id", "published"], wrap={"title": 70, "source": 24})

# %%
articles.groupby(["format", "kind"]).size().rename("documents").to_frame()

# %% [markdown]
# ## What was dropped, and why
#
# The reader's skipped-items report (`articles.attrs["skipped"]`): the file, the
# line (for JSON Lines and CSV) and the reason. An empty table means every item
# was read. The encodings it detected are in `articles.attrs["encodings"]`.

# %%
skipped = pd.DataFrame(articles.attrs.get("skipped", []), columns=["path", "line", "reason"])
print(f"{len(skipped)} item(s) skipped")
plots.table(skipped.assign(path=skipped["path"].map(lambda f: Path(f).name)), n=20,
            wrap={"reason": 70})

# %%
pd.Series(articles.attrs.get("encodings", {}), name="encoding").to_frame()

# %% [markdown]
# ## Outlets
#
# `source` is the outlet name (from the input's metadata or the corpus
# `manifest.csv`); `source_tag` is the tag printed in the text, such as "(LĐTĐ)".

# %%
articles.assign(source=articles["source"].replace("", "(unknown)")).groupby(
    ["source", "kind"]).size().unstack(fill_value=0)

# %% [markdown]
# ## Dates: coverage and precision
#
# A date is kept at the precision its evidence supports: `"2019"` is a year,
# never 1 January 2019. `date_evidence` says where each date came from. Trends
# over months can only use documents dated to the month or the day; trends over
# years can also use year-only dates; undated documents are counted nowhere.
# (The bundled corpus is a single scraped page: its main article is dated to the
# year 2019 from what its text reports, and its teasers are undated, so the
# bundled corpus supports no monthly trend. `tests/data/mini_corpus` shows what
# a dated corpus looks like.)

# %%
precision = (articles["date_precision"].value_counts()
             .reindex(["day", "month", "year", "unknown"], fill_value=0).rename("documents"))
precision.to_frame()

# %%
plots.table(articles.loc[articles["published"] != ""],
            columns=["doc_id", "published", "date_precision", "date_evidence"], n=15,
            nowrap=["doc_id", "published"], wrap={"date_evidence": 60})

# %%
dated = articles[articles["date_precision"] != "unknown"]
n_monthly = int(articles["date_precision"].isin(["day", "month"]).sum())
if dated.empty:
    print("No document has a date: no trend over time can be computed from this corpus.")
else:
    years = dated["published"].str[:4]
    print(f"dated documents: {len(dated)} of {len(articles)}, from {years.min()} to {years.max()}; "
          f"{n_monthly} dated to the month or finer")
    display(years.value_counts().sort_index().rename("documents per year").to_frame())

# %% [markdown]
# Corpus volume over time, per year and at the resolution the figures will use
# (`choose_freq` picks the finest of month, quarter and year that is well
# filled), drawn by the same plotting code as the figures (`civictext.viz.plots`).
# Each plot notes how many documents were left out because of their dates.

# %%
freq = choose_freq(articles)
print(f"resolution chosen for this corpus: {freq!r}")
for f in dict.fromkeys(["Y", freq]):
    volume = corpus_volume(articles, freq=f)
    print(f"freq={f}: {volume.attrs['n_placed']} of {volume.attrs['n_documents']} documents "
          f"placed; left out: {volume.attrs['excluded']}")
    ax = plots.plot_volume(volume)
    plt.show()

# %% [markdown]
# ## Near-duplicates
#
# News is syndicated: the same story appears in several outlets or is
# re-posted. The notebooks, the figures and `civictext run` count each story
# once: `ct.drop_near_duplicates` keeps one document per cluster of
# near-identical texts (MinHash over word shingles, Jaccard at least 0.8);
# `ct.near_duplicates` lists the clusters.

# %%
clusters = ct.near_duplicates(articles, random_state=SEED)
repeated = clusters[clusters["size"] > 1]
print(f"{repeated['cluster'].nunique()} clusters of near-duplicates; "
      f"{int((~repeated['is_representative']).sum())} documents would be dropped")
first = repeated[repeated["cluster"].isin(repeated["cluster"].unique()[:5])]  # five clusters
plots.table(first.merge(articles[["doc_id", "source", "title"]], on="doc_id"),
            columns=["cluster", "is_representative", "similarity", "source", "title"],
            nowrap=["source"], wrap={"title": 70})

# %% [markdown]
# ## Lengths
#
# `text` is the analysed text: title, lead, headings, body and captions in
# reading order. Characters and whitespace-separated syllables (Vietnamese
# words are one or more syllables; notebook 2 segments them properly).

# %%
lengths = articles.assign(characters=articles["text"].str.len(),
                          syllables=articles["text"].str.split().str.len())
lengths.groupby("kind")[["characters", "syllables"]].describe().round(0).T

# %% [markdown]
# ## Save
#
# The articles table and the read report, for the next notebooks or for a
# reviewer, written atomically into `OUT` (the same files as `civictext ingest`).

# %%
articles.to_csv(out / "articles.csv", index=False)
report = ct.write_read_report(articles, out)
print(f"wrote {out / 'articles.csv'} and {report}")
