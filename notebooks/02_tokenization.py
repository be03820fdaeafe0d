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
# # 2. Vietnamese words: what segmentation does to these texts
#
# Vietnamese writes a space between *syllables*, not between words: "cải cách
# hành chính" is two words of two syllables each (*cải_cách* "reform",
# *hành_chính* "administrative"). Counting words therefore needs a segmenter.
# civictext uses underthesea's `word_tokenize`, sentence by sentence, and then
# makes sure the multi-word terms of the theme lexicons come out whole, so
# "cải cách hành chính" is one unit when a researcher searches for it.
#
# This notebook shows, on the corpus given in `CORPUS`: a segmented sentence
# with its character offsets, the lexicon compounds that were kept whole, the
# stop-word list, and how text typed without diacritics is still found.
#
# **A real corpus:** set `DATASET` to a name from `ct.datasets.list()` (e.g.
# `"news-feed"`; `ct.fetch_corpus` downloads it once, or uses a local copy) and
# `LIMIT` to segment only the first items (segmentation runs at about 20,000
# words a second per core; results are cached, so a second run is fast).

# %% tags=["parameters"]
CORPUS = "../corpus"  # a file or folder of your own; not used when DATASET is set
DATASET = None  # a real corpus by name, e.g. "news-feed" (see ct.datasets.list())
LIMIT = None  # read at most this many items (None: all)
OUT = "../outputs/notebooks/02_tokenization"
SEED = 0

# %%
from pathlib import Path

import pandas as pd
from underthesea import word_tokenize

import civictext as ct
from civictext.viz import plots

out = Path(OUT)
out.mkdir(parents=True, exist_ok=True)
corpus = ct.fetch_corpus(DATASET) if DATASET else CORPUS
articles = ct.read_corpus(corpus, limit=LIMIT, progress=True)
print(f"{len(articles)} documents from {corpus}")

# %% [markdown]
# ## Tokens, with offsets back into the text
#
# `ct.tokenize` returns
# one row per token. `token` is lowercased, syllables
# joined by `_`; `start`/`end` point into the article's `text`, so every token
# can be traced back to the place it came from. Tokens are cached on disk
# (keyed by each document's text and the tokenizer's settings), so the second
# run over an unchanged corpus is fast; `progress=True` shows a bar on long runs.

# %%
tokens = ct.tokenize(articles, progress=True)
print(f"{len(tokens)} tokens in {tokens['doc_id'].nunique()} documents")
plots.table(tokens, n=15, nowrap=["doc_id", "token"])

# %% [markdown]
# The first sentence of the first document, token by token, with the surface
# text each offset points at:

# %%
doc = articles.iloc[0]
first = tokens[(tokens["doc_id"] == doc["doc_id"]) & (tokens["sent_id"] == 0)]
plots.table(first.assign(surface=[doc["text"][s:e] for s, e in zip(first["start"], first["end"])]),
            columns=["token", "surface", "start", "end", "is_stop"], nowrap=["token", "surface"])

# %% [markdown]
# ## Lexicon compounds kept whole
#
# The theme lexicons (notebook 3) contain multi-word terms such as
# "dịch vụ công trực tuyến" or "quy tắc ứng xử". The segmenter alone may split
# them; civictext joins them back into one token (`ct.segment_text` shows the
# tokens of one string). Compare plain underthesea with civictext on one sentence
# written for this notebook:

# %%
sentence = ("Phường đẩy mạnh cải cách hành chính, dịch vụ công trực tuyến "
            "và thực hiện nghiêm quy tắc ứng xử nơi công sở.")
pd.DataFrame({
    "underthesea.word_tokenize": pd.Series(word_tokenize(sentence)),
    "civictext, no compounds": pd.Series([t for t, _, _ in ct.segment_text(sentence, compounds=())]),
    "civictext (lexicon compounds)": pd.Series([t for t, _, _ in ct.segment_text(sentence, compounds=None)]),
}).fillna("").style.hide(axis="index")

