"""Stage 3 of the pipeline: Vietnamese word segmentation into a token table.

:func:`tokenize` turns the articles table into the tokens table of
``docs/pipeline.md`` (one row per token, offsets into ``articles.text``);
:func:`count_tokens` gives the per-document token counts used for per-1,000
rates; :class:`Analyzer` is the same segmentation as a picklable
``str -> list[str]`` callable for ``TfidfVectorizer(analyzer=...)``;
:func:`load_stopwords` reads the bundled stop list (``data/stopwords_vi.txt``).

**Segmentation.** Each line of a text is split into sentences with underthesea's
``sent_tokenize`` and every sentence is segmented by underthesea's CRF word
segmenter (the model behind ``word_tokenize``); a whole document is never given
to the segmenter in one call. civictext runs the segmenter's own steps (its
regular-expression pre-tokenizer, ``token_normalize`` features, the CRF) itself,
so that it gets the character offsets of every syllable from the regular
expression's match positions instead of searching the output again: the words
are exactly ``underthesea.word_tokenize(sentence)`` (tested), and the offsets
come for free. Syllables of a word are joined by ``_`` in the token
(``cải_cách``); ``articles.text[start:end]`` is the word as written.

**Compounds (lexicon terms).** Multi-word lexicon terms ("cải cách hành
chính", "quy tắc ứng xử", "dịch vụ công trực tuyến", "văn hóa công sở") come
out as single tokens (``cải_cách_hành_chính``). This is a *post-pass* over the
segmenter's words: a term is found by its syllables (case-insensitive) and its
syllables become one token; inside the term the segmenter's splits are
overridden ("dịch_vụ công_trực tuyến" -> ``dịch_vụ_công_trực_tuyến``). A
two-syllable term must also begin and end on the segmenter's word boundaries,
since two syllables often meet by accident ("vận_hành_chính_thức" does not
contain the word "hành chính"); a term of three or more syllables is specific
enough to be kept even when it cuts a segmenter word ("nghiêm_quy_tắc ứng_xử"
-> ``nghiêm``, ``quy_tắc_ứng_xử``).
Terms with punctuation inside ("giao tiếp, ứng xử") are not merged: a token
never spans punctuation. Text typed without diacritics matches a term through
its folded key (:func:`civictext.text.normalize.fold`) when the matched span itself
has no diacritics ("cai cach hanh chinh" -> ``cai_cach_hanh_chinh``); the
segmenter's boundaries are unreliable on such text, so they are overridden.

underthesea's ``fixed_words=`` argument was measured and rejected
(``benchmarks/bench_tokenize.py --only compounds``; benchmarks/RESULTS.md). On
the seed page's sentences, with 18 lexicon-like terms occurring 48 times, the
post-pass keeps all 48 whole and glues nothing to them; ``fixed_words`` keeps 37
(case-sensitive: "Quy tắc ứng xử" at the start of a sentence is missed) and the
CRF glues fixed terms to their neighbours (``chỉ_số_CCHC``). With the themes'
lexicon (89 terms, 79 occurrences): post-pass 74 (the 5 others have a comma
inside), ``fixed_words`` 52. Worse, in
underthesea 9.5.0 it leaks: after one call with ``fixed_words`` every later
``word_tokenize`` call in the process (by any library) uses those words too.
Speed is not the deciding factor (fixed_words took 0.87-1.31x the post-pass time,
wall clock on a loaded machine).

**Case.** Tokens are lowercased, except acronyms: a word whose letters are all
capitals, at least two of them, with no Vietnamese vowel marks (``Đ`` allowed)
keeps its case: ``UBND``, ``HĐND``, ``SIPAS``, ``PAPI``, ``PCI``, ``CCHC``,
``PARINDEX``, ``PAR_INDEX``, ``NĐ-CP``, ``TP.HCM``. In a heading written in
capitals (at least 3 all-capital words making at least half of its words) only
known acronyms (:data:`KNOWN_ACRONYMS` and all-capital lexicon terms) keep their
case, so "NHÂN LÊN NHỮNG BÔNG HOA" gives ``hoa``, not ``HOA``.

**Punctuation and numbers.** Every token is kept in the table, so the table
covers the text; the added column ``kind`` says what it is: ``"word"`` (has a
letter: ``hà_nội``, ``covid-19``, ``4k``), ``"number"`` (digits and separators,
no letter: ``2/63``, ``3,4``, ``62``, ``1.500.000``, ``2-0``) or ``"punct"``
(neither: ``%``, ``(``, ``"``, ``…``). underthesea splits "62%" into ``62`` and
``%`` and keeps dates and fractions such as "2/63" whole. :func:`count_tokens`
counts words and numbers (not punctuation). :class:`Analyzer` drops punctuation
and numbers unless asked.

**Cache.** Token arrays are cached on disk per document, in one SQLite store
per cache folder (``civictext.text.cache``: WAL mode, safe with several writing
processes), keyed by the SHA-256 of the text and a hash of the settings that
change tokens (:data:`TOKENIZER_VERSION`, the versions of underthesea and of
underthesea_core, its CRF, which is released apart; the compound list, ``pos``,
and the source code of this module, ``_cache`` and ``normalize``). Stop words are applied after the cache, so changing them costs
nothing. A corrupt or stale entry is detected (format version, checksum, text
hash), logged and rebuilt. Documents whose segmentation is given
(``tokens_given``, pre-segmented corpora) are not cached: without POS tags
they need no model, and are quicker to redo than to read.

>>> import pandas as pd
>>> arts = pd.DataFrame({"doc_id": ["a"], "text": ["UBND quận đẩy mạnh cải cách hành chính."]})
>>> toks = tokenize(arts, compounds=["cải cách hành chính"], cache=False)
>>> toks["token"].tolist()
['UBND', 'quận', 'đẩy_mạnh', 'cải_cách_hành_chính', '.']
>>> arts.text[0][int(toks.start[3]):int(toks.end[3])]
'cải cách hành chính'
"""
from __future__ import annotations

import bisect
import hashlib
import importlib
import json
import logging
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from civictext import _progress
from civictext.text import cache as _cache
from civictext.config import cache_dir
from civictext.errors import ParameterError, CacheError, CivictextError
from civictext.ingest.reader import check_articles
from civictext.text.normalize import fold, normalize_text

__all__ = [
    "tokenize",
    "count_tokens",
    "Analyzer",
    "load_stopwords",
    "segment_text",
    "default_compounds",
    "TOKENIZER_VERSION",
    "KNOWN_ACRONYMS",
]

log = logging.getLogger(__name__)

#: Bumped whenever segmentation, compounds, case or ``kind`` rules change output.
TOKENIZER_VERSION = "1"

#: Acronyms kept in capitals even inside an all-capitals heading.
KNOWN_ACRONYMS = frozenset("""
UBND HĐND CCHC SIPAS PAPI PCI PARINDEX PAR INDEX TP HCM TPHCM CP NĐ QĐ TTG BCH TW
MTTQ THCS THPT ĐH ĐBSCL BHXH BHYT CSGT CAND QĐND ĐTĐ LĐTĐ LĐTBXH TNHH CNTT VNPT
UBMTTQ CNH HĐH GDP FDI ODA WTO ASEAN APEC UNDP WB IMF EU OECD CPI
""".split())

#: Terms with at least this many syllables are kept whole even when they cut a
#: word of the segmenter (shorter ones must match its word boundaries).
_FORCE_MIN = 3
_KIND_CODES = {"word": 0, "number": 1, "punct": 2}
_KIND_NAMES = ["word", "number", "punct"]
_HAS_LETTER = re.compile(r"[^\W\d_]")
_HAS_DIGIT = re.compile(r"\d")
_HAS_WORDCHAR = re.compile(r"[^\W_]")
_ACRONYM = re.compile(r"[A-ZĐ0-9&.\-_ ]+")
_INNER_SPACES = re.compile(r"[^\S\n]+")


