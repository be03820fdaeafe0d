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
# # 3. Themes: lexicons, scores, and the evidence behind every score
#
# civictext measures three themes with editable lexicons:
#
# * **reform** — administrative reform (*cải cách hành chính*, *thủ tục hành chính*,
#   *một cửa*, *dịch vụ công trực tuyến*, *chính quyền điện tử*, PAR INDEX, …);
# * **conduct** — codes of conduct and office culture (*quy tắc ứng xử*,
#   *văn hóa công sở*, *đạo đức công vụ*, *nhũng nhiễu*, …);
# * **satisfaction** — citizen satisfaction (*sự hài lòng*, SIPAS, PAPI, PCI,
#   *niềm tin*, *phản ánh kiến nghị*, …).
#
# A score is only as good as the evidence a reviewer can check, so this notebook
# goes from the lexicons, to how well they cover the corpus, to the scores, to the
# sentence behind each hit, and finally to how the scores agree with human coders.

# %% tags=["parameters"]
CORPUS = "../corpus"
OUT = "../outputs/notebooks/03_themes"
SEED = 0
N_EVIDENCE_DOCS = 3  # documents whose evidence is shown in full

# %%
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import civictext as ct
from civictext import plots
from civictext._io import write_csv
from civictext.trends import theme_cooccurrence, top_terms_by_theme

out = Path(OUT)
out.mkdir(parents=True, exist_ok=True)
articles = ct.read_corpus(CORPUS, progress=True)
print(f"{len(articles)} documents from {CORPUS}")

# %% [markdown]
# ## The lexicons
#
# One YAML file per lexicon set in `civictext/data/lexicons/`; every term carries
# its theme and a note. Add a theme by adding a file and passing its path to
# `ct.load_lexicons([...])`.

# %%
lexicon = ct.load_lexicons()
terms = lexicon.terms
print(terms.groupby("theme").size().rename("terms").to_string())
terms.groupby("theme").head(5).assign(source_file=lambda t: t["source_file"].map(lambda f: Path(f).name))[
    ["theme", "term", "note", "source_file"]]

# %% [markdown]
# ## Coverage: which terms actually occur here
#
# How often each term occurs in this corpus, which never occur, and which fire
# mostly outside their theme. A lexicon that works on one corpus may be silent or
# noisy on another: look at this table before trusting the scores.

# %%
coverage = ct.coverage_report(articles, lexicon)
write_csv(out / "coverage.csv", coverage)
coverage.head(20)

# %% [markdown]
# ## Scores
#
# One row per (document, theme): `hits`, `folded_hits` (found only through the
# accent-less key), `n_tokens`, `per_1k` (hits per 1,000 tokens), `mentioned`
# (one specific term, or two weak ones, anywhere) and `present` (mentioned *and*
# prominent: in the headline, in the lead and one more sentence, or in one
# sentence in five: the focus rule documented in `civictext.themes`).
# `headline_hit`, `sentences_hit` and `n_sentences` show why.

# %%
scores = ct.score_themes(articles, lexicon)
write_csv(out / "scores.csv", scores)
scores.pivot(index="doc_id", columns="theme", values="hits").join(
    articles.set_index("doc_id")["title"].str[:60]).sort_values(
    list(scores["theme"].unique()), ascending=False).head(20)

# %%
summary = scores.groupby("theme").agg(documents_present=("present", "sum"),
                                      documents_mentioned=("mentioned", "sum"),
                                      hits=("hits", "sum"),
                                      folded_hits=("folded_hits", "sum"),
                                      mean_per_1k=("per_1k", "mean"))
summary.round(2)

# %% [markdown]
# Documents that mention a theme without giving it prominence (passing
# mentions): read their evidence before deciding which reading your question
# needs. `ct.score_themes(articles, presence="mention")` makes `present` equal
# `mentioned`.