# %% [markdown]
# The join is a post-pass over the segmenter's words, so it cannot repair every
# case: when underthesea draws a word boundary across a term (e.g. joining the
# word before it to the term's first syllables), the term is not recovered as
# one token. Theme *scoring* (notebook 3) matches the lexicon on the text itself
# and does not depend on this. Which terms of the sentence came out whole:

# %%
kept = {t for t, _, _ in ct.segment_text(sentence, compounds=None)}
terms = ["cải cách hành chính", "dịch vụ công trực tuyến", "quy tắc ứng xử"]
plots.table(pd.DataFrame({"term": terms, "one token here": [t.replace(" ", "_") in kept for t in terms]}),
            nowrap=["term"])

# %% [markdown]
# For scikit-learn, `ct.Analyzer()` is the same segmentation as a picklable
# `str -> list[str]` callable (`TfidfVectorizer(analyzer=ct.Analyzer())`); by
# default it drops stop words, punctuation and numbers (shown as a table: the
# monospace font of printed output lacks some Vietnamese letters in browsers):

# %%
plots.table(pd.DataFrame({"ct.Analyzer()(sentence)": ct.Analyzer()(sentence)}))

# %% [markdown]
# Which lexicon terms of two or more words occur in this corpus as single tokens:

# %%
lexicon = ct.load_lexicons()
multi = lexicon.terms[lexicon.terms["term"].str.contains(" ")].copy()
multi["token"] = multi["term"].str.lower().str.replace(" ", "_")
found = tokens["token"].str.lower().value_counts()
multi["in_corpus"] = multi["token"].map(found).fillna(0).astype(int)
print(f"{len(multi)} multi-word lexicon terms; {int((multi['in_corpus'] > 0).sum())} occur here as one token")
plots.table(multi.loc[multi["in_corpus"] > 0].sort_values("in_corpus", ascending=False),
            columns=["theme", "term", "token", "in_corpus"], n=25, nowrap=["term", "token"])

# %% [markdown]
# ## Stop words
#
# The stop-word list ships with civictext as a data file (its source and size are
# documented in the file); `ct.load_stopwords` reads it, and can add your own words.
# Stop words are flagged (`is_stop`), not deleted, so offsets stay intact.

# %%
stopwords = ct.load_stopwords()
print(f"{len(stopwords)} stop words; share of tokens flagged as stop words here: "
      f"{tokens['is_stop'].mean():.1%}. The first 25:")
plots.table(pd.DataFrame({"stop word": sorted(stopwords)[:25]}).T.reset_index(drop=True))

# %% [markdown]
# The most frequent content tokens (not stop words, not punctuation):

# %%
content = tokens[~tokens["is_stop"] & tokens["token"].str.contains(r"\w", regex=True)]
content["token"].value_counts().head(25).rename("count").to_frame()

# %% [markdown]
# Tokens per document (the denominator of every "hits per 1,000 tokens" rate):

# %%
counts = ct.count_tokens(articles)
counts.describe().round(1).to_frame("tokens per document")

# %% [markdown]
# ## Text without diacritics
#
# Comments, old crawls and quick messages are often typed without accents:
# "cai cach hanh chinh". `ct.fold` gives the accent-less search key used to find
# such text; it is only a search key (different Vietnamese words can fold to the
# same letters), so lexicon matching tries the accented form first and reports
# how many hits relied on folding (`folded_hits`).

# %%
pairs = ["cải cách hành chính", "quy tắc ứng xử", "sự hài lòng", "Đường Lê Lợi"]
plots.table(pd.DataFrame({"text": pairs, "ct.fold(text)": [ct.fold(p) for p in pairs]}))

# %%
examples = pd.DataFrame({
    "doc_id": ["accented", "unaccented"],
    "text": ["Người dân hài lòng với cải cách hành chính ở bộ phận một cửa.",
             "Nguoi dan hai long voi cai cach hanh chinh o bo phan mot cua."],
})
plots.table(ct.score_themes(examples, lexicon),
            columns=["doc_id", "theme", "hits", "folded_hits", "present"])

# %% [markdown]
# ## Save
#
# The token table of this corpus, as `civictext tokenize` writes it.

# %%
tokens.to_csv(out / "tokens.csv", index=False)
print("wrote", out / "tokens.csv")
