"""Stage 4a: lexicon theme scores, per-hit evidence and a term coverage report.

**Matching.** Every term of a :class:`~civictext.themes.lexicon.Lexicon` is matched on
the article text (``articles.text``, normalised again with
:func:`~civictext.text.normalize.normalize_text`, so NFD input and "hoá"-style tone
marks match like NFC "hóa"):

* whole words only: a letter or digit right before or after the match means no
  match ("PCI" is not found in "PCIe", "SIPAS" not in "Tsitsipas"); syllables of
  a term match across spaces or ``_`` (word-segmented input); a comma in a term
  is optional in the text ("kỷ luật, kỷ cương" also finds "kỷ luật kỷ cương");
* case-insensitive for words, case-sensitive for acronyms (terms without
  lower-case letters, or ``case_sensitive: true``);
* **folded**: text typed without diacritics is matched through the folded key
  (:func:`~civictext.text.normalize.fold`): ``fold(term)`` is searched in
  ``fold(text)``, and a hit is accepted only if the matched span of the text has
  no diacritics at all, so "hai long" finds "hài lòng" but "Hải Long" does not;
  such hits have ``folded=True`` and are counted in ``folded_hits``;
* context rules of the term: ``not_followed_by`` / ``not_preceded_by`` (the
  adjacent syllable), ``require`` / ``exclude`` (words the hit's sentence must /
  must not contain, compared on the folded, lower-cased sentence);
* **overlaps: the longest match wins**, with no double counting: "dịch vụ công
  trực tuyến" is one hit, not also "dịch vụ công"; candidates rejected by a
  context rule do not block shorter terms.

**Mention rule.** A document's *score* for a theme is the sum of the weights
of its strong hits (default weight 1, every occurrence counts) plus the weight
of each *distinct* weak term found (default 0.5, counted once however often it
occurs). The theme is ``mentioned`` when ``score >= threshold`` (default 1.0):
one strong hit, or two different weak terms. Repeating one generic word
("hài lòng" three times in a match report) is not enough.

**Focus rule** (the default meaning of ``present``). A mention is not an
article *about* the theme: in long real articles most single hits are passing
mentions (a Party report listing "cải cách hành chính" among ten tasks). A
mentioned theme is ``present`` when the document gives it prominence:

* a hit in the **headline** (the ``title`` column when the text starts with
  it, as in :func:`~civictext.ingest.reader.read_corpus` output; else the first
  sentence; only ``text`` is searched), or
* a hit in the **lead** (the ``lead`` column when it follows the headline in
  the text, else the first sentence after the headline) **and** hits in at least
  :data:`FOCUS_MIN_SENTENCES_HIT` (2) different sentences, or
* hits in at least :data:`FOCUS_MIN_SHARE` (1 in 5) of the sentences of a
  document of at least :data:`FOCUS_MIN_DOC_SENTENCES` (4) sentences.

On hand-judged real hits (``benchmarks/labels/real_hits.csv``) this raised
the share of hits whose article is really about the theme from 0.51-0.66 to
0.86-0.91 for reform and conduct (two coders agree) and to 0.58-0.83 for
satisfaction (the coders disagree on the official slogan), keeping about half
of the relevant articles; see the README and ``benchmarks/RESULTS.md``.
``presence="mention"`` gives the older, wider reading (``present ==
mentioned``); both columns are always returned. On one-sentence texts (the
bundled labelled set, ``civictext/data/labels``) the two rules agree, and F1
is >= 0.85 per theme.

>>> import pandas as pd
>>> arts = pd.DataFrame({"doc_id": ["a"], "text": ["Tỉnh đẩy mạnh cải cách hành chính."]})
>>> s = score_themes(arts, n_tokens={"a": 6})
>>> row = s.set_index("theme").loc["reform"]
>>> int(row["hits"]), bool(row["present"])
(1, True)
"""
from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

from civictext import _progress
from civictext.errors import CorpusError, ParameterError
from civictext.ingest.reader import check_articles
from civictext.text.normalize import fold, is_folded, normalize_text
from civictext.themes.lexicon import Lexicon, load_lexicons

__all__ = ["score_themes", "theme_evidence", "coverage_report", "split_sentences",
           "load_lexicons", "DEFAULT_THRESHOLD", "PRESENCE_RULES", "MODEL_PRESENCE", "MODEL_COLUMNS", "DEFAULT_PRESENCE",
           "OPERATING_POINTS", "DEFAULT_OPERATING_POINT", "FOCUS_MIN_SENTENCES_HIT",
           "FOCUS_MIN_SHARE", "FOCUS_MIN_DOC_SENTENCES", "SCORE_COLUMNS", "EVIDENCE_COLUMNS",
           "COVERAGE_COLUMNS", "coverage_counts", "coverage_table", "COVERAGE_COUNTS"]

log = logging.getLogger(__name__)

#: Mention threshold on the weighted score (one strong hit, or two distinct weak terms).
DEFAULT_THRESHOLD = 1.0
#: ``present`` readings: "focus" (see the module docstring), "mention", "model"
#: (the supervised theme model for every theme) or "auto" (per theme and length
#: class, the measure that did best in grouped cross-validation; see
#: :mod:`civictext.themes.model`).
PRESENCE_RULES = ("focus", "mention", "model", "auto")
#: The readings that need a theme model.
MODEL_PRESENCE = ("model", "auto")
#: The default reading: per theme, the measure (the shipped theme model, the focus
#: rule or the mention rule) with the best held-out F1 in grouped cross-validation on
#: coded real news, chosen apart for texts of at most ``SHORT_MAX_TOKENS`` tokens
#: (which ones: ``ct.load_theme_model().auto_measures``; README, "Results").
DEFAULT_PRESENCE = "auto"
#: The named thresholds of a theme model (``score_themes(operating_point=...)``): "f1"
#: (the default: its out-of-fold F1 optimum) and "precision" (the lowest threshold whose
#: out-of-fold precision reached its precision target; :func:`civictext.fit_theme_model`).
OPERATING_POINTS = ("f1", "precision")
DEFAULT_OPERATING_POINT = "f1"
#: Focus rule: a lead hit counts when hits fall in at least this many sentences.
FOCUS_MIN_SENTENCES_HIT = 2
#: Focus rule: ... or when at least this share of the document's sentences have a hit,
FOCUS_MIN_SHARE = 0.2
#: ... in a document of at least this many sentences.
FOCUS_MIN_DOC_SENTENCES = 4

