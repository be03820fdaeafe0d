"""The Aho-Corasick matcher finds exactly the hits of the old full scan.

The reference is a frozen copy of themes.py before the change
(``benchmarks/_themes_ref.py``); every comparison is on whole tables
(``DataFrame.equals``) or on hit lists. The real-corpus samples are ``realdata``
tests; the full corpora are compared by ``benchmarks/bench_matcher.py``.
"""
from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks import _themes_ref as ref
from civictext.ingest.reader import read_corpus
from civictext.text.normalize import fold
from civictext.themes import scoring as themes
from civictext.themes.lexicon import load_lexicons

LEX = load_lexicons()

# Pieces of lexicon terms, their folded and upper-case forms, and characters that
# need care: re's extra case equivalents (ı, ſ, µ, the Kelvin sign), İ (two
# characters in lower case), separators in a row, tabs, underscores, line breaks.
PIECES = ["cải", "cách", "hành", "chính", "cai", "cach", "hanh", "chinh", "CẢI", "CÁCH",
          "quy", "tắc", "ứng", "xử", "hài", "lòng", "hai", "long", "HÀI", "Hải", "Long",
          "dịch", "vụ", "công", "trực", "tuyến", "nghệ", "một", "cửa", "kỷ", "luật", "cương",
          "PCI", "PCIe", "SIPAS", "Tsitsipas", "CCHC", "cchc", "PAR", "INDEX", "Đề", "án", "06",
          "chỉ", "số", "người", "dân", "đánh", "giá", "niềm", "tin", "ı", "ſ", "µ", "\u212a",
          "İ", "x"]
SEPS = [" ", " ", " ", "  ", "\t", "_", ", ", ",", ". ", "! ", "\n", "\n\n", "-", "…", " \"", ""]


TERMS = LEX.terms["term"].tolist()


@st.composite
def _term_like(draw):
    """A lexicon term as it may appear: separators varied, case changed, folded, cut."""
    words = draw(st.sampled_from(TERMS)).replace(",", " ,").split(" ")
    words = words[:draw(st.integers(1, len(words)))] if draw(st.booleans()) else words
    out = ""
    for w in words:
        form = draw(st.sampled_from(["as", "as", "upper", "fold", "title"]))
        w = {"as": w, "upper": w.upper(), "fold": fold(w), "title": w.title()}[form]
        out += w + draw(st.sampled_from([" ", " ", " ", "_", "\t", "  ", ""]))
    return out


def _hits(fn, text, terms):
    hits, sentences = fn(text, terms)
    return [(h.term.idx, h.start, h.end, h.folded) for h in hits], sentences


@settings(max_examples=250, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.sampled_from(PIECES), _term_like()),
                          st.sampled_from(SEPS)), max_size=20))
def test_same_hits_as_the_full_scan(parts):
    text = "".join(p + s for p, s in parts)
    new = _hits(themes._find_hits, text, themes._compiled(LEX))
    old = _hits(ref._find_hits, text, ref._compiled(LEX))
    assert new == old


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aA. !?…\n\t\"'([)]Ở1²x")), max_size=40))
def test_split_sentences_unchanged(text):
    assert themes.split_sentences(text) == ref.split_sentences(text)


def _articles(texts):
    return pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": texts})


def _same_tables(articles):
    ones = pd.Series(1, index=articles["doc_id"].astype(str))
    themes._LAST_PASS.clear()
    assert themes.theme_evidence(articles, LEX).equals(ref.theme_evidence(articles, LEX))
    new = themes.score_themes(articles, LEX, n_tokens=ones, presence="focus")
    assert new.equals(ref.score_themes(articles, LEX, n_tokens=ones))
    return new


def test_bundled_corpus_and_tricky_texts_match_the_reference(corpus_dir):
    arts = read_corpus(corpus_dir)
    assert _same_tables(arts)["hits"].sum() > 0
    tricky = _articles([
        "Tỉnh đẩy mạnh cải  cách hành chính.",           # two spaces: the full scan
        "cai cach hanh chinh và CẢI CÁCH HÀNH CHÍNH",
        "Kỷ luật, kỷ cương; kỷ luật kỷ cương; kỷ cương , kỷ luật",
        "dịch vụ công nghệ, dịch vụ công trực tuyến, dịch_vụ_công",
        "Tsitsipas; SIPAS; PCIe; PCI; ıstanbul hài lòng; ſố",
        "hai long Hải Long hài lòng hài lòng",
        "",
    ])
    assert _same_tables(tricky)["hits"].sum() > 5


def test_scores_then_evidence_match_once(monkeypatch):
    calls = []
    real = themes._match_pass
    monkeypatch.setattr(themes, "_match_pass", lambda a, lex: calls.append(1) or real(a, lex))
    themes._LAST_PASS.clear()
    arts = _articles(["Người dân hài lòng với cải cách hành chính.", "Trời mưa."])
    ones = {"d0": 8, "d1": 2}
    scores = themes.score_themes(arts, LEX, n_tokens=ones, presence="focus")
    ev = themes.theme_evidence(arts, LEX)
    assert len(calls) == 1
    assert scores["hits"].sum() == len(ev) == 2
    # changed input (same object, new text) is matched again, with the new result
    arts.loc[1, "text"] = "Chuyển đổi số."
    ev2 = themes.theme_evidence(arts, LEX)
    assert len(calls) == 2 and len(ev2) == 3


@pytest.mark.realdata
@pytest.mark.parametrize("rel", ["dantri-unc/articles", "vnds-test/articles.seg.jsonl.gz",
                                 "news-feed/articles.jsonl.gz",
                                 "vnds-train/articles.seg.jsonl.gz",
                                 "vn4news2020/articles.jsonl.gz"])
def test_real_samples_match_the_reference(shared_corpora, rel):
    arts = read_corpus(shared_corpora / rel, limit=400)
    _same_tables(arts)
