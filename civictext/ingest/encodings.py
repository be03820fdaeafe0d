"""Encoding detection for corpus files (private helper of :mod:`civictext.ingest.reader`).

Order of the checks, on the raw bytes:

1. a byte-order mark: UTF-8 (``utf-8-sig``), UTF-16 LE/BE, UTF-32 LE/BE;
2. NUL bytes without a BOM: UTF-16 when every other byte is NUL, else binary;
3. valid UTF-8 (composed or decomposed, both become NFC later);
4. windows-1258 (``cp1258``), accepted only when the decoded text reads as
   Vietnamese (cp1258 writes tone marks as combining characters, which NFC
   composes later);
5. otherwise the file is reported: binary, a legacy Vietnamese font encoding
   (TCVN3/ABC or VNI, recognised by their characteristic byte patterns), or
   an unknown 8-bit encoding.

Legacy font encodings are also looked for in text that decoded fine: text
typed with a TCVN3 or VNI font and saved as "Unicode" is valid UTF-8 that reads
as ``"Hµ Néi"`` or ``"Haø Noäi"`` instead of ``"Hà Nội"``.
"""
from __future__ import annotations

import codecs
import re
import unicodedata

__all__ = ["detect_encoding", "decode_bytes", "legacy_font_encoding", "EncodingProblem"]


class EncodingProblem(Exception):
    """The bytes cannot be decoded as text; ``reason`` says why and what to do."""

    def __init__(self, reason: str, kind: str = "undecodable"):
        super().__init__(reason)
        self.reason = reason
        self.kind = kind  # "binary", "legacy", "undecodable"


_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def _vietnamese_letters() -> frozenset[str]:
    out = set("đĐ")
    for base in "aăâeêioôơuưy":
        for mark in ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"):
            ch = unicodedata.normalize("NFC", base + mark)
            out.add(ch)
            out.add(ch.upper())
    return frozenset(c for c in out if ord(c) > 127)


VIETNAMESE_LETTERS = _vietnamese_letters()
_VIET_ONLY = frozenset(c for c in VIETNAMESE_LETTERS if ord(c) > 255)
_VIET_ONLY_RE = re.compile("[" + "".join(sorted(_VIET_ONLY)) + "]")
_OK_SYMBOLS = frozenset("“”‘’–—…«»°•·€£©®™×÷±§¶\u00a0\u200b\ufeff")

# TCVN3 (ABC) letters as they appear when their bytes are read as Latin-1/cp1252:
# "Hµ Néi" (Hà Nội), "ViÖt" (Việt), "®­îc" (được), "c¸c" (các), "n¨m" (năm).
_TCVN3_CHARS = "¸µ¶·¹¨»¾¼½Æ©ÇÊÈÉË®§ÐÌÎÏÑªÒÕÓÔÖÝ×ØÜÞãßáâä«åèæçé¬êíëìîóïñòô\xadõøö÷ùýúûüþ"
_TCVN3_ODD = "".join(c for c in _TCVN3_CHARS if c not in VIETNAMESE_LETTERS)
_TCVN3_RE = re.compile("[" + re.escape(_TCVN3_ODD) + "]")
# VNI: an ASCII vowel followed by a mark byte: "Haø Noäi" (Hà Nội), "Vieät" (Việt), "ñöôøng" (đường).
_VNI_RE = re.compile(r"[aeiouyAEIOUY][øûïäåëö]|ñ[aeiouyöô]")


def legacy_font_encoding(text: str) -> str | None:
    """``"TCVN3"`` or ``"VNI"`` when ``text`` looks typed in a legacy Vietnamese font.

    Decides on the share of words showing the encoding's characteristic
    letter+mark patterns; genuine Unicode Vietnamese has (almost) none of them.
    """
    sample = text[:200_000]
    words = sample.split()
    if len(words) < 3:
        return None
    tcvn = len(_TCVN3_RE.findall(sample))
    vni = len(_VNI_RE.findall(sample))
    n = len(words)
    if max(tcvn, vni) < max(8, 0.15 * n):
        return None
    viet = len(_VIET_ONLY_RE.findall(sample))
    # Real Vietnamese has many letters found only in Vietnamese (ạ, ệ, ư, đ ...);
    # VNI shows its marks right after ASCII vowels ("aø", "oâ"), TCVN3 anywhere.
    if max(tcvn, vni) < max(8, 0.15 * n) or max(tcvn, vni) <= 2 * viet:
        return None
    return "VNI" if vni >= 0.2 * tcvn else "TCVN3"