# %%
passing = scores[scores["mentioned"] & ~scores["present"]]
passing[["doc_id", "theme", "hits", "headline_hit", "sentences_hit", "n_sentences"]].head(10)

# %% [markdown]
# Which themes occur together in the same document, and the terms that carry
# each theme here:

# %%
ax = plots.plot_cooccurrence(theme_cooccurrence(scores))
plt.show()

# %%
evidence = ct.theme_evidence(articles, lexicon)
write_csv(out / "evidence.csv", evidence)
top_terms = top_terms_by_theme(evidence)
ax = plots.plot_top_terms(top_terms)
plt.show()

# %% [markdown]
# ## The evidence table
#
# Every hit, with the term, the text it matched, the sentence it sits in and its
# character offsets into the article's `text`. This is the table to hand to a
# human coder (it is written to `OUT/evidence.csv`). Here, the documents with the
# most hits:

# %%
top_docs = evidence["doc_id"].value_counts().head(N_EVIDENCE_DOCS).index
for doc_id in top_docs:
    title = articles.loc[articles["doc_id"] == doc_id, "title"].iloc[0]
    rows = evidence[evidence["doc_id"] == doc_id]
    print(f"\n{doc_id}  {title}\n  {len(rows)} hits: "
          f"{rows.groupby('theme').size().to_dict()}")
evidence[evidence["doc_id"].isin(top_docs)][
    ["doc_id", "theme", "term", "matched", "start", "end", "folded", "sentence"]].head(30)

# %% [markdown]
# The offsets are exact: `text[start:end]` is the matched text.

# %%
text_of = articles.set_index("doc_id")["text"]
checked = evidence.apply(lambda r: text_of[r["doc_id"]][r["start"]:r["end"]] == r["matched"], axis=1)
print(f"{int(checked.sum())} of {len(evidence)} evidence offsets point at the matched text")

# %% [markdown]
# ## Validation against human coders
#
# civictext ships a labelled set written for the project: short news-style
# paragraphs, positives, negatives and hard cases (some without diacritics), each
# coded by hand for the three themes (`civictext/data/labels/`). `ct.validate`
# compares the presence decisions with the human labels and reports precision,
# recall and F1 per theme. This does not depend on `CORPUS`: it measures the
# lexicons themselves. To validate on your own corpus, draw a stratified sample
# with `ct.sample_for_coding`, code it, and pass your labels file to `ct.validate`.

# %%
from civictext.validation import load_labelled_set

labelled = load_labelled_set()
print(f"{len(labelled)} labelled paragraphs")
print(labelled.groupby(["kind", "form"]).size().unstack(fill_value=0).to_string())

# %%
labelled_scores = ct.score_themes(labelled, lexicon)
report = ct.validate(labelled_scores, labelled)
report.round(3)

# %% [markdown]
# Where the lexicon and the coders disagree: read these before trusting a theme.

# %%
decisions = labelled_scores.pivot(index="doc_id", columns="theme", values="present")
human = labelled.set_index("doc_id")[decisions.columns].astype(bool)
wrong = (decisions != human.reindex(decisions.index))
disagree = wrong.stack().loc[lambda x: x].index.to_frame(index=False)
disagree = disagree.merge(labelled[["doc_id", "kind", "form", "text"]], on="doc_id")
disagree.assign(lexicon_says=[bool(decisions.loc[d, t]) for d, t in zip(disagree["doc_id"], disagree["theme"])])[
    ["doc_id", "theme", "lexicon_says", "kind", "form", "text"]]

# %% [markdown]
# A coding sheet for this corpus: a stratified sample of documents (strata: which
# themes the lexicon finds), shown to coders without the machine's decisions, with
# empty label columns; the strata and weights go to a separate key file.

# %%
sheet = ct.sample_for_coding(articles, scores, n=min(10, len(articles)), random_state=SEED,
                             out=out / "coding_sheet.csv")
print(f"wrote {out / 'coding_sheet.csv'} ({len(sheet)} documents) and its key file")
sheet.head()
