"""Stage 2 of the pipeline: text normalisation (``str -> str`` steps).

Every text that enters civictext passes through :func:`normalize_text`, which
composes small, idempotent steps:

1. :func:`clean_invisibles` – drop zero-width characters, soft hyphens and BOMs,
   turn no-break and other exotic spaces into plain spaces (first, so that a
   zero-width character between a letter and its accent cannot block step 2);
2. :func:`to_nfc` – Unicode NFC, so decomposed input (``"a\\u0300"``) equals
   composed input (``"à"``);
3. :func:`normalize_tone_marks` – one tone-mark placement (see below);
4. :func:`normalize_quotes` – typographic quotes to ASCII ``"`` and ``'``;
5. :func:`clean_whitespace` – collapse runs of spaces, trim lines, at most one
   blank line between paragraphs.

**Tone-mark placement.** Vietnamese has two spellings for syllables ending in
the vowel pairs *oa*, *oe* and *uy* with no final consonant: the mark on the
first vowel ("hòa", "khỏe", "thủy") or on the second ("hoà", "khoẻ", "thuỷ").
civictext writes the first form everywhere: it is what underthesea's
``text_normalize`` produces, what the bundled corpus uses ("văn hóa", "Ủy ban"),
and what most administrative documents use. Syllables with a final consonant
("hoàng", "khuyến") and syllables after *qu* ("quý", "quà") are the same in
both conventions and are left alone.

**Folded search key.** :func:`fold` removes every diacritic and maps đ→d, for
matching text typed without accents ("cai cach hanh chinh"). It is a *search
key* only: folding merges different Vietnamese words ("hành" and "hạnh"), so it
is never applied to the text that is analysed. ``fold`` keeps the length of NFC
input, so offsets found in the folded key point at the same characters in the
original.

Examples
--------
>>> normalize_text("Văn hoá  công sở\\u00a0và  “nơi công cộng”")
'Văn hóa công sở và "nơi công cộng"'
>>> fold("Cải cách hành chính Đà Nẵng")
'Cai cach hanh chinh Da Nang'
"""
from __future__ import annotations

import re
import unicodedata
from typing import Callable

__all__ = [
    "to_nfc",
    "clean_invisibles",
    "normalize_tone_marks",
    "normalize_quotes",
    "clean_whitespace",
    "normalize_text",
    "make_normalizer",
    "fold",
    "is_folded",
    "NORMALIZER_VERSION",
]

#: Bumped whenever a step changes its output, so caches keyed on it are rebuilt.
NORMALIZER_VERSION = "2"


def to_nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC (composed) form."""
    return unicodedata.normalize("NFC", text)


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = dict.fromkeys(map(ord, "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                                 "\u2007\u2008\u2009\u200a\u202f\u205f\u3000\t\f\v"), " ")
_LINEBREAKS = re.compile(r"\r\n?|\u2028|\u2029|\x85")
_INVISIBLE_THEN_SPACES = tuple((chr(k), "") for k in _INVISIBLE) + tuple(
    (chr(k), v) for k, v in _SPACES.items())


def clean_invisibles(text: str) -> str:
    """Drop zero-width characters, soft hyphens and BOMs; exotic spaces become spaces.

    Also turns Windows and old-Mac line ends (and Unicode line separators) into ``\\n``.
    """
    text = _LINEBREAKS.sub("\n", text)
    # = text.translate(_INVISIBLE).translate(_SPACES), one str.replace per character
    # present (translate with a dict is slow on non-ASCII text)
    for ch, to in _INVISIBLE_THEN_SPACES:
        if ch in text:
            text = text.replace(ch, to)
    return text


# Second-vowel placement -> first-vowel placement, for open syllables only.
_TONES = "\u0300\u0301\u0309\u0303\u0323"  # huyền, sắc, hỏi, ngã, nặng


def _build_tone_map() -> dict[str, str]:
    pairs = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for mark in _TONES:
            old = first + unicodedata.normalize("NFC", second + mark)
            new = unicodedata.normalize("NFC", first + mark) + second
            for f in (str.lower, str.upper, str.capitalize):
                pairs[f(old)] = f(new)
            # Mixed case such as "oÀ" is not Vietnamese writing; left alone.
    return pairs


_TONE_MAP = _build_tone_map()
_LETTER = r"[^\W\d_]"
_TONE_RE = re.compile(
    r"(?<!" + _LETTER + r")"            # start of a syllable ...
    r"(" + _LETTER + r"*?)"             # ... its initial consonants
    r"(" + "|".join(map(re.escape, sorted(_TONE_MAP, key=len, reverse=True))) + r")"
    r"(?!" + _LETTER + r"|[\u0300-\u036f])"  # and the pair ends the syllable (a stray
)                                             # accent after it would re-attach: leave it)


def _fix_tone(m: re.Match[str]) -> str:
    onset, pair = m.group(1), m.group(2)
    if pair[0] in "uU" and onset[-1:] in ("q", "Q"):  # "quý": u belongs to qu
        return m.group(0)
    if onset and onset[-1].lower() in "aeiouy" + "ăâêôơư":  # e.g. "ngoài" is not open oa
        return m.group(0)
    return onset + _TONE_MAP[pair]


def normalize_tone_marks(text: str) -> str:
    """Move the tone mark of open *oa/oe/uy* syllables to the first vowel.

    ``"hoá" -> "hóa"``, ``"khoẻ" -> "khỏe"``, ``"thuỷ" -> "thủy"``, ``"Uỷ" -> "Ủy"``;
    ``"quý"``, ``"hoàng"`` and ``"ngoài"`` are unchanged. Expects NFC input.

    >>> normalize_tone_marks("Hoà bình, thuỷ lợi, quý, hoàng")
    'Hòa bình, thủy lợi, quý, hoàng'
    """
    return _TONE_RE.sub(_fix_tone, text)


_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"',
                         "\u00bb": '"', "\u2033": '"', "\u2018": "'", "\u2019": "'",
                         "\u201a": "'", "\u2032": "'"})


_QUOTE_PAIRS = tuple((chr(k), v) for k, v in _QUOTES.items())


def normalize_quotes(text: str) -> str:
    """Replace typographic quotes with ASCII ``"`` and ``'`` (one character each)."""
    # = text.translate(_QUOTES): one str.replace per quote present (several times
    # faster than translate over non-ASCII text; the targets are never sources)
    for q, ascii_q in _QUOTE_PAIRS:
        if q in text:
            text = text.replace(q, ascii_q)
    return text