SCORE_COLUMNS = ["doc_id", "theme", "hits", "folded_hits", "n_tokens", "per_1k", "score",
                 "headline_hit", "sentences_hit", "n_sentences", "mentioned", "present"]
#: Added by a theme model: its probability that the theme is a substantial subject,
#: and its verdict at the model's threshold for the theme.
MODEL_COLUMNS = ["p_model", "present_model"]
EVIDENCE_COLUMNS = ["doc_id", "theme", "term", "matched", "start", "end", "sentence",
                    "folded", "weak"]
COVERAGE_COLUMNS = ["theme", "term", "weak", "docs", "hits", "folded_hits", "hits_theme_present",
                    "hits_theme_absent", "share_outside", "never_occurs", "mostly_outside",
                    "note", "source_file"]

_WORDCH = r"[^\W_]"  # a letter or a digit
# Spaces inside a term never cross a line break (a title and the next line are
# separate: "chính quyền" + "\n\nSố đơn" is not "chính quyền số").
_SEP = r"[ \t_]+"
_ASCII_WORD = re.compile(r"(?<![^\W_])[a-z0-9]+(?![^\W_])")
_NEXT_WORD = re.compile(r"[ \t_\-]+([^\W_]+)")
_PREV_WORD = re.compile(r"([^\W_]+)[ \t_\-]+$")
# Sentence ends: . ! ? … (then closing quotes/brackets) and spaces before an
# upper-case letter, a digit or an opening quote; or a line break.
_SENT_END = re.compile(r"[.!?…]+[\"')\]]*[ \t]+|\n+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of ``text``.

    A simple rule (no model): a sentence ends at ``.``, ``!``, ``?`` or ``…``
    followed by a space and an upper-case letter or digit, or at a line break.
    Spans exclude surrounding whitespace; together they cover every non-space
    character.

    >>> t = "Tỉnh họp. Sở Nội vụ báo cáo.\\nHết"
    >>> [t[a:b] for a, b in split_sentences(t)]
    ['Tỉnh họp.', 'Sở Nội vụ báo cáo.', 'Hết']
    """
    return _split_sentences(text, _codes(text))


def _codes(text: str) -> np.ndarray:
    """Code points of ``text``, shape (len(text),), uint32."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


_END_LUT = np.zeros(0x110000, dtype=bool)
_END_LUT[[ord(c) for c in ".!?…\n"]] = True


def _split_sentences(text: str, codes: np.ndarray) -> list[tuple[int, int]]:
    return list(_iter_sentences(text, codes))


def _iter_sentences(text: str, codes: np.ndarray) -> Iterator[tuple[int, int]]:
    """The spans of :func:`_split_sentences` one by one (each is final when it is
    yielded, so a caller may stop after the first few)."""
    # _SENT_END is tried only where a sentence-end character is (numpy finds them),
    # continuing after each match as finditer does: the same spans, fewer steps.
    spans: list[tuple[int, int]] = []
    pos, consumed = 0, 0
    match = _SENT_END.match
    for p in np.flatnonzero(_END_LUT[codes]).tolist():
        if p < consumed:
            continue
        m = match(text, p)
        if m is None:
            continue
        consumed = m.end()
        g = m.group(0)
        if g[0] != "\n":
            nxt = text[consumed:consumed + 2]
            first = nxt[1:2] if nxt[:1] in "\"'([" else nxt[:1]
            if not first or not (first.isupper() or first.isdigit()):
                continue
        _add_span(text, pos, p + len(g.rstrip(" \t\n")), spans)
        if spans:
            yield spans.pop()
        pos = consumed
    _add_span(text, pos, len(text), spans)
    yield from spans


def _add_span(text: str, a: int, b: int, spans: list) -> None:
    if a < b and not text[a].isspace() and not text[b - 1].isspace():
        spans.append((a, b))
        return
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        spans.append((a, b))


# ------------------------------------------------------------------ compiled terms
def _term_body(term: str) -> str:
    """Regex for a (normalised or folded) term: flexible spaces, optional commas, globs."""
    out = []
    for piece in re.findall(r"[^\W_]+|[*?]|\s+|[^\w\s]", term):
        if piece.isspace():
            out.append(_SEP)
        elif piece == "*":
            out.append(_WORDCH + "*")
        elif piece == "?":
            out.append(_WORDCH)
        elif piece == ",":
            out.append(r"[ \t_]*,?")
        else:
            out.append(re.escape(piece))
    body = "".join(out)
    return body.replace(r"[ \t_]*,?" + _SEP, r"(?:[ \t_]*,)?" + _SEP)


@dataclass
class _Term:
    idx: int
    theme: str
    term: str
    weight: float
    weak: bool
    keys: tuple[str, ...]        # folded, lower-cased words of the term: a cheap pre-check
    glob: bool                   # has * or ? wildcards (words are then prefixes only)
    plain: re.Pattern[str]
    folded: re.Pattern[str] | None
    not_followed: frozenset[str]
    not_preceded: frozenset[str]
    require: tuple[re.Pattern[str], ...]
    exclude: tuple[re.Pattern[str], ...]


def _ctx_word(word: str) -> re.Pattern[str]:
    return re.compile(r"(?<![^\W_])" + _term_body(fold(word).lower()) + r"(?![^\W_])")


def _compile(lexicon: Lexicon) -> list[_Term]:
    out = []
    for i, row in enumerate(lexicon.terms.itertuples(index=False)):
        flags = 0 if row.case_sensitive else re.IGNORECASE
        # No leading look-behind: it would stop re from skipping ahead to the
        # term's first letter. The left word boundary is checked in _matches.
        wrap = r"(?:{})(?![^\W_])"
        plain = re.compile(wrap.format(_term_body(row.term)), flags)
        fterm = fold(row.term)
        folded = None if fterm == row.term else re.compile(wrap.format(_term_body(fterm)), flags)
        keys = tuple(w for w in re.findall(r"[^\W_]+|[*?]", fterm.lower()) if w not in "*?")
        out.append(_Term(
            idx=i, theme=row.theme, term=row.term, weight=float(row.weight), weak=bool(row.weak),
            keys=keys, glob=bool(row.wildcard),
            plain=plain, folded=folded,
            not_followed=frozenset(fold(w).casefold() for w in row.not_followed_by),
            not_preceded=frozenset(fold(w).casefold() for w in row.not_preceded_by),
            require=tuple(_ctx_word(w) for w in row.require),
            exclude=tuple(_ctx_word(w) for w in row.exclude),
        ))
    return out


class _Matcher(list):
    """The compiled terms (a list of :class:`_Term`, in lexicon order) plus an
    Aho-Corasick automaton over each term's *anchor*: the folded, lower-cased
    words the term's pattern must start with ("cải cách hành chính" -> "cai
    cach hanh chinh"; "kỷ luật, kỷ cương" -> "ky luat", up to the comma). One
    pass of the automaton over the document's key text (:func:`_key_text`)
    gives every position where a term can start; the term's own pattern is then
    tried at those positions only. ``always``: terms without an anchor (a
    leading wildcard), searched the old way."""

    automaton: Any
    always: tuple[int, ...]


def _anchor(term: str) -> str:
    """Folded, lower-cased leading words of a (normalised or folded) term, joined
    by one space: a literal that every match of the term's pattern starts with in
    the key text. "" when the term starts with a wildcard or punctuation, or has
    a character the key table cannot map safely."""
    out = []
    for piece in re.findall(r"[^\W_]+|[*?]|\s+|[^\w\s]", term):
        if piece.isspace():
            out.append(" ")
        elif _WORD_PIECE.fullmatch(piece):
            key = _key_text(piece)
            if "\x00" in key or "\x01" in key:
                return ""
            out.append(key)
        else:
            break
    return "".join(out).rstrip(" ")


def _make_matcher(lexicon: Lexicon) -> _Matcher:
    import ahocorasick

    terms = _Matcher(_compile(lexicon))
    slots: dict[str, list[tuple[int, int]]] = {}
    always = []
    for t in terms:
        patterns = [(0, t.plain)] + ([(1, t.folded)] if t.folded is not None else [])
        for kind, pat in patterns:
            source = t.term if kind == 0 else fold(t.term)
            key = _anchor(source)
            if not key:
                always.append(t.idx)
                break
            slots.setdefault(key, []).append((t.idx, kind))
    automaton = ahocorasick.Automaton()
    for key, where in slots.items():
        automaton.add_word(key, (len(key), tuple(where)))
    if slots:
        automaton.make_automaton()
    terms.automaton = automaton if slots else None
    terms.always = tuple(sorted(set(always)))
    return terms


_COMPILED: dict[int, tuple[Lexicon, _Matcher]] = {}


def _compiled(lexicon: Lexicon) -> _Matcher:
    hit = _COMPILED.get(id(lexicon))
    if hit is None or hit[0] is not lexicon:
        if len(_COMPILED) > 8:
            _COMPILED.clear()
        hit = (lexicon, _make_matcher(lexicon))
        _COMPILED[id(lexicon)] = hit
    return hit[1]


# ------------------------------------------------------------------ matching
@dataclass
class _Hit:
    term: _Term
    start: int
    end: int
    folded: bool


def _context_ok(t: _Term, text: str, ftext: str, start: int, end: int,
                sentences: list[tuple[int, int]], fsent_cache: dict) -> bool:
    if t.not_followed:
        m = _NEXT_WORD.match(ftext, end)
        if m and m.group(1).casefold() in t.not_followed:
            return False
    if t.not_preceded:
        m = _PREV_WORD.search(ftext, max(0, start - 40), start)
        if m and m.group(1).casefold() in t.not_preceded:
            return False
    if t.require or t.exclude:
        s = _sentence_index(sentences, start)
        fs = fsent_cache.get(s)
        if fs is None:
            a, b = sentences[s]
            fs = fsent_cache[s] = ftext[a:b].lower()
        if t.require and not any(p.search(fs) for p in t.require):
            return False
        if t.exclude and any(p.search(fs) for p in t.exclude):
            return False
    return True


def _sentence_index(sentences: list[tuple[int, int]], pos: int) -> int:
    lo, hi = 0, len(sentences) - 1
    while lo < hi:                       # last sentence starting at or before pos
        mid = (lo + hi + 1) // 2
        if sentences[mid][0] <= pos:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _matches(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    """Spans of ``pattern`` in ``text`` that start at a word boundary."""
    pos = 0
    search = pattern.search
    while (m := search(text, pos)) is not None:
        a = m.start()
        if a == 0 or not _is_wordch(text[a - 1]):
            yield a, m.end()
            pos = m.end() if m.end() > a else a + 1
        else:
            pos = a + 1


def _is_wordch(ch: str) -> bool:
    return ch.isalnum()


def _build_fold_table() -> dict[int, str]:
    table = {}
    for cp in range(0x80, 0x3000):
        ch = chr(cp)
        f = fold(ch)
        if f != ch and len(f) == 1:
            table[cp] = f
    return table


_FOLD_TABLE = _build_fold_table()


_FOLD_LUT: np.ndarray | None = None


def _fold_nfc(text: str) -> str:
    """:func:`~civictext.text.normalize.fold` for NFC text, by one table lookup per character."""
    global _FOLD_LUT
    if _FOLD_LUT is None:
        lut = np.arange(0x110000, dtype=np.uint32)
        for cp, ch in _FOLD_TABLE.items():
            lut[cp] = ord(ch)
        _FOLD_LUT = lut
    return _FOLD_LUT[_codes(text)].astype("<u4", copy=False).tobytes().decode("utf-32-le",
                                                                        "surrogatepass")


def _build_key_lut() -> np.ndarray:
    """Code point -> one byte of the *key text*: the folded, lower-cased character
    when that is ASCII (tab and ``_`` -> space), 1 when it is another character,
    0 when the character is *unsafe*; shape (0x110000,), uint8.

    A character is unsafe when case-insensitive regex matching could accept it
    for a letter whose key differs: its lower case is not one character, it is
    one of ``re``'s extra non-ASCII case equivalents (``ſ`` for ``s``, ``ı`` for
    ``i``, ``µ`` for ``μ``), or folding and lower-casing do not commute on it.
    A document with an unsafe character, or with two separators in a row, is
    matched by the full scan (:func:`_find_hits_scan`), so the anchors are exact
    for every document.
    """
    from re import _casefix  # the table re uses for IGNORECASE

    extra = {cp for k, v in _casefix._EXTRA_CASES.items() for cp in (k, *v) if cp >= 0x80}
    lut = np.ones(0x110000, dtype=np.uint8)       # above the BMP: lower case stays there
    for cp in range(0x10000):
        ch = chr(cp)
        low = ch.lower()
        if cp == 0 or cp in extra or len(low) != 1 or ord(low) in extra:
            lut[cp] = 0
            continue
        key = _FOLD_TABLE.get(ord(low), low)
        if key.lower() != key or _FOLD_TABLE.get(cp, ch).lower() != key:
            lut[cp] = 0
        elif ord(key) < 0x80:
            lut[cp] = ord(key)
    lut[ord("\t")] = lut[ord("_")] = ord(" ")
    return lut


_KEY_LUT: np.ndarray | None = None


def _key_text(text: str, codes: np.ndarray | None = None) -> str:
    """The key text of ``text``: one character per character (see :func:`_build_key_lut`)."""
    global _KEY_LUT
    if _KEY_LUT is None:
        _KEY_LUT = _build_key_lut()
    return _KEY_LUT[_codes(text) if codes is None else codes].tobytes().decode("latin-1")


def _unsafe_key(key: str) -> bool:
    return "\x00" in key or "  " in key


_WORD_PIECE = re.compile(r"[^\W_]+")


def _matches_at(pattern: re.Pattern[str], text: str,
                positions: list[int]) -> Iterator[tuple[int, int]]:
    """:func:`_matches` restricted to candidate start ``positions`` (ascending):
    the same spans whenever every match starts at one of them."""
    last = 0
    match = pattern.match
    for a in positions:
        if a < last or (a and text[a - 1].isalnum()):
            continue
        m = match(text, a)
        if m is not None:
            yield a, m.end()
            last = m.end()


def _find_hits(text: str, terms: list[_Term]) -> tuple[list[_Hit], list[tuple[int, int]]]:
    """All accepted, non-overlapping hits in ``text`` (already normalised), in order.

    With a :class:`_Matcher`, one Aho-Corasick pass over the key text finds the
    positions where a term can start and each term's pattern is tried there
    only; the hits are those of the full scan (:func:`_find_hits_scan`, used
    for a plain list of terms and for documents with characters the key table
    cannot map safely), hit for hit.
    """
    if not isinstance(terms, _Matcher):
        return _find_hits_scan(text, terms)
    codes = _codes(text)
    key = _key_text(text, codes)
    if _unsafe_key(key):
        return _find_hits_scan(text, terms)
    sentences = _split_sentences(text, codes) or [(0, len(text))]
    found: dict[int, list[list[int]]] = {}
    if terms.automaton is not None:
        for end, (n, where) in terms.automaton.iter(key):
            a = end - n + 1
            for idx, kind in where:
                slot = found.get(idx)
                if slot is None:
                    slot = found[idx] = [[], []]
                slot[kind].append(a)
    if not found and not terms.always:
        return [], sentences
    ftext = _fold_nfc(text)
    fsent_cache: dict[int, str] = {}
    lower: str | None = None
    ascii_words: set[str] | None = None
    cands: list[_Hit] = []
    for idx in sorted(set(found) | set(terms.always)):
        t = terms[idx]
        if idx in terms.always:
            lower = ftext.lower() if lower is None else lower
            if not all(k in lower for k in t.keys):
                continue
            plain = _matches(t.plain, text)
            folded = _matches(t.folded, ftext) if t.folded is not None else iter(())
        else:
            plain_at, folded_at = found[idx]
            plain = _matches_at(t.plain, text, plain_at)
            folded = (_matches_at(t.folded, ftext, folded_at)
                      if t.folded is not None and folded_at else iter(()))
        keys_ok: bool | None = None
        for a, b in plain:
            if keys_ok is None:      # the scan's word pre-check, asked only on a match
                lower = ftext.lower() if lower is None else lower
                keys_ok = all(k in lower for k in t.keys)
            if not keys_ok:
                break
            if _context_ok(t, text, ftext, a, b, sentences, fsent_cache):
                cands.append(_Hit(t, a, b, False))
        if keys_ok is False:
            continue
        words_ok: bool | None = None
        for a, b in folded:
            if not is_folded(text[a:b]):
                continue
            if words_ok is None:
                lower = ftext.lower() if lower is None else lower
                if ascii_words is None:
                    ascii_words = set(_ASCII_WORD.findall(text.lower()))
                words_ok = (all(k in lower for k in t.keys)
                            and (t.glob or all(k in ascii_words for k in t.keys)))
            if not words_ok:
                break
            if _context_ok(t, text, ftext, a, b, sentences, fsent_cache):
                cands.append(_Hit(t, a, b, True))
    return _longest_first(cands, len(text)), sentences


def _find_hits_scan(text: str, terms: list[_Term]) -> tuple[list[_Hit], list[tuple[int, int]]]:
    """The full scan: every term's pattern searched over the whole text."""
    ftext = _fold_nfc(text)
    lower = ftext.lower()
    sentences = split_sentences(text) or [(0, len(text))]
    fsent_cache: dict[int, str] = {}
    ascii_words: set[str] | None = None
    cands: list[_Hit] = []
    for t in terms:
        if not all(k in lower for k in t.keys):
            continue
        for a, b in _matches(t.plain, text):
            if _context_ok(t, text, ftext, a, b, sentences, fsent_cache):
                cands.append(_Hit(t, a, b, False))
        if t.folded is not None:
            # A folded hit needs every word of the term typed without accents in
            # the text: skip the search when one is missing (accented documents).
            if ascii_words is None:
                ascii_words = set(_ASCII_WORD.findall(text.lower()))
            if not t.glob and not all(k in ascii_words for k in t.keys):
                continue
            for a, b in _matches(t.folded, ftext):
                if is_folded(text[a:b]) and _context_ok(t, text, ftext, a, b, sentences,
                                                         fsent_cache):
                    cands.append(_Hit(t, a, b, True))
    return _longest_first(cands, len(text)), sentences


def _longest_first(cands: list[_Hit], n: int) -> list[_Hit]:
    """Overlapping candidates resolved: the longest wins; ties: earlier start, then
    lexicon order. Returned in text order."""
    if not cands:
        return []
    cands.sort(key=lambda h: (-(h.end - h.start), h.start, h.term.idx))
    taken = np.zeros(n, dtype=bool)
    kept = []
    for h in cands:
        if not taken[h.start:h.end].any():
            taken[h.start:h.end] = True
            kept.append(h)
    kept.sort(key=lambda h: (h.start, h.end))
    return kept


def _as_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _iter_docs(articles: pd.DataFrame) -> Iterator[tuple[str, str, Any, Any]]:
    """``(doc_id, text, title, lead)``: text normalised, title and lead raw (None when
    the column is absent; normalise them with :func:`_norm` where needed)."""
    n = len(articles)
    titles = articles["title"] if "title" in articles.columns else [None] * n
    leads = articles["lead"] if "lead" in articles.columns else [None] * n
    for doc_id, text, title, lead in zip(articles["doc_id"], articles["text"], titles, leads):
        yield str(doc_id), normalize_text(_as_str(text)), title, lead


def _norm(value: Any) -> str:
    value = _as_str(value)
    return normalize_text(value) if value else ""


def _pass_digest(articles: pd.DataFrame, lexicon: Lexicon) -> bytes:
    """Fingerprint of what the matching pass reads: the lexicon's terms table and
    the articles' doc_id, text, title, lead."""
    h = hashlib.blake2b(digest_size=20)
    h.update(repr(lexicon.terms.to_dict("list")).encode("utf-8", "surrogatepass"))
    for col in ("doc_id", "text", "title", "lead"):
        if col not in articles.columns:
            h.update(b"\x00no " + col.encode())
            continue
        h.update(b"\x00col " + col.encode())
        values = articles[col]
        for lo in range(0, len(values), 4096):  # a slice of Python strings at a time
            for v in values.iloc[lo:lo + 4096].tolist():
                b = _as_str(v).encode("utf-8", "surrogatepass")
                h.update(len(b).to_bytes(8, "little"))
                h.update(b)
                h.update(b"\x01" if isinstance(v, str) else type(v).__name__.encode())
    return h.digest()


def _zones(text: str, title: str, lead: str, sentences: list[tuple[int, int]]) -> tuple[int, int]:
    """End offsets of the headline and of the lead in ``text`` (see the focus rule)."""
    if (title and text.startswith(title)
            and (len(text) == len(title) or not text[len(title)].isalnum())):
        headline_end = len(title)
    else:
        headline_end = sentences[0][1] if sentences else 0
    if lead:
        pos = text.find(lead, headline_end)
        if pos >= 0 and not text[headline_end:pos].strip():  # the lead follows the headline
            return headline_end, pos + len(lead)
    after = next((b for a, b in sentences if a >= headline_end), headline_end)
    return headline_end, after


def _shown_path(path: str) -> str:
    """A bundled lexicon file as ``civictext/data/lexicons/NAME`` (the same on every
    machine, so coverage tables stay byte-identical); any other path as given."""
    from civictext.themes.lexicon import DEFAULT_LEXICON_DIR

    try:
        rel = Path(path).resolve().relative_to(DEFAULT_LEXICON_DIR)
    except (ValueError, OSError):
        return str(path)
    return "civictext/data/lexicons/" + rel.as_posix()


def _resolve_lexicon(lexicon: Lexicon | None) -> Lexicon:
    if lexicon is None:
        return load_lexicons()
    if not isinstance(lexicon, Lexicon):
        from civictext.errors import ParameterTypeError

        raise ParameterTypeError(f"lexicon must be a civictext Lexicon (from load_lexicons), got "
                                 f"{type(lexicon).__name__}")
    return lexicon


#: The last matching pass: fingerprint of the lexicon and the articles, and its result.
#: ``score_themes`` then ``theme_evidence`` (or ``coverage_report``) on the same
#: articles, as ``civictext run`` and ``civictext themes --evidence`` do, match once.
#: ``release_last_pass`` empties it (the pipeline does once coverage is done).
_LAST_PASS: dict[str, Any] = {}
#: The hit table of a matching pass: the evidence columns, then private ones.
_HIT_COLUMNS = [*EVIDENCE_COLUMNS, "_weight", "_idx", "_sent", "_zone"]


def release_last_pass() -> None:
    """Forget the last matching pass (its hit table and sentence counts)."""
    _LAST_PASS.clear()


def _evidence_rows(articles: pd.DataFrame, lexicon: Lexicon) -> tuple[pd.DataFrame, np.ndarray]:
    """Hit table (:data:`_HIT_COLUMNS`, one row per hit, in document order) and the
    sentences of every document (int64, in the order of ``articles``).

    Scores and evidence both come from this one pass; the result of the last
    call is kept (with a fingerprint of the lexicon's terms and the articles'
    ``doc_id, text, title, lead``) and returned again for the same input.
    """
    digest = _pass_digest(articles, lexicon)
    if _LAST_PASS.get("digest") == digest:
        return _LAST_PASS["result"]
    _LAST_PASS.clear()
    result = _match_pass(articles, lexicon)
    _LAST_PASS.update(digest=digest, result=result)
    return result


def _match_pass(articles: pd.DataFrame, lexicon: Lexicon) -> tuple[pd.DataFrame, np.ndarray]:
    with _progress.stage("lexicon matching"), \
            _progress.bar(len(articles), desc="lexicon matching") as bar:
        return _match_docs(articles, lexicon, bar)


def _match_docs(articles: pd.DataFrame, lexicon: Lexicon,
                bar: Any) -> tuple[pd.DataFrame, np.ndarray]:
    """The hits as columns (a list per column, not a dict per hit), made one table."""
    terms = _compiled(lexicon)
    cols: dict[str, list] = {c: [] for c in _HIT_COLUMNS}
    add = [cols[c].append for c in _HIT_COLUMNS]
    n_sentences = np.zeros(len(articles), dtype=np.int64)
    for k, (doc_id, text, title, lead) in enumerate(_iter_docs(articles)):
        if k % 256 == 255:
            bar.update(256)
        hits, sentences = _find_hits(text, terms)
        n_sentences[k] = len(sentences) if text.strip() else 0
        if not hits:
            continue
        headline_end, lead_end = _zones(text, _norm(title), _norm(lead), sentences)
        for h in hits:
            si = _sentence_index(sentences, h.start)
            a, b = sentences[si]
            row = (doc_id, h.term.theme, h.term.term, text[h.start:h.end], h.start, h.end,
                   text[a:max(b, h.end)], h.folded, h.term.weak, h.term.weight, h.term.idx,
                   si, 0 if h.start < headline_end else 1 if h.start < lead_end else 2)
            for f, v in zip(add, row):
                f(v)
    if not cols["doc_id"]:
        return pd.DataFrame([], columns=_HIT_COLUMNS), n_sentences
    return pd.DataFrame(cols, columns=_HIT_COLUMNS), n_sentences


def theme_evidence(articles: pd.DataFrame, lexicon: Lexicon | None = None) -> pd.DataFrame:
    """Every lexicon hit with its sentence and character offsets, for human checking.

    Parameters
    ----------
    articles : DataFrame
        The articles table (needs ``doc_id`` and ``text``).
    lexicon : Lexicon, optional
        Default: the bundled lexicons (:func:`~civictext.themes.lexicon.load_lexicons`).

    Returns
    -------
    DataFrame
        One row per hit, in document order: ``doc_id, theme, term`` (the lexicon
        term), ``matched`` (the surface text), ``start, end`` (offsets into the
        normalised ``text``, equal to ``articles.text`` for read_corpus output,
        so ``text[start:end] == matched``), ``sentence`` (the sentence holding
        the hit), ``folded`` (found only through the accent-less key), ``weak``.

    Examples
    --------
    >>> import pandas as pd
    >>> arts = pd.DataFrame({"doc_id": ["a"],
    ...     "text": ["Sở họp. Người dân dùng dịch vụ công trực tuyến."]})
    >>> theme_evidence(arts)[["term", "start", "end", "sentence"]].values.tolist()
    [['dịch vụ công trực tuyến', 23, 46, 'Người dân dùng dịch vụ công trực tuyến.']]
    """
    articles = check_articles(articles, "theme_evidence")
    lexicon = _resolve_lexicon(lexicon)
    rows, _ = _evidence_rows(articles, lexicon)
    ev = rows[EVIDENCE_COLUMNS]
    return ev.astype({"start": "int64", "end": "int64", "folded": "bool", "weak": "bool"})


def _n_tokens(articles: pd.DataFrame, n_tokens: Any, tokens: Any) -> pd.Series:
    ids = articles["doc_id"].astype(str)
    if n_tokens is None and tokens is not None:
        if not isinstance(tokens, pd.DataFrame) or "doc_id" not in tokens.columns:
            raise CorpusError("score_themes: 'tokens' must be the token table from "
                              "tokenize() (with a doc_id column)")
        n_tokens = tokens.groupby(tokens["doc_id"].astype(str)).size()
    if n_tokens is None:
        from civictext.text.segmentation import count_tokens  # lazy: loads the segmenter

        n_tokens = count_tokens(articles)
    if isinstance(n_tokens, Mapping):
        n_tokens = pd.Series(n_tokens)
    if not isinstance(n_tokens, pd.Series):
        from civictext.errors import ParameterTypeError

        raise ParameterTypeError(f"score_themes: n_tokens must be a Series or dict indexed by "
                                 f"doc_id (as count_tokens returns), got {type(n_tokens).__name__}")
    n_tokens = n_tokens.copy()
    n_tokens.index = n_tokens.index.astype(str)
    missing = ids[~ids.isin(n_tokens.index)]
    if len(missing):
        raise CorpusError(f"score_themes: n_tokens has no count for {len(missing)} document(s),"
                          f" e.g. {missing.iloc[0]!r}; give one count per doc_id")
    return n_tokens.reindex(ids).astype("int64")


def _doc_scores(rows: pd.DataFrame) -> pd.DataFrame:
    """Per (doc_id, theme) of a hit table: hits, folded_hits, score (weak terms once per
    document), headline_hit, lead_hit (a hit in the headline or the lead), sentences_hit."""
    if not len(rows):
        return pd.DataFrame(columns=["doc_id", "theme", "hits", "folded_hits", "score",
                                     "headline_hit", "lead_hit", "sentences_hit"])
    ev = rows
    strong = ev[~ev["weak"]].groupby(["doc_id", "theme"])["_weight"].sum()
    weak = (ev[ev["weak"]].drop_duplicates(["doc_id", "_idx"])
            .groupby(["doc_id", "theme"])["_weight"].sum())
    agg = ev.groupby(["doc_id", "theme"]).agg(hits=("term", "size"),
                                               folded_hits=("folded", "sum"),
                                               _zone=("_zone", "min"),
                                               sentences_hit=("_sent", "nunique"))
    agg["headline_hit"] = (agg["_zone"] == 0).astype("int64")   # 0/1: reindexed with 0 later
    agg["lead_hit"] = (agg["_zone"] <= 1).astype("int64")
    agg = agg.drop(columns="_zone")
    agg["score"] = strong.reindex(agg.index, fill_value=0.0) + weak.reindex(agg.index,
                                                                              fill_value=0.0)
    return agg.reset_index()


def score_themes(
    articles: pd.DataFrame,
    lexicon: Lexicon | None = None,
    *,
    n_tokens: pd.Series | Mapping[str, int] | None = None,
    tokens: pd.DataFrame | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    presence: str = DEFAULT_PRESENCE,
    model: Any = None,
    operating_point: str = DEFAULT_OPERATING_POINT,
) -> pd.DataFrame:
    """Theme hits, rates and presence per document.

    Parameters
    ----------
    articles : DataFrame
        The articles table (needs ``doc_id`` and ``text``; ``title`` and
        ``lead``, when present, mark the headline and lead for the focus rule).
    lexicon : Lexicon, optional
        Default: the bundled lexicons.
    n_tokens : Series or dict, keyword-only, optional
        Tokens per ``doc_id`` for the per-1,000 rate. Default: counted from
        ``tokens`` if given, else with :func:`civictext.text.segmentation.count_tokens`.
    tokens : DataFrame, keyword-only, optional
        A token table from ``tokenize`` (one row per token).
    threshold : float, keyword-only
        Mention threshold on ``score`` (default 1.0, see the module docstring:
        one strong hit, or two different weak terms).
    presence : {"auto", "focus", "mention", "model"}, keyword-only
        What ``present`` means: "focus" — the theme is mentioned
        *and* prominent (headline; lead plus a second sentence; or one sentence
        in five); "mention" — the theme is mentioned anywhere; "model" — the
        theme model's verdict (``present_model``); "auto" (default,
        :data:`DEFAULT_PRESENCE`) — per theme, the measure (model, focus or
        mention) that did best in the model's grouped cross-validation, chosen
        apart for short texts (``n_tokens`` at most the model's
        ``short_max_tokens``) and longer ones
        (:meth:`~civictext.themes.model.ThemeModel.auto_measure`).
    model : ThemeModel or path, keyword-only, optional
        A theme model (:func:`civictext.fit_theme_model`,
        :func:`civictext.load_theme_model`) or the folder of a saved one. With a
        model (or a "model"/"auto" reading, which then uses the bundled model),
        the table has two more columns, :data:`MODEL_COLUMNS`: ``p_model``
        (float, the model's probability) and ``present_model`` (bool).
    operating_point : {"f1", "precision"}, keyword-only
        The model's threshold for ``present_model`` (and so for ``present`` where
        the model decides it): "f1" (default: the out-of-fold F1 optimum,
        recall-heavy, for shares) or "precision" (the lowest threshold whose
        out-of-fold precision reached the model's precision target, 0.85 unless
        fitted otherwise: for lists of articles to read). ``p_model``, the focus
        and mention rules and the evidence do not change. Needs a model (or a
        "model"/"auto" reading); the point used is in
        ``attrs["theme_model"]["operating_point"]``. A model saved before
        operating points existed has "f1" only (refit it for "precision").

    Returns
    -------
    DataFrame
        One row per (``doc_id``, ``theme``), every theme for every document,
        in the order of ``articles`` then of the lexicon's themes. Columns
        ``doc_id, theme, hits`` (int), ``folded_hits`` (int, hits found only
        through the accent-less key), ``n_tokens`` (int), ``per_1k`` (float,
        ``1000 * hits / n_tokens``, 0 when ``n_tokens == 0``), ``score`` (float,
        weighted evidence), ``headline_hit`` (bool, a hit in the headline),
        ``sentences_hit`` (int, sentences with a hit), ``n_sentences`` (int,
        sentences in the document), ``mentioned`` (bool, ``score >=
        threshold``), ``present`` (bool, by the ``presence`` rule).

    Examples
    --------
    >>> import pandas as pd
    >>> arts = pd.DataFrame({"doc_id": ["a", "b"], "text": [
    ...     "Nâng cao mức độ hài lòng của người dân với dịch vụ công.",
    ...     "Cán bộ xã hài lòng, rất hài lòng với trận đấu."]})

    The focus rule (``presence="focus"``; the default reading may use the theme
    model instead, see ``presence``):

    >>> s = score_themes(arts, n_tokens={"a": 12, "b": 9}, presence="focus")
    >>> s[s.theme == "satisfaction"][["doc_id", "hits", "score", "present"]].values.tolist()
    [['a', 1, 1.0, True], ['b', 2, 0.5, False]]

    A passing mention deep in a long article is mentioned, not present:

    >>> body = "\\n".join(f"Câu thứ {i} nói về giao thông." for i in range(9))
    >>> arts = pd.DataFrame({"doc_id": ["c"], "title": ["Giao thông Tết"],
    ...     "text": ["Giao thông Tết\\n\\n" + body + "\\nTỉnh cũng nhắc cải cách hành chính."]})
    >>> r = score_themes(arts, n_tokens={"c": 80}, presence="focus").set_index("theme").loc["reform"]
    >>> bool(r["mentioned"]), bool(r["present"]), int(r["sentences_hit"]), int(r["n_sentences"])
    (True, False, 1, 11)
    """
    articles = check_articles(articles, "score_themes")
    lexicon = _resolve_lexicon(lexicon)
    from civictext.errors import ParameterError

    if (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
            or not 0 < threshold < float("inf")):
        raise ParameterError(f"score_themes: threshold must be a positive number, got "
                             f"{threshold!r}")
    if presence not in PRESENCE_RULES:
        raise ParameterError(f"score_themes: presence must be one of "
                             f"{', '.join(PRESENCE_RULES)}, got {presence!r}")
    check_point(operating_point, presence, model, "score_themes")
    from civictext.text.segmentation import shared_compound_starts

    # the token count and the model's given words filter each text for compounds once
    with shared_compound_starts():
        counts = _n_tokens(articles, n_tokens, tokens)
        out = _score_frame(articles, lexicon, counts, threshold)
        if presence == "mention":
            out["present"] = out["mentioned"]
        else:
            out["present"] = out["focus"]
        if presence in MODEL_PRESENCE or model is not None:
            from civictext.themes.model import apply_model  # lazy: scikit-learn

            out = apply_model(out, articles, model, presence, lexicon=lexicon,
                              threshold=threshold, operating_point=operating_point)
            return out[SCORE_COLUMNS + MODEL_COLUMNS]
    return out[SCORE_COLUMNS]


def check_operating_point(operating_point: Any, where: str, name: str = "operating_point"
                          ) -> str:
    """``operating_point`` if it is one of :data:`OPERATING_POINTS`, else a
    :class:`~civictext.errors.ParameterError` naming the parameter and the choices."""
    from civictext.errors import ParameterError

    if not isinstance(operating_point, str) or operating_point not in OPERATING_POINTS:
        raise ParameterError(f"{where}: {name} must be one of "
                             f"{', '.join(map(repr, OPERATING_POINTS))}, got {operating_point!r}")
    return operating_point


def check_point(operating_point: Any, presence: str, model: Any, where: str,
                name: str = "operating_point") -> str:
    """Refuse an operating point that is not a name of one
    (:func:`check_operating_point`), or that no theme model would use (a non-default
    point with the focus or mention rule and no model)."""
    from civictext.errors import ParameterError

    check_operating_point(operating_point, where, name)
    if operating_point != "f1" and model is None and presence not in MODEL_PRESENCE:
        raise ParameterError(f"{where}: {name}={operating_point!r} chooses the theme model's "
                             f"threshold, but presence={presence!r} uses no theme model; use "
                             f"presence 'model' or 'auto', or give a model")
    return operating_point


def _score_frame(articles: pd.DataFrame, lexicon: Lexicon, counts: pd.Series,
                 threshold: float) -> pd.DataFrame:
    """The score table before ``present``: SCORE_COLUMNS less ``present``, plus
    ``lead_hit`` and ``focus`` (the focus rule's verdict); also used by the theme
    model for its lexicon features."""
    rows, n_sentences = _evidence_rows(articles, lexicon)
    per_doc = _doc_scores(rows)
    ids = articles["doc_id"].astype(str)
    grid = pd.MultiIndex.from_product([ids, lexicon.themes], names=["doc_id", "theme"])
    out = (per_doc.set_index(["doc_id", "theme"])
           .reindex(grid, fill_value=0).reset_index())
    for col in ("hits", "folded_hits", "sentences_hit"):
        out[col] = out[col].astype("int64")
    for col in ("headline_hit", "lead_hit"):
        out[col] = out[col].astype(bool)
    out["score"] = out["score"].astype("float64")
    out["n_tokens"] = counts.reindex(out["doc_id"]).to_numpy()
    out["n_sentences"] = np.repeat(n_sentences, len(lexicon.themes))  # grid: doc-major
    nt = out["n_tokens"].to_numpy()
    out["per_1k"] = np.where(nt > 0, 1000.0 * out["hits"] / np.maximum(nt, 1), 0.0)
    out["mentioned"] = out["score"] >= float(threshold) - 1e-12
    ns, nh = out["n_sentences"].to_numpy(), out["sentences_hit"].to_numpy()
    prominent = (out["headline_hit"]
                 | (out["lead_hit"] & (nh >= FOCUS_MIN_SENTENCES_HIT))
                 | ((ns >= FOCUS_MIN_DOC_SENTENCES)
                    & (nh >= FOCUS_MIN_SHARE * np.maximum(ns, 1) - 1e-9)))
    out["focus"] = out["mentioned"] & prominent
    return out


def coverage_report(
    articles: pd.DataFrame,
    lexicon: Lexicon | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    outside_share: float = 0.5,
) -> pd.DataFrame:
    """How often each lexicon term occurs, and whether it fires outside its theme.

    For each hit, the question is whether the document would still mention
    the term's theme *without this term's own hits* (its theme score minus the
    term's contribution, against ``threshold``: the mention rule of
    :func:`score_themes`, not the focus rule, so that the split depends on the
    vocabulary only). A term whose hits fall mostly in documents where its
    theme is otherwise absent is either the only evidence in short texts or a
    false friend: read its evidence.

    Parameters
    ----------
    articles : DataFrame
        The articles table.
    lexicon : Lexicon, optional
        Default: the bundled lexicons.
    threshold : float, keyword-only
        The mention threshold used for the in/outside split (as in score_themes).
    outside_share : float, keyword-only
        ``mostly_outside`` is set when ``share_outside`` exceeds this (default 0.5).

    Returns
    -------
    DataFrame
        One row per lexicon term, in lexicon order: ``theme, term, weak``,
        ``docs`` (documents with at least one hit), ``hits``, ``folded_hits``,
        ``hits_theme_present`` / ``hits_theme_absent`` (hits in documents where
        the theme is / is not mentioned without this term), ``share_outside``
        (``hits_theme_absent / hits``, NaN when no hits), ``never_occurs``
        (bool), ``mostly_outside`` (bool), ``note, source_file``.

    Examples
    --------
    >>> import pandas as pd
    >>> arts = pd.DataFrame({"doc_id": ["a"], "text": ["Cải cách hành chính và CCHC."]})
    >>> rep = coverage_report(arts).set_index("term")
    >>> rep.loc["CCHC", ["hits", "hits_theme_present"]].tolist()
    [1, 1]
    >>> bool(rep.loc["SIPAS", "never_occurs"])
    True
    """
    lexicon = _resolve_lexicon(lexicon)
    counts = coverage_counts(check_articles(articles, "coverage_report"), lexicon,
                             threshold=threshold)
    return coverage_table(counts, lexicon, outside_share=outside_share)


#: The rows of :func:`coverage_counts`' array, in order.
COVERAGE_COUNTS = ("docs", "hits", "folded_hits", "hits_theme_present")


def coverage_counts(articles: pd.DataFrame, lexicon: Lexicon | None = None, *,
                    threshold: float = DEFAULT_THRESHOLD) -> np.ndarray:
    """The additive part of :func:`coverage_report`: an int64 array of shape
    ``(4, terms)`` (rows :data:`COVERAGE_COUNTS`, columns in lexicon order).

    Every count is a sum over documents (each document's hits and its own theme
    score), so the counts of disjoint sets of documents (a run's partitions) add
    up to the counts of their union; :func:`coverage_table` makes the report
    from them. ``articles`` is taken as checked (``check_articles``).
    """
    lexicon = _resolve_lexicon(lexicon)
    rows, _ = _evidence_rows(articles, lexicon) if len(articles) else (pd.DataFrame(), None)
    out = np.zeros((len(COVERAGE_COUNTS), len(lexicon.terms)), dtype="int64")
    if len(rows):
        ev = rows
        scores = _doc_scores(rows).set_index(["doc_id", "theme"])["score"]
        # contribution of each term to its document's theme score
        per = ev.groupby(["doc_id", "theme", "_idx"]).agg(
            n=("term", "size"), folded=("folded", "sum"), w=("_weight", "first"),
            weak=("weak", "first")).reset_index()
        per["contrib"] = np.where(per["weak"], per["w"], per["w"] * per["n"])
        per["score"] = scores.reindex(pd.MultiIndex.from_frame(per[["doc_id", "theme"]])).to_numpy()
        per["present_without"] = (per["score"] - per["contrib"]) >= float(threshold) - 1e-12
        g = per.groupby("_idx")
        idx = g.size().index.to_numpy()
        out[0, idx] = g.size().to_numpy()
        out[1, idx] = g["n"].sum().to_numpy()
        out[2, idx] = g["folded"].sum().to_numpy()
        inside = per[per["present_without"]].groupby("_idx")["n"].sum()
        out[3, inside.index.to_numpy()] = inside.to_numpy()
    return out


def coverage_table(counts: np.ndarray, lexicon: Lexicon | None = None, *,
                   outside_share: float = 0.5) -> pd.DataFrame:
    """:func:`coverage_report`'s table from :func:`coverage_counts` (summed over
    partitions or not): the one place the report's columns are derived."""
    lexicon = _resolve_lexicon(lexicon)
    t = lexicon.terms.reset_index(drop=True)
    base = pd.DataFrame({"theme": t["theme"], "term": t["term"], "weak": t["weak"],
                         "note": t["note"], "source_file": t["source_file"].map(_shown_path)})
    counts = np.asarray(counts, dtype="int64")
    if counts.shape != (len(COVERAGE_COUNTS), len(t)):
        raise ParameterError(f"coverage_table: counts of shape {counts.shape}, expected "
                             f"{(len(COVERAGE_COUNTS), len(t))} (coverage_counts of this "
                             f"lexicon)")
    stats = {k: counts[i].copy() for i, k in enumerate(COVERAGE_COUNTS)}
    stats["hits_theme_absent"] = stats["hits"] - stats["hits_theme_present"]
    out = base.assign(**stats)
    hits = out["hits"].to_numpy()
    out["share_outside"] = np.where(hits > 0, out["hits_theme_absent"] / np.maximum(hits, 1),
                                    np.nan)
    out["never_occurs"] = hits == 0
    out["mostly_outside"] = (hits > 0) & (out["share_outside"].fillna(0) > outside_share)
    return out[COVERAGE_COLUMNS]