# ----------------------------------------------------------------- segmenter
class _Segmenter:
    """underthesea's word segmenter, run step by step to keep match offsets."""

    def __init__(self) -> None:
        import underthesea

        wt = importlib.import_module("underthesea.pipeline.word_tokenize")
        tn = importlib.import_module("underthesea.pipeline.text_normalize")
        if wt.word_tokenize_model is None:
            underthesea.word_tokenize("khởi động")  # loads the CRF model once
        self.model = wt.word_tokenize_model
        # Our own compiled copy: underthesea's module-level pattern is replaced
        # by any call that passes fixed_words (see the module docstring).
        self.pattern = _pretoken_pattern()
        # token_normalize(t) is token_map.get(t, t) for t of at most 6 characters,
        # once t is NFC with "ð" mapped, which the text is here (tested).
        self.token_map = tn.token_normalize.__globals__["token_map"]
        self.char_map = str.maketrans({"ð": "đ", "Ð": "Đ"})

    def syllables(self, sentence: str) -> tuple[list[tuple[int, int]], list[bool]]:
        """Pre-tokens of ``sentence`` as (start, end) spans, and word-start flags.

        ``sentence`` must be NFC (the caller normalises the document first).
        """
        text = sentence.translate(self.char_map)  # underthesea's character_normalize
        matches = list(self.pattern.finditer(text))
        if not matches:
            return [], []
        tmap = self.token_map
        feats = [[tmap.get(g, g) if len(g) <= 6 else g] for g in (m.group() for m in matches)]
        tags = self.model.predict(feats)
        starts = [tag != "I-W" for tag in tags]
        starts[0] = True
        return [m.span() for m in matches], starts


@lru_cache(maxsize=1)
def _pretoken_pattern() -> re.Pattern[str]:
    """underthesea's pre-token (syllable) regular expression, compiled once, without
    loading its CRF model (the lexicon compounds need only this)."""
    rt = importlib.import_module("underthesea.pipeline.word_tokenize.regex_tokenize")
    return re.compile(rt.regex_patterns_combine, re.VERBOSE | re.UNICODE)


_SEGMENTER: _Segmenter | None = None


def _segmenter() -> _Segmenter:
    global _SEGMENTER
    if _SEGMENTER is None:
        _SEGMENTER = _Segmenter()
    return _SEGMENTER


# ----------------------------------------------------------------- compounds
def default_compounds() -> tuple[str, ...]:
    """Multi-word terms of the bundled theme lexicons (``civictext.themes.lexicon``).

    Falls back to no compounds, with a logged warning, when the lexicon module
    or its files are missing.
    """
    try:
        from civictext.themes.lexicon import DEFAULT_LEXICON_DIR  # lazy: a later-built module

        stamp = tuple(sorted((f.name, f.stat().st_mtime_ns, f.stat().st_size)
                             for f in Path(DEFAULT_LEXICON_DIR).iterdir() if f.is_file()))
    except Exception:  # noqa: BLE001 - let the loader report it
        stamp = ()
    return _default_compounds(stamp)


@lru_cache(maxsize=4)
def _default_compounds(stamp: tuple) -> tuple[str, ...]:
    """The lexicons' terms, read once per state of the lexicon files (``stamp``).

    Reading the YAML files takes ~0.25 s, which made ``segment_text`` and
    ``Analyzer(compounds=None)`` pay it on every call (benchmarks/bench_realtext.py).
    """
    try:
        from civictext.themes.lexicon import load_lexicons  # lazy: a later-built module
        terms = load_lexicons().terms["term"]
    except Exception as exc:  # noqa: BLE001 - any failure means "no compounds"
        log.warning("tokenize: theme lexicons unavailable (%s: %s); multi-word lexicon "
                    "terms will not be kept whole. Pass compounds=[...] to set them.",
                    type(exc).__name__, exc)
        return ()
    return tuple(sorted({str(t) for t in terms if isinstance(t, str) and t.strip()}))


def _clean_compounds(compounds: Iterable[str] | None) -> tuple[str, ...]:
    if compounds is None:
        return default_compounds()
    if isinstance(compounds, str):
        raise CivictextError(
            f"tokenize: compounds must be a list of terms, got the string {compounds!r}; "
            f"write compounds=[{compounds!r}]")
    out = set()
    for term in compounds:
        if not isinstance(term, str):
            raise CivictextError(f"tokenize: every compound must be a str, got {term!r}")
        term = " ".join(normalize_text(term.replace("_", " ")).split())
        if " " in term:
            out.add(term)
    return tuple(sorted(out))


class _CompoundIndex:
    """Lexicon terms as sequences of lowercased pre-tokens, longest first."""

    def __init__(self, terms: Sequence[str], pattern: re.Pattern[str]) -> None:
        exact: dict[str, list[tuple[str, ...]]] = {}
        folded: dict[str, list[tuple[str, ...]]] = {}
        self.acronyms = set(KNOWN_ACRONYMS)
        for term in terms:
            parts = tuple(m.group().lower() for m in pattern.finditer(term))
            if len(parts) < 2 or not all(_HAS_WORDCHAR.search(p) for p in parts):
                continue  # one syllable, or punctuation inside ("giao tiếp, ứng xử")
            exact.setdefault(parts[0], []).append(parts)
            fparts = tuple(fold(p) for p in parts)
            if fparts != parts:  # accent-less terms match exactly, never by folding
                folded.setdefault(fparts[0], []).append(fparts)
            for w in term.split():
                if w.isupper() and len(w) > 1:
                    self.acronyms.add(w)
        for d in (exact, folded):
            for k in d:
                d[k] = sorted(set(d[k]), key=len, reverse=True)
        self.exact, self.folded = exact, folded
        self.first = frozenset(exact) | frozenset(folded)

    def merge(self, low: list[str], starts: list[bool]) -> set[int]:
        """Merge term matches in place; return the pre-token indices starting a term.

        An exact (case-insensitive) match of a two-syllable term must begin and
        end on word boundaries of the segmenter; a longer term is specific
        enough to be kept even when it cuts a segmenter word
        ("nghiêm_quy_tắc ứng_xử" -> ``nghiêm``, ``quy_tắc_ứng_xử``). A folded match (the span has no diacritics, the term
        has) ignores the segmenter's boundaries, which are unreliable on text
        typed without accents, and splits the words it cuts.
        """
        hits: set[int] = set()
        if self.first.isdisjoint(low):  # most sentences: no term starts here
            return hits
        n, i = len(low), 0
        exact, folded = self.exact, self.folded
        while i < n:
            t = low[i]
            hit = 0
            for term in exact.get(t, ()):
                k = len(term)
                if i + k > n or tuple(low[i:i + k]) != term:
                    continue
                if k >= _FORCE_MIN:
                    starts[i] = True
                    if i + k < n:
                        starts[i + k] = True
                elif not (starts[i] and (i + k == n or starts[i + k])):
                    continue
                hit = k
                break
            if not hit and t.isascii():
                for term in folded.get(t, ()):
                    k = len(term)
                    seg = low[i:i + k]
                    if len(seg) == k and all(s.isascii() for s in seg) and tuple(seg) == term:
                        hit = k
                        starts[i] = True
                        if i + k < n:
                            starts[i + k] = True
                        break
            if hit:
                hits.add(i)
                for j in range(i + 1, i + hit):
                    starts[j] = False
                i += hit
            else:
                i += 1
        return hits


@lru_cache(maxsize=8)
def _compound_index(terms: tuple[str, ...]) -> _CompoundIndex:
    return _CompoundIndex(terms, _pretoken_pattern())


# ------------------------------------------------------------- token forms
def _is_acronym(surface: str) -> bool:
    return (surface.isupper() and _ACRONYM.fullmatch(surface) is not None
            and len(_HAS_LETTER.findall(surface)) >= 2)


def _sentence_tokens(sentence: str, offset: int, seg: _Segmenter,
                     index: _CompoundIndex | None, pos: bool,
                     out: dict[str, list]) -> None:
    spans, starts = seg.syllables(sentence)
    if not spans:
        return
    hits: set[int] = set()
    if index is not None:
        low = sentence.lower()
        if len(low) != len(sentence):  # a few letters change length when lowercased
            hits = index.merge([sentence[a:b].lower() for a, b in spans], starts)
        else:
            hits = index.merge([low[a:b] for a, b in spans], starts)
    words: list[tuple[int, int]] = []
    compound: list[bool] = []
    for k, ((a, b), st) in enumerate(zip(spans, starts)):
        if st:
            words.append((a, b))
            compound.append(k in hits)
        else:
            words[-1] = (words[-1][0], b)
    surfaces = [sentence[a:b] for a, b in words]
    letter = [_HAS_LETTER.search(s) is not None for s in surfaces]
    upper = [s.isupper() and len(s) > 1 for s in surfaces]
    n_upper = sum(upper)
    shouting = n_upper >= 3 and 2 * n_upper >= sum(letter)
    acronyms = index.acronyms if index is not None else KNOWN_ACRONYMS
    # one pass for the whole sentence: words never contain "\n" (lines are split)
    joined = _INNER_SPACES.sub("_", "\n".join(surfaces))
    forms = joined.lower().split("\n")
    if n_upper:
        kept = joined.split("\n")
        for k, up in enumerate(upper):
            if up and _is_acronym(surfaces[k]) and (
                    not shouting or all(w in acronyms for w in surfaces[k].split())):
                forms[k] = kept[k]
    out["token"].extend(forms)
    out["kind"].extend([0 if let else (1 if _HAS_DIGIT.search(s) else 2)
                        for s, let in zip(surfaces, letter)])
    out["start"].extend([offset + a for a, _ in words])
    out["end"].extend([offset + b for _, b in words])
    if pos:
        tags = _pos_tags(surfaces)
        out["pos"].extend("N" if c else t for t, c in zip(tags, compound))