_MULTISPACE = re.compile(r" {2,}")
_BLANKLINES = re.compile(r"\n{3,}")


def clean_whitespace(text: str) -> str:
    """Collapse runs of spaces, strip each line, keep at most one blank line."""
    text = _MULTISPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANKLINES.sub("\n\n", text).strip()


def make_normalizer(*steps: Callable[[str], str]) -> Callable[[str], str]:
    """Compose ``str -> str`` steps, applied left to right, into one callable."""

    def normalizer(text: str) -> str:
        for step in steps:
            text = step(text)
        return text

    normalizer.steps = steps  # type: ignore[attr-defined]
    return normalizer


_DEFAULT = make_normalizer(
    clean_invisibles, to_nfc, normalize_tone_marks, normalize_quotes, clean_whitespace
)

# Each default step is skipped when a search finds nothing it would act on, so
# already-clean text (most of a real corpus) costs a few regex scans. The result
# is identical to running every step (tests/test_normalize.py checks it).
_INVIS_OR_SPACE = re.compile(
    "[" + re.escape("".join(map(chr, {**_INVISIBLE, **_SPACES}))) + "]|" + _LINEBREAKS.pattern)
_QUOTE_CHARS = re.compile("[" + re.escape("".join(map(chr, _QUOTES))) + "]")
_TONE_CANDIDATE = re.compile("[oOuU][àáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴ](?![^\\W\\d_])")
_WS_ISSUE = re.compile(r"  |(?:^|\n)\s|\s(?:\n|$)|\n\n\n")


def _tone_marks_at_candidates(text: str) -> str:
    """:func:`normalize_tone_marks`, applied only to the words that end in a
    candidate pair: a match of ``_TONE_RE`` is one whole word, so the result is
    the same as substituting over the whole text, without scanning every word."""
    out, pos = [], 0
    for m in _TONE_CANDIDATE.finditer(text):
        a = m.start()
        while a > pos and _is_letter(text[a - 1]):
            a -= 1
        b = min(m.end() + 1, len(text))       # one more character for the look-ahead
        out.append(text[pos:a])
        out.append(_TONE_RE.sub(_fix_tone, text[a:b]))
        pos = b
    out.append(text[pos:])
    return "".join(out)


_is_letter = re.compile(_LETTER).match


def _normalize_default(text: str) -> str:
    if _INVIS_OR_SPACE.search(text):
        text = clean_invisibles(text)
    if not unicodedata.is_normalized("NFC", text):
        text = to_nfc(text)
    if _TONE_CANDIDATE.search(text):
        text = _tone_marks_at_candidates(text)
    if _QUOTE_CHARS.search(text):
        text = normalize_quotes(text)
    if _WS_ISSUE.search(text):
        text = clean_whitespace(text)
    return text


def normalize_text(text: str, *, quotes: bool = True, tone_marks: bool = True) -> str:
    """Apply civictext's default normalisation (idempotent).

    Parameters
    ----------
    text : str
        Any text.
    quotes : bool, keyword-only
        Replace typographic quotes (default True).
    tone_marks : bool, keyword-only
        Unify tone-mark placement (default True).

    >>> normalize_text("Hoa\\u0300  bi\\u0300nh") == normalize_text("Hoà bình")
    True
    """
    if not isinstance(text, str):
        from civictext.errors import ParameterTypeError

        raise ParameterTypeError(f"normalize_text: expected str, got "
                                 f"{type(text).__name__}; pass one document's text")
    if quotes and tone_marks:
        return _normalize_default(text)
    steps = [clean_invisibles, to_nfc]
    if tone_marks:
        steps.append(normalize_tone_marks)
    if quotes:
        steps.append(normalize_quotes)
    steps.append(clean_whitespace)
    return make_normalizer(*steps)(text)


_FOLD = str.maketrans({"đ": "d", "Đ": "D"})


def fold(text: str) -> str:
    """Folded search key: no diacritics, đ→d. Same length as NFC input.

    Use only to *find* text typed without accents; never analyse folded text.
    """
    text = to_nfc(text).translate(_FOLD)
    out = []
    for ch in text:
        if ord(ch) < 128:
            out.append(ch)
            continue
        if unicodedata.combining(ch):  # a stray accent NFC could not attach to a letter:
            out.append("\u034f")         # a joiner, so folding twice cannot re-attach it
            continue
        base = unicodedata.normalize("NFD", ch)[0]
        out.append(base if ord(base) < 128 else ch)
    return "".join(out)


def is_folded(text: str) -> bool:
    """True when ``text`` has no Vietnamese diacritics (it equals its folded key)."""
    return fold(text) == to_nfc(text)
