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
#
# **A real corpus:** set `DATASET` to a name from `ct.datasets.list()` (e.g.
# `"news-feed"`; fetched once by `ct.fetch_corpus`, or a local copy) and
# `LIMIT` to read only the first items. Near-duplicates (syndicated copies) are
# dropped first, as in `civictext run`, so each story counts once.

# %% tags=["parameters"]
CORPUS = "../corpus"  # a file or folder of your own; not used when DATASET is set
DATASET = None  # a real corpus by name, e.g. "news-feed" (see ct.datasets.list())
LIMIT = None  # read at most this many items (None: all)
OUT = "../outputs/notebooks/03_themes"
SEED = 0
N_EVIDENCE_DOCS = 3  # documents whose evidence is shown in full

# %%
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import display

import civictext as ct
from civictext.viz import plots

out = Path(OUT)
out.mkdir(parents=True, exist_ok=True)
corpus = ct.fetch_corpus(DATASET) if DATASET else CORPUS
read = ct.read_corpus(corpus, limit=LIMIT, progress=True)
articles = ct.drop_near_duplicates(read, random_state=SEED)
print(f"{len(read)} documents from {corpus}; {articles.attrs['dropped']} near-duplicates "
      f"dropped, {len(articles)} kept")

# %% [markdown]
# ## The lexicons
#
# One YAML file per lexicon set in `civictext/data/lexicons/`; every term carries
# its theme and a note. Add a theme by adding a file and passing its path to
# `ct.load_lexicons([...])`.

# %%
lexicon = ct.load_lexicons()
terms = lexicon.terms
display(terms.groupby("theme").size().rename("terms").to_frame())
plots.table(terms.assign(source_file=terms["source_file"].map(lambda f: Path(f).name)),
            columns=["theme", "term", "note", "source_file"], per_group="theme", n=5,
            nowrap=["term"], wrap={"note": 80})

# %% [markdown]
# ## Coverage: which terms actually occur here
#
# How often each term occurs in this corpus, which never occur, and which fire
# mostly outside their theme. A lexicon that works on one corpus may be silent or
# noisy on another: look at this table before trusting the scores.

# %%
coverage = ct.coverage_report(articles, lexicon)
coverage.to_csv(out / "coverage.csv", index=False)
plots.table(coverage.sort_values(["theme", "docs"], ascending=[True, False]),
            columns=["theme", "term", "weak", "docs", "hits", "share_outside", "never_occurs",
                     "note"], per_group="theme", n=6, nowrap=["term"], wrap={"note": 48},
            max_chars=160, percent=["share_outside"])

# %% [markdown]
# ## Scores
#
# One row per (document, theme): `hits`, `folded_hits` (found only through the
# accent-less key), `n_tokens`, `per_1k` (hits per 1,000 tokens), `mentioned`
# (one specific term, or two weak ones, anywhere) and `present` (mentioned *and*
# prominent: in the headline, in the lead and one more sentence, or in one
# sentence in five: the focus rule documented in `civictext.themes.scoring`).
# `headline_hit`, `sentences_hit` and `n_sentences` show why.

# %%
scores = ct.score_themes(articles, lexicon)
scores.to_csv(out / "scores.csv", index=False)
hits = scores.pivot(index="doc_id", columns="theme", values="hits")
plots.table(hits.join(articles.set_index("doc_id")["title"]).sort_values(
    list(hits.columns), ascending=False).reset_index(), n=20, nowrap=["doc_id"],
    wrap={"title": 60}, max_chars=90)

# %%
summary = scores.groupby("theme").agg(documents_present=("present", "sum"),
                                      documents_mentioned=("mentioned", "sum"),
                                      hits=("hits", "sum"),
                                      folded_hits=("folded_hits", "sum"),
                                      mean_per_1k=("per_1k", "mean"))
plots.table(summary.reset_index(), precision=2)

# %% [markdown]
# Documents that mention a theme without giving it prominence (passing
# mentions): read their evidence before deciding which reading your question
# needs. `ct.score_themes(articles, presence="mention")` makes `present` equal
# `mentioned`.

# %%
passing = scores[scores["mentioned"] & ~scores["present"]]
plots.table(passing.merge(articles[["doc_id", "title"]], on="doc_id"),
            columns=["theme", "title", "hits", "headline_hit", "sentences_hit", "n_sentences"],
            n=10, wrap={"title": 70})

# %% [markdown]
# Which themes occur together in the same document, and the terms that carry
# each theme here:

# %%
ax = plots.plot_cooccurrence(ct.theme_cooccurrence(scores))
plt.show()

# %%
evidence = ct.theme_evidence(articles, lexicon)
evidence.to_csv(out / "evidence.csv", index=False)
top_terms = ct.top_terms_by_theme(evidence)
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
per_doc = evidence[evidence["doc_id"].isin(top_docs)].groupby(["doc_id", "theme"]).size().unstack(
    fill_value=0)
display(plots.table(per_doc.join(articles.set_index("doc_id")["title"]).reset_index(),
                    nowrap=["doc_id"], wrap={"title": 70}))
plots.table(evidence[evidence["doc_id"].isin(top_docs)],
            columns=["theme", "term", "matched", "start", "end", "folded", "sentence"],
            n=30, nowrap=["term", "matched"], wrap={"sentence": 70})

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
labelled = ct.load_labelled_set()
print(f"{len(labelled)} labelled paragraphs")
labelled.groupby(["kind", "form"]).size().unstack(fill_value=0)

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
plots.table(disagree.assign(lexicon_says=[bool(decisions.loc[d, t])
                                           for d, t in zip(disagree["doc_id"], disagree["theme"])]),
            columns=["doc_id", "theme", "lexicon_says", "kind", "form", "text"],
            nowrap=["doc_id"], wrap={"text": 90})

# %% [markdown]
# A coding sheet for this corpus: a stratified sample of documents (strata: which
# themes the lexicon finds), shown to coders without the machine's decisions, with
# empty label columns; the strata and weights go to a separate key file.

# %%
sheet = ct.sample_for_coding(articles, scores, n=min(10, len(articles)), random_state=SEED,
                             out=out / "coding_sheet.csv")
print(f"wrote {out / 'coding_sheet.csv'} ({len(sheet)} documents) and its key file")
plots.table(sheet, n=5, nowrap=["doc_id"], wrap={"title": 40, "text": 90}, max_chars=400)