def _pos_tags(words: list[str]) -> list[str]:
    mod = importlib.import_module("underthesea.pipeline.pos_tag.model_crf")
    tagger = mod.CRFPOSTagPredictor.Instance()
    return [tag for _, tag in tagger.predict(words)]


_SENT_END = re.compile(r"[.?!]")


@lru_cache(maxsize=1)
def _punkt() -> Any:
    st = importlib.import_module("underthesea.pipeline.sent_tokenize")
    st._load_model()
    return st.sentence_tokenizer


def _sent_tokenize(text: str) -> list[str]:
    """``underthesea.sent_tokenize(text)``, the same sentences, faster.

    underthesea's ``PunktSentenceTokenizer.sentences_from_text`` steps through
    the text one character at a time in Python and acts only at ``.``, ``?``
    and ``!``; this is the same loop jumping from one of those characters to the
    next with a regular expression (its boundary and abbreviation tests are
    underthesea's own methods). It was ~10 s of the CPU time of a run on Dân
    trí (8.3 M characters). Equality with underthesea is tested on real and
    generated text (tests/test_tokenize.py).
    """
    if not text or not text.strip():
        return []
    tok = _punkt()
    is_boundary = tok._is_sentence_boundary
    ends = tok.SENT_END_CHARS
    search = _SENT_END.search
    sentences: list[str] = []
    start = i = 0
    n = len(text)
    while True:
        m = search(text, i)
        if m is None:
            break
        i = m.start()
        if text[i] == ".":
            dot_end = i
            while dot_end < n and text[dot_end] == ".":
                dot_end += 1
            if dot_end - i >= 3:
                after = dot_end
                while after < n and text[after] in " \t":
                    after += 1
                if after >= n or text[after].isupper():
                    sentence = text[start:dot_end].strip()
                    if sentence:
                        sentences.append(sentence)
                    while dot_end < n and text[dot_end] in " \t\n\r":
                        dot_end += 1
                    start = dot_end
                i = dot_end
                continue
        if is_boundary(text, i):
            end = i + 1
            while end < n and text[end] in ends:
                end += 1
            sentence = text[start:end].strip()
            if sentence:
                sentences.append(sentence)
            while end < n and text[end] in " \t\n\r":
                end += 1
            start = i = end
            continue
        i += 1
    final = text[start:].strip()
    if final:
        sentences.append(final)
    return sentences


def _line_sentences(line: str) -> Iterator[tuple[int, str]]:
    """(offset in ``line``, sentence) for every sentence of one line."""
    cur = 0
    for sent in _sent_tokenize(line):
        at = line.find(sent, cur)
        if at < 0:  # sent_tokenize only strips; never expected
            raise RuntimeError(f"sentence not found in its line: {sent[:60]!r}")
        yield at, sent
        cur = at + len(sent)


def _sentences(text: str) -> Iterator[tuple[int, str]]:
    """(offset, sentence) for every sentence of every line of ``text``."""
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            for at, sent in _line_sentences(line):
                yield pos + at, sent
        pos += len(line) + 1


def _nfc_map(text: str) -> tuple[str, list[int]]:
    """NFC of ``text`` and, for each NFC position (and the end), the original one."""
    out: list[str] = []
    pos_map: list[int] = []
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        while j < n and unicodedata.combining(text[j]):
            j += 1
        piece = unicodedata.normalize("NFC", text[i:j])
        out.append(piece)
        pos_map.extend([i] * len(piece))
        i = j
    pos_map.append(n)
    return "".join(out), pos_map


class _Given:
    """The segmenter's interface over a given (pre-segmented, ``_``-joined) sentence.

    ``given`` is the same sentence with ``_`` where the text has the space
    inside a word (``read_corpus(segmented=True)`` makes ``text`` from
    ``tokens_given`` by exactly that replacement), so offsets are shared.
    """

    __slots__ = ("given",)

    def __init__(self, given: str) -> None:
        self.given = given

    def syllables(self, sentence: str) -> tuple[list[tuple[int, int]], list[bool]]:
        spans: list[tuple[int, int]] = []
        starts: list[bool] = []
        for m in _CHUNK.finditer(self.given):
            a, b = m.span()
            first = True
            for p in _SYLLABLE.finditer(self.given, a, b):
                spans.append(p.span())
                starts.append(first)
                first = False
            if first:  # a chunk of underscores only: one token as written
                spans.append((a, b))
                starts.append(True)
        return spans, starts


_CHUNK = re.compile(r"\S+")
_SYLLABLE = re.compile(r"[^\s_]+")


def _usable_given(text: str, given: Any) -> str | None:
    """``given`` when it is ``text`` with ``_`` inside words (and NFC), else None."""
    if not isinstance(given, str) or not given or len(given) != len(text):
        return None
    if given.replace("_", " ") != text or not unicodedata.is_normalized("NFC", text):
        return None
    return given


# ------------------------------------------ counting a given segmentation
#: Code point classes for :func:`_given_count`: 1 a letter or digit (``[^\W_]``,
#: what makes a token a word or a number), 2 space or newline, 5 other
#: whitespace, 3 ``.?!`` (where a sentence may end), 4 ``_``, 0 anything else.
_GIVEN_LUT: np.ndarray | None = None
_ALNUM_CHUNK = re.compile(r"[^\W_]\S*")


def _given_lut() -> np.ndarray:
    global _GIVEN_LUT
    if _GIVEN_LUT is None:
        every = "".join(map(chr, range(0x110000)))
        lut = np.zeros(0x110000, dtype=np.uint8)
        # the same classes as the regular expressions that decide tokens and kinds
        lut[[m.start() for m in re.finditer(r"[^\W_]", every)]] = 1
        lut[[m.start() for m in re.finditer(r"\s", every)]] = 5
        lut[[ord(" "), ord("\n")]] = 2
        lut[[ord(c) for c in ".?!"]] = 3
        lut[ord("_")] = 4
        _GIVEN_LUT = lut
    return _GIVEN_LUT


class _TermFilter:
    """Where a lexicon compound could be merged in a text: an Aho–Corasick
    automaton of every term of a :class:`_CompoundIndex`, its pre-tokens (and
    their folded keys) joined by one space, run over the lower-cased text.

    Every merge that :meth:`_CompoundIndex.merge` makes starts at one of the
    positions :meth:`starts` returns when the text has no run of two
    whitespace characters and no whitespace other than space and newline
    (then the pre-tokens of a term are one space apart), and lower-casing keeps
    its length; :meth:`starts` returns None for any other text.
    """

    def __init__(self, index: _CompoundIndex) -> None:
        import ahocorasick  # a dependency: the theme matcher uses it too

        keys = {" ".join(parts) for d in (index.exact, index.folded)
                for terms in d.values() for parts in terms}
        self.automaton: Any = None
        if keys:
            self.automaton = ahocorasick.Automaton()
            for k in keys:
                self.automaton.add_word(k, len(k))
            self.automaton.make_automaton()

    def starts(self, text: str) -> list[int] | None:
        if self.automaton is None:
            return []
        low = text.lower()
        if len(low) != len(text):
            return None
        return sorted({end - n + 1 for end, n in self.automaton.iter(low)})


@lru_cache(maxsize=8)
def _term_filter(terms: tuple[str, ...]) -> _TermFilter:
    return _TermFilter(_compound_index(terms))


#: Within :func:`shared_compound_starts`: per compound tuple, the
#: :meth:`_TermFilter.starts` of each text already filtered, keyed by the BLAKE2b-128
#: digest of the text (the texts themselves are not kept).
_SHARED_STARTS: ContextVar[dict[tuple[str, ...], dict[bytes, tuple[list[int] | None]]] | None] = \
    ContextVar("civictext_shared_compound_starts", default=None)