def _odd_share(text: str) -> float:
    """Share of non-ASCII characters that are neither Vietnamese letters nor common symbols."""
    non_ascii = odd = 0
    for ch in text:
        if ord(ch) < 128:
            continue
        non_ascii += 1
        if ch not in VIETNAMESE_LETTERS and ch not in _OK_SYMBOLS:
            odd += 1
    return odd / non_ascii if non_ascii else 0.0


def _looks_binary(data: bytes) -> bool:
    sample = data[:65536]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    ctrl = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return ctrl / len(sample) > 0.05


def _utf16_no_bom(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 8:
        return None
    even = sample[0::2].count(0) / len(sample[0::2])
    odd = sample[1::2].count(0) / len(sample[1::2])
    if odd > 0.3 and even < 0.05:
        return "utf-16-le"
    if even > 0.3 and odd < 0.05:
        return "utf-16-be"
    return None


def detect_encoding(data: bytes) -> str:
    """Name of the codec to decode ``data`` with (see the module docstring).

    Raises :class:`EncodingProblem` for binary data, legacy font encodings and
    bytes no supported encoding explains.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    if b"\x00" in data[:65536]:
        enc = _utf16_no_bom(data)
        if enc:
            return enc
        raise EncodingProblem("binary file (NUL bytes), not text", "binary")
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc
    if _looks_binary(data):
        raise EncodingProblem("binary file (control bytes), not text", "binary")
    damage = utf8_damage(data)
    if damage:  # UTF-8 with a few bad bytes: not a legacy font encoding
        raise EncodingProblem(_damage_message(data, first_bad.start, damage), "damaged-utf8")
    latin = data.decode("latin-1")
    legacy = legacy_font_encoding(latin)
    if legacy:
        raise EncodingProblem(_legacy_message(legacy), "legacy")
    try:
        text = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        text = None
    if text is not None and _odd_share(text) < 0.1:
        return "cp1258"
    raise EncodingProblem(
        f"not UTF-8 (byte 0x{data[first_bad.start]:02X} at offset {first_bad.start}) "
        "and not windows-1258 either; re-save it as UTF-8 or pass encoding='...'"
    )


_ESCAPED = re.compile("[\udc80-\udcff]")


def utf8_damage(data: bytes) -> int:
    """Number of invalid bytes when ``data`` is UTF-8 with a few bad bytes, else 0.

    "A few": valid multi-byte UTF-8 characters outnumber the bad bytes twenty to
    one. windows-1258 and legacy font encodings have the opposite ratio (their
    non-ASCII bytes stand alone and are nearly all invalid UTF-8).
    """
    text = data.decode("utf-8", "surrogateescape")
    n_bad = len(_ESCAPED.findall(text))
    if not n_bad:
        return 0
    multibyte = sum(1 for ch in text if ord(ch) > 127) - n_bad
    return n_bad if multibyte >= 20 * n_bad else 0


def _damage_message(data: bytes, offset: int, n_bad: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    return (f"UTF-8 except for {n_bad} invalid byte(s), the first 0x{data[offset]:02X} at "
            f"offset {offset} (line {line}); the rest is UTF-8: fix or delete the bad "
            "byte(s) (an editor shows them as \ufffd) and read the file again")


def _legacy_message(name: str) -> str:
    font = "TCVN3/ABC (.VnTime fonts)" if name == "TCVN3" else "VNI (VNI-Times fonts)"
    return (f"text is in the legacy Vietnamese font encoding {font}, which civictext "
            "cannot read; convert it to Unicode first (e.g. UniKey's converter, "
            f"'{name} -> Unicode') and read the converted file")


def decode_bytes(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode ``data``; return ``(text, encoding_used)``.

    ``encoding`` forces a codec (errors are reported, not replaced). Text that
    decodes but is in a legacy font encoding raises :class:`EncodingProblem`.
    """
    if encoding is None:
        encoding = detect_encoding(data)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise EncodingProblem(
            f"cannot be decoded as {encoding} (byte 0x{data[exc.start]:02X} at offset "
            f"{exc.start}); pass the right encoding= or re-save the file as UTF-8") from None
    except LookupError:
        raise EncodingProblem(f"unknown encoding {encoding!r}; use a Python codec name "
                              "such as 'utf-8', 'utf-16' or 'cp1258'") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    legacy = legacy_font_encoding(text)
    if legacy:
        raise EncodingProblem(_legacy_message(legacy), "legacy")
    return text, encoding