@contextmanager
def shared_compound_starts() -> Iterator[None]:
    """Within this block, the compound filter (:class:`_TermFilter`, an Aho–Corasick
    pass over the lower-cased text) runs once per text and compound list:
    :func:`count_tokens` and the theme model's given words (:func:`_given_forms`)
    scan the same texts of a pre-segmented corpus, and the second reuses the
    first's positions. Same results (a function of the text); the memory is a
    16-byte digest and a short list per text, dropped when the outermost block
    ends. Per thread/context (a :class:`contextvars.ContextVar`); nesting is a no-op.
    """
    if _SHARED_STARTS.get() is not None:
        yield
        return
    token = _SHARED_STARTS.set({})
    try:
        yield
    finally:
        _SHARED_STARTS.reset(token)


def _compound_starts(text: str, terms: tuple[str, ...], cls: np.ndarray) -> list[int] | None:
    """Sorted offsets in ``text`` where a lexicon compound of ``terms`` may start
    (``[]`` without terms), or None when only the per-sentence path can tell: a
    double space, a character of class 5 (:func:`_given_lut`) or text whose
    lower-casing changes its length. Callers must not change the list (within
    :func:`shared_compound_starts` it is shared)."""
    if not terms:
        return []
    if "  " in text or bool(np.any(cls == 5)):
        return None
    memo = _SHARED_STARTS.get()
    if memo is None:
        return _term_filter(terms).starts(text)
    per = memo.setdefault(terms, {})
    key = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    found = per.get(key)
    if found is None:  # a 1-tuple, as starts() itself may give None
        per[key] = found = (_term_filter(terms).starts(text),)
    return found[0]


def _sentence_count(sentence: str, given: str, index: _CompoundIndex | None) -> int:
    """Words and numbers of one sentence with its given segmentation (the
    per-sentence path of :func:`_doc_tokens`)."""
    out: dict[str, list] = {"token": [], "start": [], "end": [], "kind": [], "pos": []}
    _sentence_tokens(sentence, 0, _Given(given), index, False, out)
    return sum(1 for k in out["kind"] if k != 2)


def _given_count(text: str, given: str, terms: tuple[str, ...]) -> int | None:
    """Words and numbers (``kind != "punct"``) of a document whose segmentation
    is given, as ``_doc_tokens(text, settings, given)`` counts them, or None when
    only that path can tell (the caller then runs it).

    With a given segmentation, the tokens of a sentence are its
    whitespace-separated chunks of ``given`` (a chunk of only ``_`` is one
    punctuation token), unless a lexicon compound is merged. So the count is
    the number of chunks holding a letter or digit, taken over the whole
    document at once, except on the lines where a sentence may end inside a
    chunk (``.?!`` followed by a character that is neither whitespace nor
    ``.?!``: ``Co._opXtra`` is one given word, but the text "Co. opXtra" has a
    sentence end after "Co.") or a compound may start (:class:`_TermFilter`): those
    lines are split into sentences and a sentence with a possible compound goes
    through the per-sentence path. ``given`` must be usable
    (:func:`_usable_given`).
    """
    cls = _given_lut()[np.frombuffer(given.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)]
    space = (cls == 2) | (cls == 5)
    begin = ~space
    begin[1:] &= space[:-1]
    chunk = np.cumsum(begin)[cls == 1]
    total = int(np.count_nonzero(chunk[1:] != chunk[:-1])) + (1 if len(chunk) else 0)
    found = _compound_starts(text, terms, cls)
    if found is None:
        return None
    marks = list(found)
    punct = np.flatnonzero(cls[:-1] == 3)
    if len(punct):
        nxt = cls[punct + 1]
        marks.extend(punct[(nxt == 0) | (nxt == 1) | (nxt == 4)].tolist())
    if not marks:
        return total
    index = _compound_index(terms) if terms else None
    term_at = set(found)
    done: set[int] = set()
    for p in sorted(marks):
        a = text.rfind("\n", 0, p) + 1
        if a in done:
            continue
        done.add(a)
        b = text.find("\n", p)
        b = len(text) if b < 0 else b
        total -= len(_ALNUM_CHUNK.findall(given, a, b))
        line = text[a:b]
        if not line.strip():
            continue
        hits = sorted(t - a for t in term_at if a <= t < b)
        for at, sent in _line_sentences(line):
            lo, hi = a + at, a + at + len(sent)
            if any(at <= h < at + len(sent) for h in hits):
                total += _sentence_count(sent, given[lo:hi], index)
            else:
                total += len(_ALNUM_CHUNK.findall(given, lo, hi))
    return total


#: Chunks of a given segmentation that begin or end with ``_`` or hold ``__``: the
#: per-sentence path drops the outer ``_`` and joins the inner ones (left to it).
_UNDERSCORE_EDGE = re.compile(r"(?:^|(?<=\s))_|_(?=\s|$)|__")
#: Code point classes for :func:`_given_forms`: 1 a letter (``[^\W\d_]``), 2 a digit
#: (``\d``), 0 anything else.
_FORM_LUT: np.ndarray | None = None


def _form_lut() -> np.ndarray:
    global _FORM_LUT
    if _FORM_LUT is None:
        every = "".join(map(chr, range(0x110000)))
        lut = np.zeros(0x110000, dtype=np.uint8)
        lut[[m.start() for m in _HAS_LETTER.finditer(every)]] = 1
        lut[[m.start() for m in _HAS_DIGIT.finditer(every)]] = 2
        _FORM_LUT = lut
    return _FORM_LUT


def _chunk_forms(ws: list[str], ls: list[str], acronyms: Any
                 ) -> tuple[list[str], list[int]]:
    """Forms and kinds of the words of one sentence whose words are the chunks
    ``ws`` (``ls``: the same lower-cased): what :func:`_sentence_tokens` makes of
    them when no compound is merged."""
    has_letter, has_digit = _HAS_LETTER.search, _HAS_DIGIT.search
    kinds = [0 if has_letter(w) else (1 if has_digit(w) else 2) for w in ws]
    n_upper = sum(1 for w in ws if len(w) > 1 and w.isupper())
    if not n_upper:
        return ls, kinds
    shouting = n_upper >= 3 and 2 * n_upper >= kinds.count(0)
    forms = list(ls)
    for k, w in enumerate(ws):
        if len(w) > 1 and w.isupper():
            sf = w.replace("_", " ")
            if _is_acronym(sf) and (not shouting or all(p in acronyms for p in sf.split())):
                forms[k] = w
    return forms, kinds


def _given_forms(text: str, given: str, terms: tuple[str, ...]
                 ) -> tuple[list[str], list[int]] | None:
    """Token forms and kinds of a document whose segmentation is given, exactly
    as ``_doc_tokens(text, {"compounds": terms, "pos": False}, given)`` makes
    them (its ``tokens`` and ``kind``), or None when only that path can tell.

    As in :func:`_given_count`, the tokens are the whitespace-separated chunks
    of ``given``, lower-cased all at once (the same letters as lower-casing each
    word: the one context-dependent mapping, Greek final sigma, stops at
    whitespace), unless a sentence may end inside a chunk or a lexicon compound
    may start in it. Two more things depend on the sentence: a chunk that starts
    or ends with ``_`` or holds ``__`` (the per-sentence path drops the outer
    ``_`` and joins the inner ones), and an all-capital acronym not made of
    known ones (:data:`KNOWN_ACRONYMS`, the lexicon's capitalised words), kept
    in capitals unless its sentence is a heading in capitals. The lines with
    any of these are split into sentences; a sentence with a possible compound
    or such an underscore goes through the per-sentence path, the others are
    chunked with the acronym rule applied per sentence. ``given`` must be usable
    (:func:`_usable_given`).
    """
    codes = np.frombuffer(given.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cls = _given_lut()[codes]
    term_at = _compound_starts(text, terms, cls)
    if term_at is None:
        return None
    marks = list(term_at)
    punct = np.flatnonzero(cls[:-1] == 3)
    if len(punct):
        nxt = cls[punct + 1]
        cut = (nxt == 0) | (nxt == 1) | (nxt == 4)
        # never a sentence end: "." between two digits ("1.500", underthesea's rule)
        ascii_digit = (codes >= 48) & (codes <= 57)
        inner = punct[(punct > 0)]
        cut[punct > 0] &= ~((codes[inner] == 46) & ascii_digit[inner - 1] & ascii_digit[inner + 1])
        marks.extend(punct[cut].tolist())
    if "_" in given and ("__" in given or " _" in given or "_ " in given or "\n_" in given
                         or "_\n" in given or given[0] == "_" or given[-1] == "_"
                         or bool(np.any(cls == 5))):
        marks.extend(m.start() for m in _UNDERSCORE_EDGE.finditer(given))
    low = given.lower()
    forms = low.split()
    space = (cls == 2) | (cls == 5)
    begin = ~space
    begin[1:] &= space[:-1]
    starts = np.flatnonzero(begin)
    if len(forms) != len(starts):
        return None
    cid = np.cumsum(begin) - 1
    # the chunks that lower-casing changes (the only ones that can keep capitals)
    if len(low) == len(given):
        lcodes = np.frombuffer(low.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        cased = np.unique(cid[codes != lcodes]).tolist()
    else:
        cased = list(range(len(starts)))
    index = _compound_index(terms) if terms else None
    acronyms = index.acronyms if index is not None else KNOWN_ACRONYMS
    bounds = starts.tolist() + [len(given) + 1]
    depends: list[int] = []  # acronyms whose case depends on their sentence
    for k in cased:
        w = given[bounds[k]:bounds[k + 1] - 1].rstrip()
        if w != forms[k]:
            if len(w) > 1 and w.isupper():
                sf = w.replace("_", " ")
                if _is_acronym(sf):
                    if all(p in acronyms for p in sf.split()):
                        forms[k] = w
                    else:
                        depends.append(k)
    slow = {text.rfind("\n", 0, p) + 1 for p in marks}
    if depends:
        # a sentence is a heading in capitals only with three all-capital words; on
        # a line with fewer (and no sentence end inside a word) none is, so the
        # acronym keeps its capitals
        upper_in: dict[int, int] = {}
        for k in depends:
            a = text.rfind("\n", 0, int(starts[k])) + 1
            if a in slow:
                continue
            if a not in upper_in:
                b = text.find("\n", a)
                upper_in[a] = sum(1 for w in given[a:len(text) if b < 0 else b].split()
                                  if len(w) > 1 and w.isupper())
            if upper_in[a] < 3:
                forms[k] = given[bounds[k]:bounds[k + 1] - 1].rstrip()
            else:
                slow.add(a)
    # kinds: a chunk with a letter is a word, else with a digit a number, else punct
    ch = _form_lut()[codes]
    kind = np.full(len(starts), 2, dtype=np.int64)
    kind[cid[ch == 2]] = 1
    kind[cid[ch == 1]] = 0
    if not slow:
        return forms, kind.tolist()
    kinds = kind.tolist()
    out_f: list[str] = []
    out_k: list[int] = []
    done = 0  # chunks [0, done) are in the output
    for a in sorted(slow):
        b = text.find("\n", a)
        b = len(text) if b < 0 else b
        c0, c1 = int(np.searchsorted(starts, a)), int(np.searchsorted(starts, b))
        out_f.extend(forms[done:c0])
        out_k.extend(kinds[done:c0])
        done = c1
        line = text[a:b]
        for at, sent in _line_sentences(line):
            lo = a + at
            hi = lo + len(sent)
            gs = given[lo:hi]
            t = bisect.bisect_left(term_at, lo)
            if (t < len(term_at) and term_at[t] < hi) or _UNDERSCORE_EDGE.search(gs):
                out: dict[str, list] = {"token": [], "start": [], "end": [], "kind": [],
                                        "pos": []}
                _sentence_tokens(sent, lo, _Given(gs), index, False, out)
                out_f.extend(out["token"])
                out_k.extend(out["kind"])
                continue
            sw, sl = gs.split(), gs.lower().split()
            if len(sw) != len(sl):
                return None
            f, k = _chunk_forms(sw, sl, acronyms)
            out_f.extend(f)
            out_k.extend(k)
    out_f.extend(forms[done:])
    out_k.extend(kinds[done:])
    return out_f, out_k


def _doc_tokens(text: str, settings: dict[str, Any],
                given: str | None = None) -> _cache.DocTokens:
    if given is not None:
        given = _usable_given(text, given)
        if given is None:
            log.warning("tokens_given does not match the text (is it the text with '_' "
                        "inside words?); segmenting this document with underthesea")
    seg: Any = None if given is not None else _segmenter()
    terms = settings["compounds"]
    index = _compound_index(terms) if terms else None
    pos = settings["pos"]
    nfc_map = None
    if not unicodedata.is_normalized("NFC", text):
        text, nfc_map = _nfc_map(text)
    out: dict[str, list] = {"sent": [], "token": [], "start": [], "end": [], "kind": [],
                            "pos": []}
    for sid, (offset, sentence) in enumerate(_sentences(text)):
        before = len(out["token"])
        sseg = seg if given is None else _Given(given[offset:offset + len(sentence)])
        _sentence_tokens(sentence, offset, sseg, index, pos, out)
        out["sent"].extend([sid] * (len(out["token"]) - before))
    start, end = out["start"], out["end"]
    if nfc_map is not None:
        start = [nfc_map[x] for x in start]
        end = [nfc_map[x] for x in end]
    return _cache.DocTokens(
        sent_id=np.asarray(out["sent"], dtype=np.int32),
        start=np.asarray(start, dtype=np.int32), end=np.asarray(end, dtype=np.int32),
        kind=np.asarray(out["kind"], dtype=np.int8), tokens=out["token"],
        pos=out["pos"] if pos else None)


def segment_text(text: str, *, compounds: Iterable[str] | None = (),
                 pos: bool = False) -> list[tuple[str, int, int]]:
    """Tokens of one text as ``(token, start, end)`` triples (no cache, no stop words).

    >>> segment_text("Chỉ số SIPAS tăng 16 bậc.", compounds=["chỉ số"])
    [('chỉ_số', 0, 6), ('SIPAS', 7, 12), ('tăng', 13, 17), ('16', 18, 20), ('bậc', 21, 24), ('.', 24, 25)]
    """
    doc = _doc_tokens(_check_text(text, "segment_text"),
                      {"compounds": _clean_compounds(compounds), "pos": pos})
    return list(zip(doc.tokens, doc.start.tolist(), doc.end.tolist()))


def _check_text(text: Any, where: str) -> str:
    if isinstance(text, str):
        return text
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return ""
    raise CivictextError(f"{where}: text must be a str, got {type(text).__name__} "
                         f"({str(text)[:40]!r}); convert the column with .astype(str)")


# ---------------------------------------------------------------- stop words
_STOPWORDS_FILE = "stopwords_vi.txt"


def _read_word_list(lines: Iterable[str]) -> set[str]:
    out = set()
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            out.add("_".join(normalize_text(line.replace("_", " ")).lower().split()))
    return out


def load_stopwords(extra: str | Path | Iterable[str] | None = None) -> frozenset[str]:
    """civictext's Vietnamese stop list (token form, ``_``-joined), plus ``extra``.

    Parameters
    ----------
    extra : path or iterable of str, optional
        More stop words: a UTF-8 file (one word a line, ``#`` starts a comment)
        or an iterable of words. Words may be written with spaces or ``_``.

    Returns
    -------
    frozenset of str

    >>> sw = load_stopwords(["ngoài ra"])
    >>> "của" in sw, "ngoài_ra" in sw, "chính" in sw
    (True, True, False)
    """
    words = _bundled_stopwords()
    if extra is None:
        return words
    if isinstance(extra, (str, Path)):
        path = Path(extra)
        if not path.is_file():
            raise CivictextError(
                f"load_stopwords: extra={str(extra)!r} is not a file; pass a path to a "
                "UTF-8 file with one word a line, or a list of words")
        try:
            more = _read_word_list(path.read_text(encoding="utf-8").splitlines())
        except UnicodeDecodeError as exc:
            raise CivictextError(f"load_stopwords: {path} is not UTF-8 ({exc.reason} at "
                                 f"byte {exc.start}); re-save it as UTF-8") from exc
    else:
        items = list(extra)
        bad = [w for w in items if not isinstance(w, str)]
        if bad:
            raise CivictextError(f"load_stopwords: extra words must be str, got {bad[0]!r}")
        more = _read_word_list(items)
    return words | frozenset(more)


@lru_cache(maxsize=1)
def _bundled_stopwords() -> frozenset[str]:
    text = resources.files("civictext").joinpath("data", _STOPWORDS_FILE).read_text("utf-8")
    return frozenset(_read_word_list(text.splitlines()))


def _resolve_stopwords(stopwords: Any) -> frozenset[str]:
    if stopwords is None:
        return load_stopwords()
    if isinstance(stopwords, frozenset):
        return stopwords
    if stopwords is False:
        return frozenset()
    if isinstance(stopwords, (str, Path)):
        return load_stopwords(stopwords)
    return frozenset(_read_word_list(list(stopwords)))


# ------------------------------------------------------------------- running
def _settings(compounds: Iterable[str] | None, pos: bool) -> dict[str, Any]:
    return {"compounds": _clean_compounds(compounds), "pos": bool(pos)}


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """Hash of the source of the modules that decide a document's tokens.

    Part of the cache key, so that editing the segmentation or normalisation
    code (in a development checkout) never reads tokens made by the old code,
    even when nobody bumps :data:`TOKENIZER_VERSION`.
    """
    from civictext.text import cache as cache_mod
    from civictext.text import normalize as normalize_mod

    h = hashlib.sha256()
    for mod in (sys.modules[__name__], cache_mod, normalize_mod):
        try:
            h.update(Path(mod.__file__).read_bytes())
        except (OSError, TypeError):  # pragma: no cover - frozen or zipped installs
            h.update(str(getattr(mod, "__name__", "")).encode())
    return h.hexdigest()[:16]


#: The distributions whose versions key the token cache: underthesea (the models, the
#: sentence splitter) and underthesea_core (the CRF that segments), released apart.
_SEGMENTER_DISTS = ("underthesea", "underthesea_core")


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"


def _settings_key(settings: dict[str, Any]) -> str:
    """The cache key's settings part: tokenizer and cache format versions, the
    segmenter's distributions' versions, the compounds, the POS flag, the code."""
    uts, core = (_dist_version(d) for d in _SEGMENTER_DISTS)
    blob = json.dumps({"tokenizer": TOKENIZER_VERSION, "format": _cache.FORMAT_VERSION,
                       "underthesea": uts, "underthesea_core": core,
                       "compounds": list(settings["compounds"]),
                       "pos": settings["pos"], "code": _code_digest()},
                      ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def _work_chunk(items: list[tuple[int, str, bytes, str | None]], settings: dict[str, Any],
                root: str | None, skey: str) -> list[tuple[int, _cache.DocTokens]]:
    """Tokenize a chunk of documents (runs in a worker); write cache entries."""
    out = [(i, _doc_tokens(text, settings, given)) for i, text, _, given in items]
    if root is not None:
        try:
            _cache.store_many(Path(root), skey, [(it[2], doc) for it, (_, doc) in zip(items, out)])
        except OSError as exc:
            log.warning("token cache: cannot write under %s (%s); continuing without", root, exc)
    return out


#: Below this many characters to segment, ``n_jobs`` > 1 still runs in-process
#: (about 2.5 s of one core's work: less than starting the workers costs).
_MIN_PARALLEL_CHARS = 250_000


def _iter_docs(articles: pd.DataFrame, *, n_jobs: int, cache: bool, progress: bool,
               settings: dict[str, Any], where: str) -> Iterator[tuple[int, _cache.DocTokens]]:
    """Yield (row number, tokens) for every article, from the cache when possible.

    Cached documents come first, then newly tokenized ones in chunks; callers
    put them back in row order.
    """
    texts = [_check_text(t, where) for t in articles["text"].tolist()]
    yield from _iter_texts(texts, _givens(articles, texts), n_jobs=n_jobs, cache=cache,
                           progress=progress, settings=settings, where=where)


def _iter_texts(texts: list[str], givens: list[str | None], *, n_jobs: int, cache: bool,
                progress: bool, settings: dict[str, Any], where: str
                ) -> Iterator[tuple[int, _cache.DocTokens]]:
    """:func:`_iter_docs` on a list of texts and their given segmentations (or None)."""
    from civictext._check import max_jobs

    if (isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1
            or n_jobs > max_jobs()):
        raise ParameterError(f"{where}: n_jobs must be -1 (every core) or a whole number from 1 "
                             f"to {max_jobs()}, got {n_jobs!r}")
    skey = _settings_key(settings)
    root: Path | None = None
    if cache:
        root = cache_dir()
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(f"{where}: cannot create the token cache folder {root} ({exc}); "
                             "set CIVICTEXT_CACHE to a writable folder, or pass cache=False "
                             "(CLI: civictext tokenize --no-cache)") from exc
    bar = _progress_bar(len(texts), progress, where)
    todo: list[tuple[int, str, bytes, str | None]] = []
    try:
        for i, text in enumerate(texts):
            given = givens[i]
            if given is not None and not settings["pos"]:
                # a given segmentation needs no model: cheaper to redo than to cache
                bar.update(1)
                yield i, _doc_tokens(text, settings, given)
                continue
            # a given segmentation is its own cache entry (its tokens differ)
            tkey = _cache.text_key(text if given is None else "\x00given\x00" + given)
            doc = _cache.load(root, skey, tkey) if root is not None else None
            if doc is None:
                todo.append((i, text, tkey, given))
            else:
                bar.update(1)
                yield i, doc
        if not todo:
            return
        rootstr = str(root) if root is not None else None
        # workers pay off only past a few seconds of segmenting (each loads the model)
        if n_jobs == 1 or len(todo) < 2 or sum(len(it[1]) for it in todo) < _MIN_PARALLEL_CHARS:
            for item in todo:
                for pair in _work_chunk([item], settings, rootstr, skey):
                    bar.update(1)
                    yield pair
            return
        from joblib import Parallel, delayed, effective_n_jobs

        workers = effective_n_jobs(n_jobs)
        size = max(1, min(64, len(todo) // (4 * workers) or 1))
        chunks = [todo[k:k + size] for k in range(0, len(todo), size)]
        del todo
        run = Parallel(n_jobs=workers, backend="loky", return_as="generator")
        for result in run(delayed(_work_chunk)(c, settings, rootstr, skey) for c in chunks):
            bar.update(len(result))
            yield from result
    finally:
        bar.close()


def _givens(articles: pd.DataFrame, texts: list[str]) -> list[str | None]:
    """Per row, the given segmentation to use (``segmented`` rows), else None.

    Pre-segmented corpora (``read_corpus(..., segmented=True)``, e.g. VNDS's
    ``text_segmented``) keep their own word boundaries: the segmenter is not
    run on them again. Sentences still come from ``sent_tokenize``, and
    lexicon compounds are merged as for any text.
    """
    if "tokens_given" not in articles.columns:
        return [None] * len(texts)
    seg = (articles["segmented"].fillna(False).astype(bool).tolist()
           if "segmented" in articles.columns else [True] * len(texts))
    out: list[str | None] = []
    for flag, given in zip(seg, articles["tokens_given"].tolist()):
        out.append(given if flag and isinstance(given, str) and given else None)
    return out


def _progress_bar(total: int, progress: bool | None, where: str) -> Any:
    return _progress.bar(total, desc=where, progress=progress)


def tokenize(
    articles: pd.DataFrame,
    *,
    n_jobs: int = 1,
    cache: bool = True,
    progress: bool = False,
    pos: bool = False,
    compounds: Iterable[str] | None = None,
    stopwords: Iterable[str] | str | Path | None = None,
) -> pd.DataFrame:
    """Segment every article into words: the tokens table (docs/pipeline.md).

    Parameters
    ----------
    articles : DataFrame
        At least ``doc_id`` (unique) and ``text`` (missing text counts as ``""``).
    n_jobs : int, keyword-only
        Worker processes (joblib/loky) for documents not in the cache; ``-1``
        uses every core. Output is identical for every value.
    cache : bool, keyword-only
        Read and write the on-disk token cache under
        :func:`civictext.config.cache_dir` (``$CIVICTEXT_CACHE``).
    progress : bool, keyword-only
        Show a ``tqdm.auto`` bar (when stderr is a terminal, or in a Jupyter kernel).
    pos : bool, keyword-only
        Add a ``pos`` column (underthesea's POS tagger on our words).
    compounds : iterable of str, optional
        Multi-word terms kept as one token; default: the theme lexicons' terms
        (:func:`default_compounds`); ``[]`` for none.
    stopwords : path, iterable of str or frozenset, optional
        The stop list for ``is_stop``; default :func:`load_stopwords` ().

    Returns
    -------
    DataFrame
        One row per token in document order, columns ``doc_id`` (str), ``sent_id``
        (int, from 0 in each document), ``token`` (str), ``start``, ``end`` (int;
        ``text[start:end]`` is the surface form), ``is_stop`` (bool), ``kind``
        (categorical: ``"word"``, ``"number"`` or ``"punct"``) and, when ``pos=True``, ``pos``.
        ``attrs["tokenizer"]`` records the settings.

    Examples
    --------
    >>> import pandas as pd
    >>> arts = pd.DataFrame({"doc_id": ["d1"], "text": ["Chỉ số PAPI tăng 02 bậc."]})
    >>> tokenize(arts, compounds=[], cache=False)[["token", "start", "end", "is_stop"]]
        token  start  end  is_stop
    0  chỉ_số      0    6    False
    1    PAPI      7   11    False
    2    tăng     12   16    False
    3      02     17   19    False
    4     bậc     20   23    False
    5       .     23   24    False
    """
    where = "tokenize"
    articles = check_articles(articles, where)
    stopset = _resolve_stopwords(stopwords)
    settings = _settings(compounds, pos)
    docs: list[_cache.DocTokens | None] = [None] * len(articles)
    for i, doc in _iter_docs(articles, n_jobs=n_jobs, cache=cache, progress=progress,
                             settings=settings, where=where):
        docs[i] = doc
    frame = _assemble(articles["doc_id"].astype(str).tolist(), docs, stopset, pos)
    frame.attrs["tokenizer"] = {"version": TOKENIZER_VERSION, "pos": bool(pos),
                                "n_compounds": len(settings["compounds"])}
    return frame


def _assemble(doc_ids: list[str], docs: list[_cache.DocTokens | None],
              stopset: frozenset[str], pos: bool) -> pd.DataFrame:
    lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
    cat = [d for d in docs if d is not None and len(d)]

    def col(name: str, dtype: Any) -> np.ndarray:
        if not cat:
            return np.zeros(0, dtype=dtype)
        return np.concatenate([getattr(d, name) for d in cat]).astype(dtype, copy=False)

    tokens: list[str] = []
    for d in cat:
        tokens.extend(d.tokens)
    data: dict[str, Any] = {
        "doc_id": pd.array(np.repeat(np.array(doc_ids, dtype=object), lengths), dtype="str"),
        "sent_id": col("sent_id", np.int64),
        "token": pd.array(tokens, dtype="str"),
        "start": col("start", np.int64),
        "end": col("end", np.int64),
        "is_stop": None,
        "kind": pd.Categorical.from_codes(col("kind", np.int8), categories=_KIND_NAMES),
    }
    data["is_stop"] = np.asarray(data["token"].isin(list(stopset)), dtype=bool)
    del tokens
    if pos:
        tags: list[str] = []
        for d in cat:
            tags.extend(d.pos or [])
        data["pos"] = pd.array(tags, dtype="str")
    return pd.DataFrame(data)


def count_tokens(articles: pd.DataFrame, *, n_jobs: int | None = None, cache: bool = True,
                 compounds: Iterable[str] | None = None) -> pd.Series:
    """Number of word and number tokens (punctuation excluded) per document.

    Uses the same segmentation and cache as :func:`tokenize`; on a cached
    corpus it only reads the cache. Documents whose segmentation is given
    (pre-segmented corpora) are counted from it directly, with the counts
    :func:`tokenize` would give (sentence splitting and lexicon compounds are
    looked at only where they can change a count). ``n_jobs``: worker processes for documents
    not in the cache (``-1``: every core); default 1, or the ``--jobs`` of the
    ``civictext run`` in progress (which also shows a progress bar here).

    Returns
    -------
    Series
        int64, indexed by ``doc_id`` in the order of ``articles``, named ``n_tokens``.

    >>> import pandas as pd
    >>> count_tokens(pd.DataFrame({"doc_id": ["a"], "text": ["Hà Nội, 2019."]}),
    ...              compounds=[], cache=False).tolist()
    [2]
    """
    where = "count_tokens"
    articles = check_articles(articles, where)
    counts = np.zeros(len(articles), dtype=np.int64)
    settings = _settings(compounds, False)
    with _progress.stage("segmentation"):
        texts = [_check_text(t, where) for t in articles["text"].tolist()]
        givens = _givens(articles, texts)
        rest = []
        for i, (text, given) in enumerate(zip(texts, givens)):
            # a usable given segmentation is counted without building its tokens
            if given is not None and _usable_given(text, given) is not None:
                n = _given_count(text, given, settings["compounds"])
                if n is not None:
                    counts[i] = n
                    continue
            rest.append(i)
        for j, doc in _iter_texts([texts[i] for i in rest], [givens[i] for i in rest],
                                  n_jobs=_progress.resolve_jobs(n_jobs), cache=cache,
                                  progress=None, settings=settings, where="segmentation"):
            counts[rest[j]] = int(np.count_nonzero(doc.kind != 2))
    return pd.Series(counts, index=pd.Index(articles["doc_id"].astype(str), name="doc_id"),
                     name="n_tokens")


# ------------------------------------------------------------------ analyzer
class Analyzer:
    """Picklable ``str -> list[str]`` tokenizer for scikit-learn vectorizers.

    Parameters
    ----------
    stop_words : bool, keyword-only
        Drop stop words (default True).
    stopwords : path or iterable of str, optional
        Stop list (default :func:`load_stopwords`).
    punct, numbers : bool, keyword-only
        Keep punctuation / number tokens (default False: dropped).
    pos : iterable of str, optional
        Keep only words whose underthesea POS tag starts with one of these,
        e.g. ``("N", "V", "A")`` for nouns (N, Np, Nc, Nu, …), verbs and adjectives.
    fold : bool, keyword-only
        Emit folded (accent-less) tokens via :func:`civictext.text.normalize.fold`.
    compounds : iterable of str, optional
        As in :func:`tokenize` (default: the lexicons' terms).
    normalize : bool, keyword-only
        Run :func:`civictext.text.normalize.normalize_text` on each input first (default True).

    >>> from sklearn.feature_extraction.text import TfidfVectorizer
    >>> vec = TfidfVectorizer(analyzer=Analyzer(compounds=["cải cách hành chính"]))
    >>> X = vec.fit_transform(["Đẩy mạnh cải cách hành chính.", "Cải cách hành chính ở Hà Nội."])
    >>> sorted(vec.vocabulary_)
    ['cải_cách_hành_chính', 'hà_nội', 'đẩy_mạnh']
    """

    def __init__(self, *, stop_words: bool = True,
                 stopwords: str | Path | Iterable[str] | None = None,
                 punct: bool = False, numbers: bool = False,
                 pos: Iterable[str] | None = None, fold: bool = False,
                 compounds: Iterable[str] | None = None, normalize: bool = True) -> None:
        self.stop_words = bool(stop_words)
        self.stopwords = _resolve_stopwords(stopwords) if stop_words else frozenset()
        self.punct, self.numbers = bool(punct), bool(numbers)
        if isinstance(pos, str):
            pos = (pos,)
        self.pos = tuple(pos) if pos is not None else None
        self.fold = bool(fold)
        self.compounds = _clean_compounds(compounds)
        self.normalize = bool(normalize)

    def __getstate__(self) -> dict[str, Any]:
        # a frozenset pickles in hash order, which changes with each process's
        # string-hash seed: store it sorted, so a saved model is the same bytes
        # on every run (the model's sha256 goes into model.json)
        state = dict(self.__dict__)
        state["stopwords"] = tuple(sorted(self.stopwords))
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        state["stopwords"] = frozenset(state.get("stopwords", ()))
        self.__dict__.update(state)

    def __repr__(self) -> str:
        return (f"Analyzer(stop_words={self.stop_words}, punct={self.punct}, "
                f"numbers={self.numbers}, pos={self.pos}, fold={self.fold}, "
                f"compounds=<{len(self.compounds)} terms>)")

    def __call__(self, doc: str) -> list[str]:
        text = _check_text(doc, "Analyzer")
        if self.normalize:
            text = normalize_text(text)
        return self._filter(_doc_tokens(text, {"compounds": self.compounds,
                                               "pos": self.pos is not None}))

    def given(self, text: str, tokens_given: str) -> list[str]:
        """Like calling the analyzer on ``text``, but with its given segmentation.

        ``tokens_given`` is ``text`` with ``_`` inside words (a pre-segmented
        corpus, ``read_corpus`` columns ``text`` and ``tokens_given``); the word
        segmenter is not run (POS tags, if asked for, still are).

        >>> Analyzer(compounds=[]).given("cải cách thủ tục", "cải_cách thủ_tục")
        ['cải_cách', 'thủ_tục']
        """
        text = _check_text(text, "Analyzer.given")
        return self._filter(_doc_tokens(text, {"compounds": self.compounds,
                                               "pos": self.pos is not None}, tokens_given))

    def analyze_many(self, texts: Sequence[Any], givens: Sequence[str | None] | None = None,
                     *, cache: bool = True, n_jobs: int = 1) -> list[list[str]]:
        """The analyzer on many texts at once, through the token cache.

        Gives exactly ``[self(t) for t in texts]`` (or ``self.given(t, g)`` where
        ``givens[i]`` is a string), but documents already segmented by
        :func:`tokenize` or :func:`count_tokens` with the same compounds (and
        ``pos``) are read from the on-disk cache instead of being segmented
        again, and new ones are written to it. :func:`civictext.topics.model.fit_topics`
        uses this, so ``score_themes`` followed by ``fit_topics`` segments each
        document once. Texts with a given segmentation are read from their given
        words in one pass per document (the per-sentence path only where a
        lexicon compound may start or a sentence end inside a word), never
        segmented and never cached.

        Parameters
        ----------
        texts : sequence of str
            Missing values count as ``""``.
        givens : sequence of str or None, optional
            Per text, its given segmentation (``tokens_given`` of a
            pre-segmented row) or None.
        cache : bool, keyword-only
            Use the token cache (default True). When its folder cannot be
            created the texts are segmented without it (logged).
        n_jobs : int, keyword-only
            Worker processes for texts not in the cache, as in :func:`tokenize`.

        Returns
        -------
        list of list of str

        >>> an = Analyzer(compounds=["cải cách hành chính"])
        >>> an.analyze_many(["Đẩy mạnh cải cách hành chính.", "Hà Nội"], cache=False)
        [['đẩy_mạnh', 'cải_cách_hành_chính'], ['hà_nội']]
        """
        where = "Analyzer.analyze_many"
        gv: list[str | None] = ([None] * len(texts) if givens is None else
                                [g if isinstance(g, str) and g else None for g in givens])
        if len(gv) != len(texts):
            raise CivictextError(f"{where}: got {len(texts)} texts but {len(gv)} givens; pass "
                                 "one given segmentation (or None) per text")
        # the same text each single-document call segments: __call__ normalises,
        # given() does not
        prepared = []
        for t, g in zip(texts, gv):
            t = _check_text(t, where)
            prepared.append(normalize_text(t) if self.normalize and g is None else t)
        settings = {"compounds": self.compounds, "pos": self.pos is not None}
        out, rest = self._given_words(prepared, gv)
        for j, doc in _iter_texts_or_uncached([prepared[i] for i in rest], [gv[i] for i in rest],
                                              n_jobs=n_jobs, cache=cache, settings=settings,
                                              where=where):
            out[rest[j]] = self._filter(doc)
        return out  # type: ignore[return-value]

    def _given_words(self, texts: list[str], givens: list[str | None]
                     ) -> tuple[list[list[str] | None], list[int]]:
        """The analysed words of the texts whose given segmentation
        :func:`_given_forms` can read (no POS tags asked for), and the positions
        of the other texts (None in the list)."""
        out: list[list[str] | None] = [None] * len(texts)
        rest = []
        for i, (t, g) in enumerate(zip(texts, givens)):
            if g is not None and self.pos is None and _usable_given(t, g) is not None:
                fk = _given_forms(t, g, self.compounds)
                if fk is not None:
                    out[i] = self._filter_forms(*fk)
                    continue
            rest.append(i)
        return out, rest

    def _filter_forms(self, tokens: list[str], kinds: list[int]) -> list[str]:
        """:meth:`_filter` on token forms and kinds (an analyzer without ``pos``)."""
        keep = {0} | ({1} if self.numbers else set()) | ({2} if self.punct else set())
        stop = self.stopwords
        out = [t for t, k in zip(tokens, kinds) if k in keep and t not in stop]
        return [fold(t) for t in out] if self.fold else out

    def _filter(self, d: _cache.DocTokens) -> list[str]:
        keep_kind = {0} | ({1} if self.numbers else set()) | ({2} if self.punct else set())
        out = []
        for k, tok in enumerate(d.tokens):
            if d.kind[k] not in keep_kind or tok in self.stopwords:
                continue
            if self.pos is not None and d.kind[k] == 0 and not d.pos[k].startswith(self.pos):
                continue
            out.append(fold(tok) if self.fold else tok)
        return out


def _iter_texts_or_uncached(texts: list[str], givens: list[str | None], *, n_jobs: int,
                            cache: bool, settings: dict[str, Any], where: str
                            ) -> Iterator[tuple[int, _cache.DocTokens]]:
    """:func:`_iter_texts`, without the cache when its folder cannot be created (logged),
    as :meth:`Analyzer.analyze_many` does."""
    try:
        yield from _iter_texts(texts, givens, n_jobs=n_jobs, cache=cache, progress=False,
                               settings=settings, where=where)
    except CacheError as exc:
        log.warning("%s; segmenting without the token cache", exc)
        yield from _iter_texts(texts, givens, n_jobs=n_jobs, cache=False, progress=False,
                               settings=settings, where=where)


#: Headline sentences are looked for among this many first sentences of the text.
_HEAD_SCAN = 12


def _sentence_ranges(doc: _cache.DocTokens, text: str, wanted: set[str]
                     ) -> dict[str, tuple[int, int]] | None:
    """Token ranges ``(lo, hi)`` in ``doc`` (the tokens of ``text``) of the sentences
    of ``text`` equal to each string of ``wanted``; None unless all are among its
    first :data:`_HEAD_SCAN` sentences."""
    found: dict[str, tuple[int, int]] = {}
    sid = doc.sent_id
    for k, (_, sent) in enumerate(_sentences(text)):
        if k >= _HEAD_SCAN:
            return None
        if sent in wanted and sent not in found:
            found[sent] = (int(np.searchsorted(sid, k, "left")),
                           int(np.searchsorted(sid, k, "right")))
            if len(found) == len(wanted):
                return found
    return None


def _analyze_with_heads(an: Analyzer, texts: Sequence[Any], givens: Sequence[str | None],
                        heads: Sequence[str], head_givens: Sequence[str | None] | None = None,
                        *, n_jobs: int = 1, cache: bool = True
                        ) -> tuple[list[list[str]], list[list[str]]]:
    """``an.analyze_many(texts, givens)`` and ``an.analyze_many(heads, head_givens)``,
    the same lists, with the work the first already did reused for the second.

    ``heads[i]`` is the headline and lead of ``texts[i]`` (the theme model's
    ``h:`` features) and ``head_givens[i]`` their given segmentation or None. A
    segmentation is a function of each sentence alone, so a headline sentence
    that is also a sentence of the (segmented) text gets that sentence's tokens
    instead of being segmented again; the other headlines without a given
    segmentation are segmented as ``analyze_many`` would, through the token
    cache, except those of documents whose segmentation is given (no token cache
    is written for such input). Documents and headlines with a given
    segmentation are analysed from it by :func:`_given_forms` without building
    their token arrays (``an`` without ``pos``), never segmented.
    """
    where = "Analyzer.analyze_many"
    settings = {"compounds": an.compounds, "pos": an.pos is not None}
    gv = [g if isinstance(g, str) and g else None for g in givens]
    hg = ([None] * len(heads) if head_givens is None else
          [g if isinstance(g, str) and g else None for g in head_givens])
    prepared = []
    for t, g in zip(texts, gv):
        t = _check_text(t, where)
        prepared.append(normalize_text(t) if an.normalize and g is None else t)
    hprep = []
    for h, g in zip(heads, hg):
        h = _check_text(h, where)
        hprep.append(normalize_text(h) if an.normalize and g is None else h)
    body, rest = an._given_words(prepared, gv)
    head, hrest = an._given_words(hprep, hg)
    hrest_set = set(hrest)
    for j, doc in _iter_texts_or_uncached([prepared[i] for i in rest], [gv[i] for i in rest],
                                          n_jobs=n_jobs, cache=cache, settings=settings,
                                          where=where):
        i = rest[j]
        body[i] = an._filter(doc)
        if gv[i] is not None or i not in hrest_set or hg[i] is not None:
            continue  # its tokens come from the given words, the headline's would not
        sents = [s for _, s in _sentences(hprep[i])]
        ranges = _sentence_ranges(doc, prepared[i], set(sents)) if sents else {}
        if ranges is not None:
            toks: list[str] = []
            for s in sents:
                lo, hi = ranges[s]
                toks.extend(an._filter(_cache.DocTokens(
                    sent_id=doc.sent_id[lo:hi], start=doc.start[lo:hi], end=doc.end[lo:hi],
                    kind=doc.kind[lo:hi], tokens=doc.tokens[lo:hi],
                    pos=doc.pos[lo:hi] if doc.pos is not None else None)))
            head[i] = toks
    # the headlines left: given ones (their own words, never cached), then the
    # others, cached unless their document's segmentation is given
    for kind in ("given", "cached", "uncached"):
        todo = [i for i in hrest if head[i] is None
                and kind == ("given" if hg[i] is not None else
                             "uncached" if gv[i] is not None else "cached")]
        for j, doc in _iter_texts_or_uncached([hprep[i] for i in todo], [hg[i] for i in todo],
                                              n_jobs=n_jobs, cache=cache and kind == "cached",
                                              settings=settings, where=where):
            head[todo[j]] = an._filter(doc)
    return body, head  # type: ignore[return-value]
