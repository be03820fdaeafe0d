"""Stage 1 of the pipeline: read a corpus (files or folders) into the articles table.

Supported inputs (a file, or a folder read recursively, files in sorted order):

=====================  ===========  ====================================================
file                   ``format``   what is read
=====================  ===========  ====================================================
``*.txt`` scraped page ``txt-page`` main article + one teaser record per related-article
                                    teaser (see :mod:`civictext.ingest.pages` for the rules)
``*.txt`` header-line  ``txt-header`` ``# doc_id = …``, ``# url = …``, ``# date = YYYYMMDD``
                                    lines, then the text (one sentence a line); the first
                                    line is the title when it looks like one
``*.html``/``*.htm``   ``html``     title, sapo, paragraphs, captions, meta dates
``*.jsonl``            ``jsonl``    one JSON object a line, streamed
``*.json``             ``json``     a JSON array of objects (or ``{"data": [...]}``,
                                    or one object)
``*.csv``/``*.tsv``    ``csv``      one row per document, streamed
``*.parquet``          ``parquet``  one row per document, read a batch of rows at a
                                    time (needs ``pyarrow``); the format the Hugging
                                    Face Hub serves datasets in
=====================  ===========  ====================================================

Any of them but Parquet (compressed inside already) may be gzipped
(``.jsonl.gz``, ``.csv.gz``, ...). Records are
matched to columns by field name; see ``fields`` in :func:`read_corpus`.
Word-segmented text (``"cải_cách hành_chính"``, e.g. a ``text_segmented``
field) is kept as given in ``tokens_given`` and ``segmented`` is True; ``text``
is then ``tokens_given`` with ``_`` turned into spaces, so the given tokens map
onto ``text`` one to one.

**Dates**, in this order: the folder's ``manifest.csv`` (columns ``file``
(relative path), ``source``, ``url``, ``published``, ``date_evidence``,
optionally ``category``); the input's own metadata (a ``published``/``date``
field, a ``# date =`` header, HTML ``article:published_time`` / JSON-LD
``datePublished``); only then a date line printed near the top of a scraped
page, through :func:`civictext.ingest.dates.find_publication_date`. Dates keep their
precision (``"2019"`` stays a year). Times follow the time-zone policy of
:mod:`civictext.ingest.dates`, the crawler's too: a timestamp with an offset is
converted to Vietnam time (UTC+7) and stored as wall time
(``"2025-08-07T22:00:00Z"`` -> ``"2025-08-08T05:00"``), one without an offset is
Vietnam time as printed; years outside 1900-2100 are refused.

**Robustness.** Lenient by default: an unreadable file, record or line is
skipped, the run continues, and ``df.attrs["skipped"]`` lists
``{path, line, reason}`` for each. ``strict=True`` raises
:class:`~civictext.errors.CorpusError` at the first. Encodings are detected
per file (UTF-8 with or without BOM, UTF-16 with BOM, windows-1258) and
recorded in ``df.attrs["encodings"]``; legacy TCVN3/VNI font encodings are
reported. Input files are only ever opened for reading.
"""
from __future__ import annotations

import codecs
import csv
import dataclasses
import gzip
import hashlib
import io
import json
import logging
import os
import re
import stat
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import pandas as pd

from civictext._io import write_csv
from civictext.errors import CivictextError, CorpusError
from civictext.ingest import encodings as _encodings
from civictext.ingest import pages as _pages
from civictext.ingest.dates import parse_meta_date, url_timestamp
from civictext.text.normalize import normalize_text

__all__ = ["read_corpus", "read_corpus_result", "ReadResult", "ReadOptions", "ReadPlan",
           "plan_corpus", "read_files", "assemble_read", "read_page", "write_read_report", "check_articles",
           "list_corpus_files", "COLUMNS", "FORMATS"]

log = logging.getLogger(__name__)

#: Columns of the articles table, in order (docs/pipeline.md, table 1).
COLUMNS = ["doc_id", "kind", "parent_id", "source", "source_tag", "url", "title", "kicker",
           "lead", "headings", "captions", "byline", "text", "published", "date_precision",
           "date_evidence", "category", "path", "format", "segmented", "tokens_given"]

#: File suffix -> reader format.
FORMATS = {".txt": "txt", ".html": "html", ".htm": "html", ".jsonl": "jsonl",
           ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "csv",
           ".parquet": "parquet"}

#: Field names looked for, in order, when ``fields`` does not name one.
AUTO_FIELDS: dict[str, tuple[str, ...]] = {
    "text": ("text", "content", "body", "text_segmented", "article", "summary",
             "description", "sapo", "abstract"),
    "title": ("title", "headline"),
    "lead": ("lead", "sapo", "summary", "description", "abstract"),
    "published": ("published", "date", "time", "published_at", "publish_date",
                  "datetime", "pubdate", "created_at"),
    "id": ("id", "doc_id", "article_id", "guid"),
    "url": ("url", "link", "href"),
    "source": ("source", "outlet", "site", "publisher"),
    "category": ("category", "section", "topic", "label"),
    "byline": ("byline", "author"),
}
_LEADISH = {"summary", "description", "sapo", "abstract", "lead"}
_IGNORED_NAMES = {"manifest.csv", "read_report.csv", "skipped_items.csv", "renamed_ids.csv"}
_MAX_PAGE_BYTES = 50 * 1024 * 1024       # a scraped page or HTML file larger than this is not a page
_MAX_LINE_BYTES = 64 * 1024 * 1024       # a JSONL/CSV line larger than this is skipped
_MAX_JSON_BYTES = 256 * 1024 * 1024      # a .json document is parsed whole: larger ones are refused
#: Default cap on the bytes read from one corpus file, after decompression
#: (``read_corpus(max_file_mb=)``, CLI ``--max-file-mb``): a gzip bomb or a link
#: to /dev/zero stops here, with what was read before kept and the rest reported.
DEFAULT_MAX_FILE_MB = 4096


class _Skip(Exception):
    """One item cannot be read; ``reason`` says why."""

    def __init__(self, reason: str, line: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.line = line


# ----------------------------------------------------------------------- dates
# Every date is read by civictext.ingest.dates (one time-zone policy, one year range,
# shared with the crawler); parse_meta_date and url_timestamp are re-exported here.
_URL_LATE_MIN = timedelta(hours=1)   # published later than this: a fetch time
_URL_LATE_MAX = timedelta(days=31)   # later than this: do not trust the stamp


def _url_date_fix(row: dict) -> None:
    """Use the link's timestamp when ``published`` is missing or is a late fetch time."""
    stamp = url_timestamp(row["url"])
    if stamp is None:
        return
    if row["published"] and row["date_precision"] == "day" and len(row["published"]) == 16:
        try:
            late = (datetime.fromisoformat(row["published"])
                    - datetime.fromisoformat(stamp))
        except ValueError:
            return
        if not _URL_LATE_MIN <= late <= _URL_LATE_MAX:
            return
    elif row["published"]:
        return
    was = row["published"]
    row["published"], row["date_precision"] = stamp, "day"
    row["date_evidence"] = "url timestamp" + (f" (feed published {was} is a fetch time)"
                                              if was else "")


def _text_date(lines: list[str]) -> tuple[str, str, str] | None:
    """A date from a page's date line(s), via :func:`civictext.ingest.dates.find_publication_date`."""
    if not lines:
        return None
    from civictext.ingest import dates

    try:
        info = dates.find_publication_date("\n".join(lines))
    except NotImplementedError:
        return None
    except Exception as exc:  # another module's bug must not stop a corpus read
        log.warning("find_publication_date failed on %r: %s", lines, exc)
        return None
    if info is None or info.precision not in ("day", "month", "year"):
        return None
    return info.value, info.precision, info.evidence


# ------------------------------------------------------------------ run state


@dataclass
class _Run:
    root: Path
    strict: bool
    encoding: str | None
    fields: dict[str, str]
    segmented: bool | None
    limit: int | None
    max_bytes: int = DEFAULT_MAX_FILE_MB * 1024 * 1024
    rows: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)
    encodings: dict[str, str] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)
    manifest: dict[str, dict] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)

    def skip(self, rel: str, line: int | None, reason: str) -> None:
        if self.strict:
            where = f"{rel}, line {line}" if line is not None else rel
            raise CorpusError(f"read_corpus: {where}: {reason} (strict mode stops at the "
                              "first unreadable item; without strict=True it is skipped "
                              "and reported)")
        log.warning("skipped %s%s: %s", rel, f" line {line}" if line else "", reason)
        self.skipped.append({"path": rel, "line": line, "reason": reason})

    def unique_id(self, doc_id: str) -> str:
        # ids are made unique once every id is known (_rename_duplicates), so a
        # renamed id never takes an id that a later document already has
        self.ids.add(doc_id)
        return doc_id

    @property
    def full(self) -> bool:
        return self.limit is not None and len(self.rows) >= self.limit


def _hash_id(kind: str, title: str, text: str) -> str:
    h = hashlib.sha256("\x1f".join((kind, title, text)).encode("utf-8")).hexdigest()
    return "h" + h[:15]


def _blank_row() -> dict:
    return {"doc_id": "", "kind": "article", "parent_id": None, "source": "", "source_tag": "",
            "url": "", "title": "", "kicker": "", "lead": "", "headings": "", "captions": "",
            "byline": "", "text": "", "published": "", "date_precision": "unknown",
            "date_evidence": "", "category": "", "path": "", "format": "",
            "segmented": False, "tokens_given": ""}


# ---------------------------------------------------------------- file access


class _CappedRaw(io.RawIOBase):
    """A read-only stream that stops with a :class:`_Skip` after ``cap`` bytes."""

    def __init__(self, fh: Any, cap: int, gz: bool):
        self._fh, self.cap, self.gz, self.total = fh, cap, gz, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self._fh.readinto(b)
        self.total += n or 0
        if self.total > self.cap:
            raise _Skip(f"more than {self.cap / 2**20:g} MB{' after decompression' if self.gz else ''}"
                        "; the rest of the file was not read (records before it are kept); "
                        "if the file is genuine, raise max_file_mb= (CLI --max-file-mb) or split it")
        return n

    def close(self) -> None:
        try:
            self._fh.close()
        finally:
            super().close()


def _open_binary(path: Path, cap: int | None = None) -> Any:
    """Open read-only; transparently gunzip ``*.gz``; stop after ``cap`` bytes read."""
    fh: Any = open(path, "rb")  # noqa: SIM115 - read-only by design
    gz = path.suffix.lower() == ".gz"
    if gz:
        fh = gzip.GzipFile(fileobj=fh, mode="rb")
    if cap is None:
        return fh
    return io.BufferedReader(_CappedRaw(fh, cap, gz), buffer_size=1 << 16)


def _read_bytes(path: Path, limit: int | None = None) -> bytes:
    limit = _MAX_PAGE_BYTES if limit is None else limit
    with _open_binary(path) as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise _Skip(f"larger than {limit / (1024 * 1024):g} MB, too large for one "
                    f"{'JSON document' if limit > _MAX_PAGE_BYTES else 'page'}; split it into "
                    "one file per article, or convert it to JSON Lines")
    return data


def _decode(run: _Run, rel: str, data: bytes, declared: str | None = None) -> str:
    """The crawler's decoding policy too (:func:`civictext.ingest.pages.decode_html`);
    bytes nothing explains skip the file, with the reason."""
    try:
        text, used = _pages.decode_html(data, declared, forced=run.encoding)
    except _encodings.EncodingProblem as exc:
        raise _Skip(exc.reason) from None
    run.encodings[rel] = used
    return text


def _format_of(path: Path) -> str | None:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    return FORMATS.get(suffixes[-1]) if suffixes else None


# ------------------------------------------------------------------- records


def _pick(rec: Mapping[str, Any], name: str, fields: dict[str, str]) -> tuple[str, Any]:
    if name in fields:
        key = fields[name]
        return key, rec.get(key)
    for key in AUTO_FIELDS[name]:
        v = rec.get(key)
        if v is not None and v != "" and not (isinstance(v, float) and v != v):
            return key, v
    return "", None


def _as_text(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    if isinstance(v, (list, tuple)):
        return "\n\n".join(_as_text(x) for x in v if _as_text(x))
    if isinstance(v, dict):
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


_normalize = normalize_text


@lru_cache(maxsize=4096)
def _norm_meta(value: str) -> str:
    """Normalise a short metadata value (cached: outlets and categories repeat)."""
    if value.isascii():
        return " ".join(value.split())
    return _normalize(value)


def _strip_seg(text: str) -> str:
    return text.replace("_", " ")


def _record_row(run: _Run, rec: Mapping[str, Any], fmt: str, rel: str) -> dict:
    """One JSON/CSV record -> one row (raises _Skip)."""
    if not isinstance(rec, Mapping):
        raise _Skip(f"expected a JSON object, got {type(rec).__name__}")
    tkey, tval = _pick(rec, "text", run.fields)
    if "text" in run.fields and tkey not in rec:
        raise _Skip(f"no field {tkey!r} (fields={{'text': {tkey!r}}} was given); "
                    f"the record has: {', '.join(map(str, rec)) or 'nothing'}")
    body = _as_text(tval)
    row = _blank_row()
    row["format"] = fmt
    row["path"] = rel
    _, title = _pick(rec, "title", run.fields)
    row["title"] = _normalize(_as_text(title))
    segmented = run.segmented if run.segmented is not None else "seg" in tkey.lower()
    if not body.strip() and not row["title"]:
        keys = ", ".join(map(str, rec)) or "nothing"
        raise _Skip(f"no text: none of the fields {', '.join(AUTO_FIELDS['text'])} has text "
                    f"(the record has: {keys}); name the text field with "
                    "fields={'text': 'FIELD'}")
    if segmented:
        given = _normalize(body)
        if row["title"] and not _strip_seg(given).startswith(row["title"]):
            # a separate title field: the text starts with the title, as for plain
            # text (its words are the title's syllables: no segmentation was given)
            given = row["title"] + "\n\n" + given
        row["segmented"] = True
        row["tokens_given"] = given
        row["text"] = _strip_seg(given)
        blocks = [b for b in given.split("\n\n") if b.strip()]
        if not row["title"] and blocks:
            row["title"] = _strip_seg(blocks[0])
            if len(blocks) >= 3:
                row["lead"] = _strip_seg(blocks[1])
    else:
        body = _normalize(body)
        lead = ""
        if tkey in _LEADISH:
            lead, body = body, ""
        else:
            lkey, lval = _pick(rec, "lead", run.fields)
            if lkey and lkey != tkey:
                lead = _normalize(_as_text(lval))
        row["lead"] = lead
        parts = []
        if row["title"] and not body.startswith(row["title"]):
            parts.append(row["title"])
        if lead and not body.startswith(lead):
            parts.append(lead)
        parts.append(body)
        row["text"] = "\n\n".join(p for p in parts if p)
    for name in ("url", "source", "category", "byline"):
        v = _as_text(_pick(rec, name, run.fields)[1])
        row[name] = _norm_meta(v) if len(v) < 300 else _normalize(v)
    pkey, pval = _pick(rec, "published", run.fields)
    parsed = parse_meta_date(pval) if pkey else None
    if parsed:
        row["published"], row["date_precision"] = parsed
        row["date_evidence"] = f"{fmt}:{pkey}"
    elif pkey and _as_text(pval).strip():
        log.info("%s: unreadable date %s=%r left unknown", rel, pkey, pval)
    _url_date_fix(row)
    _, rid = _pick(rec, "id", run.fields)
    rid = _as_text(rid)
    row["doc_id"] = _norm_meta(rid) if len(rid) < 300 else _normalize(rid)
    return row


def _add_record(run: _Run, rec: Any, fmt: str, rel: str, at: int, label: str = "") -> int:
    """Add one JSON / CSV / Parquet record as a row: 1, or 0 when it is skipped
    (reported at line or item ``at``, the reason after ``label``)."""
    try:
        _finish(run, _record_row(run, rec, fmt, rel))
        return 1
    except _Skip as exc:
        reason = exc.reason
    except RecursionError:
        reason = _TOO_DEEP
    run.skip(rel, at, label + reason)
    return 0


def _finish(run: _Run, row: dict) -> dict:
    """Manifest metadata, doc_id and uniqueness; append."""
    man = run.manifest.get(row["path"])
    if man and row["kind"] == "article":
        parsed = parse_meta_date(man.get("published"))
        if parsed:
            row["published"], row["date_precision"] = parsed
            ev = (man.get("date_evidence") or "").strip()
            row["date_evidence"] = "manifest.csv" + (f": {ev}" if ev else "")
        for k in ("source", "url", "category"):
            if (man.get(k) or "").strip():
                row[k] = normalize_text(man[k])
    elif man and (man.get("source") or "").strip() and not row["source"]:
        row["source"] = normalize_text(man["source"])
    if not row["category"] and row["path"] in run.categories:
        row["category"] = run.categories[row["path"]]
    if not row["doc_id"]:
        row["doc_id"] = _hash_id(row["kind"], row["title"], row["text"])
    row["doc_id"] = run.unique_id(row["doc_id"])
    run.rows.append(row)
    return row


# --------------------------------------------------------------- readers


def _iter_lines(fh, rel: str, run: _Run) -> Iterator[tuple[int, bytes]]:
    """Lines of a binary stream; lines over the size limit are skipped, not loaded."""
    n = 0
    while True:
        line = fh.readline(_MAX_LINE_BYTES + 1)
        if not line:
            return
        n += 1
        if len(line) > _MAX_LINE_BYTES and not line.endswith(b"\n"):
            while True:  # drain the rest of the over-long line
                more = fh.readline(_MAX_LINE_BYTES)
                if not more or more.endswith(b"\n"):
                    break
            run.skip(rel, n, f"line longer than {_MAX_LINE_BYTES // (1024 * 1024)} MB")
            continue
        yield n, line


_SURROGATE = re.compile("[\ud800-\udfff]")


def _utf16_lines(fh) -> Iterator[tuple[int, bytes | None]]:
    """Lines of a UTF-16 stream as UTF-8 bytes; None for a line with invalid UTF-16."""
    n = 0
    try:
        # surrogatepass: a lone surrogate spoils its own line only, not the whole chunk
        for n, line in enumerate(io.TextIOWrapper(fh, encoding="utf-16", errors="surrogatepass"), 1):
            yield n, None if _SURROGATE.search(line) else line.encode("utf-8")
    except UnicodeDecodeError:
        raise _Skip(f"not valid UTF-16 at line {n + 1}; re-save the file as UTF-8", n + 1) from None


def _read_jsonl(run: _Run, path: Path, rel: str) -> int:
    count = 0
    with _open_binary(path, run.max_bytes) as fh:
        head = fh.peek(4)[:4] if hasattr(fh, "peek") else b""
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            run.encodings[rel] = "utf-16"
            lines: Iterator = _utf16_lines(fh)
        else:
            run.encodings[rel] = "utf-8"
            lines = _iter_lines(fh, rel, run)
        for n, raw in lines:
            if run.full:
                break
            if raw is None:
                run.skip(rel, n, "not valid UTF-16 (a lone surrogate); re-save the file as UTF-8")
                continue
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                run.skip(rel, n, f"not UTF-8 (byte 0x{raw[exc.start]:02X}); JSON Lines must be UTF-8")
                continue
            try:
                rec = json.loads(text)
            except json.JSONDecodeError as exc:
                run.skip(rel, n, f"not valid JSON ({exc.msg} at column {exc.colno})")
                continue
            except ValueError as exc:  # e.g. an integer of more than 4300 digits
                run.skip(rel, n, f"not readable JSON ({exc})")
                continue
            except RecursionError:
                run.skip(rel, n, _TOO_DEEP)
                continue
            count += _add_record(run, rec, "jsonl", rel, n)
    return count


_TOO_DEEP = ("JSON nested too deeply to read (hundreds of levels); an article record is a "
             "flat object of fields")


def _read_json(run: _Run, path: Path, rel: str) -> int:
    text = _decode(run, rel, _read_bytes(path, min(run.max_bytes, _MAX_JSON_BYTES)))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _Skip(f"not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})",
                    exc.lineno) from None
    except ValueError as exc:  # e.g. an integer of more than 4300 digits
        raise _Skip(f"not readable JSON ({exc})") from None
    except RecursionError:
        raise _Skip(_TOO_DEEP) from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        if lists:
            data = lists[0]
        else:
            data = [data]
    if not isinstance(data, list):
        raise _Skip(f"expected a JSON array of article objects, got {type(data).__name__}")
    count = 0
    for i, rec in enumerate(data, 1):
        if run.full:
            break
        count += _add_record(run, rec, "json", rel, i, f"item {i}: ")
    return count


def _sample_encoding(run: _Run, path: Path) -> str:
    if run.encoding:
        return run.encoding
    with _open_binary(path) as fh:
        sample = fh.read(1 << 20)
    for bom, name in _encodings._BOMS:
        if sample.startswith(bom):
            return name
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(sample) < (1 << 20))
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _encodings.utf8_damage(sample):
        return "utf-8"  # a few bad bytes: the rows holding them are skipped, one by one
    try:
        return _encodings.detect_encoding(sample)
    except _encodings.EncodingProblem as exc:
        raise _Skip(exc.reason) from None


def _read_csv(run: _Run, path: Path, rel: str) -> int:
    enc = _sample_encoding(run, path)
    run.encodings[rel] = enc
    old_limit = csv.field_size_limit()
    csv.field_size_limit(_MAX_LINE_BYTES)  # one field over this is malformed, not an article
    count = 0
    line = 0
    try:
        with _open_binary(path, run.max_bytes) as fb:
            # UTF-8: a bad byte becomes a surrogate escape and only its row is skipped
            utf8 = codecs.lookup(enc).name in ("utf-8", "utf-8-sig")
            fh = io.TextIOWrapper(fb, encoding=enc, errors="surrogateescape" if utf8 else "strict",
                                  newline="")
            first = _bounded_line(fh, 1)
            delim = "\t" if "\t" in first and first.count("\t") >= first.count(",") else (
                ";" if first.count(";") > first.count(",") else ",")
            reader = csv.DictReader(_chain(first, fh), delimiter=delim)
            cols = [c.lstrip("\ufeff").strip() for c in (reader.fieldnames or [])]
            reader.fieldnames = cols
            if not cols:
                raise _Skip("empty CSV file (no header row)")
            wanted = run.fields.get("text")
            has_text = (wanted in cols) if wanted else any(c in cols for c in AUTO_FIELDS["text"])
            if not has_text:
                need = repr(wanted) if wanted else "text (or " + ", ".join(AUTO_FIELDS["text"][1:]) + ")"
                raise _Skip(f"has no {need} column; its columns are: {', '.join(cols)}; "
                            "rename the column or pass fields={'text': 'COLUMN'}")
            for rec in reader:
                if run.full:
                    break
                line = reader.line_num
                if None in rec:
                    rec.pop(None)
                if utf8:
                    hit = next((m for v in rec.values() if isinstance(v, str)
                                for m in [_SURROGATE.search(v)] if m), None)
                    if hit is not None:
                        byte = ord(hit.group()) - 0xDC00
                        run.skip(rel, line, f"not valid UTF-8 (byte 0x{byte:02X}) in this row; "
                                 "the other rows are UTF-8 and were read")
                        continue
                count += _add_record(run, rec, "csv", rel, line)
    except UnicodeDecodeError:
        raise _Skip(f"not {enc} after line {line} ({count} rows read before it); re-save "
                    "the file as UTF-8 or pass encoding=", line + 1) from None
    except csv.Error as exc:
        raise _Skip(f"malformed CSV after line {line}: {exc}", line + 1) from None
    finally:
        csv.field_size_limit(old_limit)
    return count


def _bounded_line(fh, n: int) -> str:
    """One line of a text stream, refusing (not loading) a line over the size limit:
    a CSV line without newline (a gzip bomb of NULs) must not be read whole."""
    line = fh.readline(_MAX_LINE_BYTES + 1)
    if len(line) > _MAX_LINE_BYTES and not line.endswith(("\n", "\r")):
        raise _Skip(f"line {n} is longer than {_MAX_LINE_BYTES / 2**20:g} MB; the rest "
                    "of the file was not read (records before it are kept)", n)
    return line


def _chain(first: str, fh) -> Iterator[str]:
    yield first
    n = 1
    while True:
        n += 1
        line = _bounded_line(fh, n)
        if not line:
            return
        yield line


_HEADER = re.compile(r"^#\s*([\w.-]+)\s*[=:]\s*(.*)$")


def _read_header_txt(run: _Run, text: str, rel: str) -> int:
    lines = text.split("\n")
    meta: dict[str, str] = {}
    i = 0
    while i < len(lines) and (lines[i].startswith("#") or not lines[i].strip()):
        m = _HEADER.match(lines[i].strip())
        if m:
            meta[m.group(1).lower()] = m.group(2).strip()
        i += 1
    body = [ln.strip() for ln in lines[i:] if ln.strip()]
    rec: dict[str, Any] = {k: v for k, v in meta.items()}
    if "title" not in meta and body and len(body[0].split()) <= 35 and not body[0].endswith("."):
        rec["title"] = body.pop(0)
    rec["text"] = "\n".join(body)
    if not rec["text"] and not rec.get("title"):
        raise _Skip("header-line file with no text after the header")
    row = _record_row(run, rec, "txt-header", rel)
    if row["date_evidence"]:
        row["date_evidence"] = row["date_evidence"].replace("txt-header:", "header:")
    _finish(run, row)
    return 1


def _page_rows(page: _pages.Page, rel: str, fmt: str) -> tuple[dict, list[dict]]:
    row = _blank_row()
    row.update(title=page.title, kicker=page.kicker, lead=page.lead, source_tag=page.source_tag,
               headings="\n".join(page.headings), captions="\n".join(page.captions),
               byline=page.byline, text=page.text, path=rel, format=fmt, doc_id=page.page_id)
    dated = _text_date(page.date_lines)
    if dated:
        row["published"], row["date_precision"], row["date_evidence"] = dated
    teasers = []
    for t in page.teasers:
        tr = _blank_row()
        tr.update(kind="teaser", title=t["title"], lead=t["lead"], source_tag=t["source_tag"],
                  text="\n\n".join(p for p in (t["title"], t["lead"]) if p), path=rel, format=fmt)
        teasers.append(tr)
    return row, teasers


def _read_page_txt(run: _Run, text: str, rel: str) -> int:
    page = _pages.parse_text_page(text)
    if not page.text.strip():
        raise _Skip("no article text found on the page")
    art, teasers = _page_rows(page, rel, "txt-page")
    art = _finish(run, art)
    for t in teasers:
        if run.full:
            break
        t["parent_id"] = art["doc_id"]
        t["source"] = art["source"]
        _finish(run, t)
    return 1 + len(teasers)


def _read_txt(run: _Run, path: Path, rel: str) -> int:
    text = _decode(run, rel, _read_bytes(path))
    if not text.strip():
        raise _Skip("empty file")
    first = text.lstrip("\ufeff \n\r\t").split("\n", 1)[0].strip()
    if _HEADER.match(first):
        return _read_header_txt(run, text, rel)
    return _read_page_txt(run, text, rel)


def _read_html(run: _Run, path: Path, rel: str) -> int:
    data = _read_bytes(path)
    text = _decode(run, rel, data, _pages.meta_charset(data))
    if not text.strip():
        raise _Skip("empty file")
    try:
        h = _pages.parse_html_page(text)
    except Exception as exc:  # html.parser is lenient; this is a last resort
        raise _Skip(f"HTML could not be parsed ({type(exc).__name__})") from None
    if not h["body"] and not h["lead"]:
        raise _Skip("no article found in the HTML (no <article>, <p> paragraphs or description)")
    row = _blank_row()
    parts = [h["title"], h["lead"]] + [t for _, t in h["body"]]
    row.update(title=h["title"], lead=h["lead"], source_tag=h["source_tag"], byline=h["byline"],
               headings="\n".join(h["headings"]), captions="\n".join(h["captions"]),
               text="\n\n".join(p for p in parts if p), path=rel, format="html",
               url=h["url"], source=normalize_text(h["site"]))
    if h["published"] is not None:
        row["published"], row["date_precision"] = h["published"].value, h["published"].precision
        row["date_evidence"] = h["date_meta_key"]
    else:
        dated = _text_date(h["date_lines"])
        if dated:
            row["published"], row["date_precision"], row["date_evidence"] = dated
    _finish(run, row)
    return 1


_PARQUET_BATCH = 1024


def _read_parquet(run: _Run, path: Path, rel: str) -> int:
    """Apache Parquet (as the Hugging Face Hub serves datasets): one article per row,
    read a batch of rows at a time, the same field names as JSON Lines."""
    if path.suffix.lower() == ".gz":
        raise _Skip("a gzipped Parquet file; Parquet is compressed inside already: "
                    "gunzip it (gzip -dk FILE) and read the .parquet file")
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise _Skip("reading Parquet needs pyarrow, which is not installed; "
                    "pip install pyarrow (or civictext[dask]) and read it again") from None
    size = path.stat().st_size
    if size > run.max_bytes:
        raise _Skip(f"is {size / 2**20:.0f} MB, over the {run.max_bytes / 2**20:g} MB "
                    "file limit; if the file is genuine, raise max_file_mb= "
                    "(CLI --max-file-mb) or split it")
    run.encodings[rel] = "utf-8"
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError for any malformed file
        raise _Skip(f"not a readable Parquet file ({type(exc).__name__}: "
                    f"{str(exc).splitlines()[0][:200] if str(exc) else 'no detail'})") from None
    count = 0
    n = 0
    batches = pf.iter_batches(batch_size=_PARQUET_BATCH)
    while not run.full:
        try:  # only pyarrow's decoding here: a skipped row (strict: an error) is not damage
            batch = next(batches, None)
            rows = batch.to_pylist() if batch is not None else []
        except Exception as exc:  # a damaged row group after the first ones were read
            raise _Skip(f"Parquet data unreadable after row {n} ({count} rows read before it; "
                        f"{type(exc).__name__})", n + 1) from None
        if batch is None:
            break
        for rec in rows:
            n += 1
            if run.full:
                break
            count += _add_record(run, rec, "parquet", rel, n, f"row {n}: ")
    return count


_READERS = {"txt": _read_txt, "html": _read_html, "jsonl": _read_jsonl, "json": _read_json,
            "csv": _read_csv, "parquet": _read_parquet}


# ------------------------------------------------------------------ folders


def _load_manifests(run: _Run, files: list[Path]) -> None:
    for mpath in files:
        base = mpath.parent
        rel_m = _rel(run.root, mpath)
        try:
            with open(mpath, "rb") as fh:
                text, _ = _encodings.decode_bytes(fh.read())
            rows = list(csv.DictReader(io.StringIO(text)))
        except (OSError, _encodings.EncodingProblem, csv.Error) as exc:
            run.skip(rel_m, None, f"manifest cannot be read: {exc}")
            continue
        if rows and "file" not in rows[0]:
            run.skip(rel_m, 1, "manifest has no 'file' column; its columns are: "
                     f"{', '.join(rows[0])}; the columns are file,source,url,published,date_evidence")
            continue
        root_is_dir = run.root.is_dir()
        for r in rows:
            f = (r.get("file") or "").strip()
            if f:
                target = _rel(run.root, base / f) if root_is_dir else Path(f).name
                run.manifest[target] = {k: (v or "") for k, v in r.items() if k}


def _rel(root: Path, p: Path) -> str:
    """``p`` relative to ``root`` with POSIX separators (the file name when p is root).

    A name that is not valid UTF-8 (bytes kept by the OS as surrogate escapes)
    is shown with U+FFFD for the bad bytes, so it can be written to CSV/Parquet."""
    r, q = str(root).rstrip(os.sep), str(p)
    if q == r:
        out = p.name
    elif q.startswith(r + os.sep):
        out = q[len(r) + 1:].replace(os.sep, "/")
    else:
        out = p.as_posix()
    return _printable_path(out)


def _printable_path(text: str) -> str:
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def list_corpus_files(path: str | os.PathLike) -> list[Path]:
    """The corpus files ``read_corpus(path)`` reads, in the order it reads them.

    A file gives itself. In a folder: every file of a known format
    (:data:`FORMATS`), sorted by relative path; ``manifest.csv``, read reports,
    hidden files and ``.hidden`` or ``_private`` folders are not corpus files.
    Used to split a corpus into partitions (:mod:`civictext.engines.dask`).
    """
    root = Path(path)
    if not root.exists():
        raise CorpusError(f"{root} does not exist; give a corpus file or folder")
    return list(_discover(root)[0])


def _discover(root: Path, unreadable: list[tuple[Path, OSError]] | None = None
              ) -> tuple[list[Path], list[Path], list[Path]]:
    """(corpus files, manifests, other files), each sorted; folders that cannot be
    listed are appended to ``unreadable`` (with the error)."""
    if not root.is_dir():  # a file (or a FIFO/device, refused when read)
        man = root.parent / "manifest.csv"
        return [root], [man] if man.is_file() else [], []
    files, manifests, other = [], [], []

    def onerror(exc: OSError) -> None:
        if unreadable is not None:
            unreadable.append((Path(exc.filename or root), exc))

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        # ".hidden" and "_private" folders (caches, the crawler's raw store) are not corpus
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            p = Path(dirpath) / name
            if name.lower() == "manifest.csv":
                manifests.append(p)
            elif name.lower() in _IGNORED_NAMES or _format_of(p) is None:
                other.append(p)
            else:
                files.append(p)
    key = lambda p: _rel(root, p)  # noqa: E731
    return sorted(files, key=key), sorted(manifests, key=key), sorted(other, key=key)


def _folder_categories(root: Path, files: list[Path], pattern: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if pattern:
        rx = re.compile(pattern)
        for p in files:
            rel = _rel(root, p)
            m = rx.search(rel)
            if m:
                out[rel] = m.group(1) if m.groups() else m.group(0)
        return out
    if root.is_file():
        return out
    rels = [_rel(root, p).split("/") for p in files]
    tops = {parts[0] for parts in rels if len(parts) > 1}
    if len(tops) >= 2:  # per-category folders
        for parts in rels:
            if len(parts) > 1:
                out["/".join(parts)] = normalize_text(parts[0])
    return out


def _check_fields(fields: Mapping[str, str] | None) -> dict[str, str]:
    if fields is None:
        return {}
    if not isinstance(fields, Mapping):
        raise CorpusError(f"read_corpus: fields must be a dict such as {{'text': 'summary'}}, "
                          f"got {type(fields).__name__}")
    bad = [k for k in fields if k not in AUTO_FIELDS]
    if bad:
        raise CorpusError(f"read_corpus: fields has unknown key(s) {', '.join(map(repr, bad))}; "
                          f"allowed keys: {', '.join(AUTO_FIELDS)}")
    if not all(isinstance(v, str) and v for v in fields.values()):
        raise CorpusError("read_corpus: fields values must be non-empty field names (str)")
    return dict(fields)


class _SharedList(list):
    """The read report in ``attrs``: pandas' per-operation ``deepcopy`` of attrs
    returns this same object (a 150,000-file report was copied on every
    DataFrame operation). Treat it as read-only."""

    def __deepcopy__(self, memo: dict) -> "_SharedList":
        return self


class _SharedDict(dict):
    """As :class:`_SharedList`, for ``attrs["encodings"]``."""

    def __deepcopy__(self, memo: dict) -> "_SharedDict":
        return self


def read_corpus(
    path: str | os.PathLike,
    *,
    strict: bool = False,
    progress: bool = False,
    encoding: str | None = None,
    fields: Mapping[str, str] | None = None,
    segmented: bool | None = None,
    category_pattern: str | None = None,
    limit: int | None = None,
    max_file_mb: float = DEFAULT_MAX_FILE_MB,
) -> pd.DataFrame:
    """Read a corpus file or folder into the articles table.

    Parameters
    ----------
    path : str or path-like
        A file or a folder (read recursively; hidden files and folders, and folders whose name starts with "_" (the crawler's raw store), are
        ignored, as are files with other suffixes, which the read report lists).
    strict : bool, keyword-only
        Raise :class:`~civictext.errors.CorpusError` at the first unreadable file,
        record or line instead of skipping it (default False: skip and report).
    progress : bool, keyword-only
        Show a progress bar over files.
    encoding : str, optional
        Force one Python codec for every text file (e.g. ``"cp1258"``); JSON Lines
        are always UTF-8. Default: detect per file.
    fields : dict, optional
        Field/column names for JSON and CSV records, e.g.
        ``{"text": "summary", "published": "published"}``. Keys: ``text, title, lead,
        published, id, url, source, category, byline``. Unnamed fields are found
        automatically (``text|content|body|text_segmented|summary…``,
        ``published|date|time…``, ``id``, ``url|link`` …). A text field named
        ``summary``/``description``/``sapo`` fills ``lead``.
    segmented : bool, optional
        The text is word-segmented with ``_``. Default: True when the text field's
        name contains "seg" (e.g. ``text_segmented``).
    category_pattern : str, optional
        Regular expression searched in each file's relative path; its first group
        (or the match) is the ``category``, e.g. ``r"news_([a-z]+)_"``. Default:
        per-category folders (a folder holding two or more sub-folders) give
        the category.
    limit : int, optional
        Stop after this many documents (for samples).
    max_file_mb : float, keyword-only
        Most megabytes read from one file, after decompression (default
        4096): a gzip bomb, or a link to ``/dev/zero``, stops there; the
        records before the cap are kept and the rest is reported as skipped.
        A ``.json`` document (parsed whole) is capped at 256 MB, a page at 50 MB.
        FIFOs, devices and sockets are skipped, never opened.

    Notes
    -----
    Feed dates: some feeds give the *fetch* time as ``published`` (Tuổi Trẻ's,
    hours late). When a record's link carries its creation timestamp
    (:func:`url_timestamp`, ``tuoitre.vn`` ids) and ``published`` is missing or
    1 hour to 31 days later than it, ``published`` is the link's timestamp and
    ``date_evidence`` says ``"url timestamp (feed published … is a fetch time)"``.

    Returns
    -------
    pandas.DataFrame
        One row per document, columns :data:`COLUMNS` (docs/pipeline.md, table 1):
        ``doc_id, kind, parent_id, source, source_tag, url, title, kicker, lead,
        headings, captions, byline, text, published, date_precision,
        date_evidence, category, path, format, segmented, tokens_given``.
        ``attrs["skipped"]``: list of ``{path, line, reason}``;
        ``attrs["renamed"]``: list of ``{path, original_id, doc_id}``, one per
        document whose id was already taken (the first keeps it; later ones get
        ``ID-2``, ``ID-3``, ... choosing a suffix no document has);
        ``attrs["encodings"]``: ``{path: codec}``; ``attrs["files"]``: one dict per
        file ``{path, format, encoding, records, skipped, reason}``.

    Raises
    ------
    CorpusError
        ``path`` does not exist, a bad parameter, or (``strict=True``) any
        unreadable item.

    Examples
    --------
    >>> articles = read_corpus("corpus/")
    >>> articles.loc[articles["kind"] == "article", ["doc_id", "source_tag", "byline"]].values.tolist()
    [['92389', 'LĐTĐ', 'Hoa Nguyễn']]
    """
    _check_read_args(path, strict=strict, encoding=encoding, fields=fields,
                     segmented=segmented, category_pattern=category_pattern, limit=limit,
                     max_file_mb=max_file_mb)
    root = Path(path)
    plan = _make_plan(root, ReadOptions(
        strict=bool(strict), encoding=encoding, fields=_check_fields(fields),
        segmented=segmented, category_pattern=category_pattern, limit=limit,
        max_file_mb=max_file_mb))
    part = read_files(plan, plan.files, progress=progress)
    return assemble_read(plan, [part]).to_frame()


# ------------------------------------------------------------ the reader plan
@dataclass(frozen=True)
class ReadOptions:
    """How a corpus is read: the keyword arguments of :func:`read_corpus`.

    One frozen value shared by :func:`read_corpus`, the pipeline's
    ``RunConfig.read`` and both engines; ``as_kwargs()`` gives the arguments
    that differ from the defaults (what the manifest records as
    ``read_options``).
    """

    strict: bool = False
    encoding: str | None = None
    fields: Mapping[str, str] | None = None
    segmented: bool | None = None
    category_pattern: str | None = None
    limit: int | None = None
    max_file_mb: float = DEFAULT_MAX_FILE_MB

    def as_kwargs(self, *, with_strict: bool = False) -> dict[str, Any]:
        """The options that differ from the defaults, as ``read_corpus`` keywords."""
        default = ReadOptions()
        out = {k: getattr(self, k) for k in ("encoding", "fields", "segmented",
                                             "category_pattern", "limit", "max_file_mb")
               if getattr(self, k) != getattr(default, k)}
        if "fields" in out:
            out["fields"] = dict(out["fields"])
        return {"strict": self.strict, **out} if with_strict else out


@dataclass(frozen=True)
class ReadPlan:
    """What reading a corpus will do, decided once before any file is read.

    The corpus files in reading order, the folder's ``manifest.csv`` entries
    and per-category folder names (both apply to a file whatever partition it
    is read in), the files that are not corpus files, and the report rows of
    folders that could not be listed. :func:`read_corpus` reads the plan's
    files in one go; the engines of :mod:`civictext.engines.local` read them in
    partitions (:meth:`partitions`) with :func:`read_files` and put the parts
    back together with :func:`assemble_read`, which gives the same table.
    """

    root: Path
    options: ReadOptions
    files: tuple[Path, ...]
    other: tuple[Path, ...] = ()
    manifest: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    categories: Mapping[str, str] = field(default_factory=dict)
    pre_skipped: tuple[dict, ...] = ()
    pre_files: tuple[dict, ...] = ()

    def partitions(self, size: int | None) -> list[tuple[Path, ...]]:
        """The files in consecutive groups of about ``size`` bytes of input (None: one
        group); a ``.gz`` file counts its uncompressed size (:func:`input_bytes`).

        Files are never split and keep their order, so the grouping depends
        only on file names and contents' sizes.
        """
        if size is None or not self.files:
            return [self.files]
        groups: list[list[Path]] = [[]]
        total = 0
        for f in self.files:
            n = input_bytes(f)
            if groups[-1] and total + n > size:
                groups.append([])
                total = 0
            groups[-1].append(f)
            total += n
        return [tuple(g) for g in groups]

    def rel(self, p: Path) -> str:
        """``p`` as the articles table's ``path`` shows it."""
        return _rel(self.root, p)


@dataclass
class FilesRead:
    """The rows and report of some of a plan's files (one partition)."""

    rows: list[dict]
    skipped: list[dict]
    files: list[dict]
    encodings: dict[str, str]


@dataclass
class ReadResult:
    """A corpus read: the articles table and its report, as separate objects.

    ``articles`` is the articles table (docs/pipeline.md, table 1);
    ``files`` one dict per input file ``{path, format, encoding, records,
    skipped, reason}``; ``skipped`` one ``{path, line, reason}`` per skipped
    item; ``renamed`` one ``{path, original_id, doc_id}`` per document whose
    id was taken; ``encodings`` ``{path: codec}``. ``spill``: set by the local
    engine when a run's partitions had their text columns moved to disk
    (:class:`civictext.engines.spill.Spill`); ``articles`` then lacks those columns
    and :meth:`full_articles` gives the whole table.
    """

    articles: pd.DataFrame
    files: list[dict]
    skipped: list[dict]
    renamed: list[dict]
    encodings: dict[str, str]
    spill: Any = None

    def full_articles(self) -> pd.DataFrame:
        """The articles table with every column (from the spill when there is one:
        a new table, made when asked for)."""
        if self.spill is None:
            return self.articles
        return self.spill.full(self.articles, COLUMNS)

    @property
    def report(self) -> pd.DataFrame:
        """One row per input file (``read_report.csv`` without ``renamed_ids``)."""
        return pd.DataFrame(self.files, columns=["path", "format", "encoding", "records",
                                                 "skipped", "reason"])

    def to_frame(self) -> pd.DataFrame:
        """``articles`` with the report in ``attrs`` (as :func:`read_corpus` returns it).

        The report objects are shared, not copied, by pandas' per-operation
        copy of ``attrs``."""
        df = self.articles
        df.attrs["skipped"] = _SharedList(self.skipped)
        df.attrs["encodings"] = _SharedDict(self.encodings)
        df.attrs["files"] = _SharedList(self.files)
        df.attrs["renamed"] = _SharedList(self.renamed)
        return df


def input_bytes(path: Path) -> int:
    """The bytes the reader gets from ``path``: its size, or for a ``.gz`` file the
    uncompressed size its gzip trailer records (modulo 4 GiB, the format's limit; never
    less than the compressed size); 0 when it cannot be read (``read_files`` reports
    it)."""
    try:
        n = path.stat().st_size
        if path.suffix.lower() == ".gz" and n >= 18:
            with open(path, "rb") as fh:
                fh.seek(-4, os.SEEK_END)
                n = max(n, int.from_bytes(fh.read(4), "little"))
    except OSError:
        return 0
    return n


def plan_corpus(path: str | os.PathLike, options: ReadOptions | None = None) -> ReadPlan:
    """The :class:`ReadPlan` of a corpus file or folder (checks ``options``).

    >>> plan = plan_corpus("corpus/")
    >>> len(plan.files) == len(list_corpus_files("corpus/"))
    True
    """
    options = options or ReadOptions()
    if not isinstance(options, ReadOptions):
        from civictext.errors import ParameterTypeError

        raise ParameterTypeError(f"plan_corpus: options must be a ReadOptions, got "
                                 f"{type(options).__name__}")
    kw = options.as_kwargs(with_strict=True)
    _check_read_args(path, **kw)
    return _make_plan(Path(path), ReadOptions(**{**dataclasses.asdict(options),
                                                 "fields": _check_fields(options.fields)}))


def _check_read_args(path: Any, *, strict: bool = False, encoding: str | None = None,
                     fields: Any = None, segmented: bool | None = None,
                     category_pattern: str | None = None, limit: int | None = None,
                     max_file_mb: float = DEFAULT_MAX_FILE_MB) -> None:
    """read_corpus's argument checks (raise the errors read_corpus documents)."""
    if not isinstance(path, (str, os.PathLike)) or (isinstance(path, str) and not path):
        from civictext.errors import ParameterTypeError

        raise ParameterTypeError(f"read_corpus: path must be a corpus file or folder (str or "
                                 f"Path), got {path!r}")
    if category_pattern is not None:
        from civictext._check import regex

        regex(category_pattern, "category_pattern", "read_corpus")
    root = Path(path)
    if not root.exists():
        raise CorpusError(f"read_corpus: path {str(path)!r} does not exist; pass a corpus "
                          "file or folder (.txt, .html, .jsonl, .json, .csv, optionally .gz; .parquet)")
    if not root.is_dir() and _format_of(root) is None:
        raise CorpusError(f"read_corpus: {str(path)!r} is not a corpus file type (its name "
                          f"must end in {', '.join(FORMATS)}, optionally + .gz); rename it, "
                          "or pass the folder that holds the corpus files")
    if limit is not None and (not isinstance(limit, int) or limit < 1):
        raise CorpusError(f"read_corpus: limit must be a positive int or None, got {limit!r}")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise CorpusError(f"read_corpus: unknown encoding={encoding!r}; use a Python "
                              "codec name such as 'utf-8', 'utf-16' or 'cp1258'") from None
    from civictext._check import number

    number(max_file_mb, "max_file_mb", "read_corpus", lo=0, lo_open=True)
    _check_fields(fields)


def _new_run(plan: ReadPlan) -> _Run:
    o = plan.options
    return _Run(root=plan.root, strict=o.strict, encoding=o.encoding,
                fields=dict(o.fields or {}), segmented=o.segmented, limit=o.limit,
                max_bytes=int(float(o.max_file_mb) * 2**20))


def _make_plan(root: Path, options: ReadOptions) -> ReadPlan:
    run = _new_run(ReadPlan(root=root, options=options, files=()))
    unreadable: list[tuple[Path, OSError]] = []
    files, manifests, other = _discover(root, unreadable)
    for folder, exc in unreadable:
        rel = _rel(root, folder)
        reason = (f"folder cannot be read ({type(exc).__name__}: {exc.strerror or exc}); its "
                  "files are missing; fix its permissions")
        run.skip(rel, None, reason)
        run.files.append({"path": rel + "/", "format": "folder", "encoding": "", "records": 0,
                          "skipped": 1, "reason": reason})
    _load_manifests(run, manifests)
    return ReadPlan(root=root, options=options, files=tuple(files), other=tuple(other),
                    manifest=run.manifest,
                    categories=_folder_categories(root, files, options.category_pattern),
                    pre_skipped=tuple(run.skipped), pre_files=tuple(run.files))


def read_files(plan: ReadPlan, files: Sequence[Path], *, progress: bool = False,
               limit: int | None = None) -> FilesRead:
    """Read some of a plan's files (one partition): their rows and report.

    Each file is read exactly as :func:`read_corpus` reads it inside the
    whole folder (the plan's ``manifest.csv`` entries and folder categories
    apply). Ids are not made unique here: :func:`assemble_read` does that
    over every partition. ``limit`` (default: the plan's) stops after that
    many rows.
    """
    run = _new_run(plan)
    run.manifest = dict(plan.manifest)
    run.categories = dict(plan.categories)
    if limit is not None:
        run.limit = limit
    iterator: Any = files
    if progress and len(files) > 1:
        from tqdm.auto import tqdm

        iterator = tqdm(files, desc="reading", unit="file")
    root = plan.root
    for p in iterator:
        if run.full:
            break
        rel = _rel(root, p)
        fmt = _format_of(p) or ""
        before = len(run.skipped)
        n_rows = len(run.rows)
        reason = ""
        try:
            _check_regular(p)
            _READERS[fmt](run, p, rel)
        except _Skip as exc:
            reason = exc.reason
            run.skip(rel, exc.line, exc.reason)
        except FileNotFoundError:
            reason = "file disappeared while reading"
            run.skip(rel, None, reason)
        except IsADirectoryError:
            reason = "is a directory"
            run.skip(rel, None, reason)
        except UnicodeError as exc:
            reason = f"cannot be decoded ({exc}); re-save it as UTF-8 or pass encoding="
            run.skip(rel, None, reason)
        except (OSError, EOFError, gzip.BadGzipFile, zlib_error()) as exc:
            reason = f"cannot be read ({type(exc).__name__}: {exc})"
            run.skip(rel, None, reason)
        run.files.append({"path": rel, "format": _file_format(run, rel, fmt),
                          "encoding": run.encodings.get(rel, ""),
                          "records": len(run.rows) - n_rows,
                          "skipped": len(run.skipped) - before, "reason": reason})
    return FilesRead(rows=run.rows, skipped=run.skipped, files=run.files,
                     encodings=run.encodings)


def articles_frame(rows: list[dict]) -> pd.DataFrame:
    """The articles table of reader rows (columns :data:`COLUMNS`, read_corpus's dtypes)."""
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["parent_id"] = df["parent_id"].astype(object).where(df["parent_id"].notna(), None)
    df["segmented"] = df["segmented"].astype(bool)
    return df


def unique_rows(rows: list[dict]) -> list[dict]:
    """Copies of ``rows`` with ids made unique among them (read_corpus's renaming)."""
    out = [dict(r) for r in rows]
    _rename_duplicates(out)
    return out


def rename_duplicates(rows: list[dict]) -> list[dict]:
    """Make ``rows``' ids unique among them in place (read_corpus's renaming);
    return one ``{path, original_id, doc_id}`` per renamed row."""
    return _rename_duplicates(rows)


def assemble_read(plan: ReadPlan, parts: Sequence[FilesRead], *,
                  frame: bool = True) -> ReadResult:
    """Put the partitions of a plan back together: what ``read_corpus`` returns.

    ``parts`` in plan order. Repeated ids are renamed over the whole corpus
    (the first document keeps its id). ``frame=False`` leaves ``articles``
    empty (the engines build it from the partitions' own tables) but renames
    the rows in place, so callers can map partition ids to corpus ids.
    """
    rows = [r for part in parts for r in part.rows]
    skipped = [*plan.pre_skipped, *(s for part in parts for s in part.skipped)]
    files = [*plan.pre_files, *(f for part in parts for f in part.files)]
    encodings = {k: v for part in parts for k, v in part.encodings.items()}
    for p in plan.other:
        files.append({"path": _rel(plan.root, p), "format": "", "encoding": "", "records": 0,
                      "skipped": 0, "reason": "ignored: not a corpus file type"})
    renamed = _rename_duplicates(rows)
    for r in renamed[:5]:
        log.warning("%s: doc_id %r is already taken; renamed to %r", r["path"], r["original_id"],
                    r["doc_id"])
    if len(renamed) > 5:
        log.warning("... and %d more renamed doc_ids (all in attrs['renamed'] and "
                    "renamed_ids.csv)", len(renamed) - 5)
    df = articles_frame(rows if frame else [])
    log.info("read %d documents from %d files; skipped %d items", len(rows), len(plan.files),
             len(skipped))
    return ReadResult(articles=df, files=files, skipped=skipped, renamed=renamed,
                      encodings=encodings)


def read_corpus_result(path: str | os.PathLike, *, progress: bool = False,
                       **options: Any) -> ReadResult:
    """:func:`read_corpus`, returning a :class:`ReadResult` (table and report apart).

    Takes the keyword arguments of :func:`read_corpus`; ``result.articles``
    has no report in ``attrs``.

    >>> res = read_corpus_result("corpus/")
    >>> list(res.report.columns)[:3], bool(len(res.articles) == res.report["records"].sum())
    (['path', 'format', 'encoding'], True)
    """
    _check_read_args(path, **options)
    plan = _make_plan(Path(path), ReadOptions(**{**options,
                                                 "fields": _check_fields(options.get("fields"))}))
    return assemble_read(plan, [read_files(plan, plan.files, progress=progress)])


def _check_regular(p: Path) -> None:
    """Refuse FIFOs, devices and sockets (also behind a link) before opening them:
    a FIFO blocks the read forever, /dev/zero never ends."""
    st = os.stat(p)
    if not stat.S_ISREG(st.st_mode):
        kind = ("a FIFO" if stat.S_ISFIFO(st.st_mode) else "a device" if
                stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else
                "a directory" if stat.S_ISDIR(st.st_mode) else "a socket" if
                stat.S_ISSOCK(st.st_mode) else "not a regular file")
        raise _Skip(f"is {kind}{' (through a link)' if p.is_symlink() else ''}, not a regular "
                    "file; not read")


def free_id(old: str, taken: set[str], next_n: dict[str, int]) -> str:
    """The id for a repeat of ``old``: ``old-N`` for the smallest N >= 2 (from
    ``next_n[old]`` on, so renaming stays linear) that no document has; added to
    ``taken``. The one renaming rule of read_corpus and the Dask engine."""
    n = next_n.get(old, 2)
    while f"{old}-{n}" in taken:
        n += 1
    next_n[old] = n + 1
    new = f"{old}-{n}"
    taken.add(new)
    return new


def _rename_duplicates(rows: list[dict]) -> list[dict]:
    """Give every repeated doc_id a new, unused one; the first document keeps it.

    Runs once all ids are known, so ``a1-2`` is never given to a copy of ``a1``
    when another document already is ``a1-2``. A teaser's ``parent_id`` follows
    its article's renaming (the teaser comes right after it, from the same file).
    """
    taken = {r["doc_id"] for r in rows}
    seen: set[str] = set()
    renamed: list[dict] = []
    last: dict[tuple[str, str], str] = {}
    next_n: dict[str, int] = {}  # per id, the next suffix to try (linear, not quadratic)
    for r in rows:
        if r.get("parent_id") is not None and (r["path"], r["parent_id"]) in last:
            r["parent_id"] = last[(r["path"], r["parent_id"])]
        old = r["doc_id"]
        if old in seen:
            new = free_id(old, taken, next_n)
            r["doc_id"] = new
            renamed.append({"path": r["path"], "original_id": old, "doc_id": new})
            if r["kind"] == "article":
                last[(r["path"], old)] = new
        elif r["kind"] == "article":
            last.pop((r["path"], old), None)
        seen.add(r["doc_id"])
    return renamed


def zlib_error() -> type[Exception]:
    import zlib

    return zlib.error


def _file_format(run: _Run, rel: str, fmt: str) -> str:
    kinds = {r["format"] for r in run.rows[-1:] if r["path"] == rel}
    return kinds.pop() if kinds else fmt


def read_page(text: str, *, path: str = "") -> list[dict]:
    """Parse one scraped plain-text page into an article record and teaser records.

    Parameters
    ----------
    text : str
        The page as text (any Unicode normalisation form).
    path : str, keyword-only
        Recorded in each record's ``path``.

    Returns
    -------
    list of dict
        The main article first (``kind="article"``), then one record per
        related-article teaser (``kind="teaser"``, ``parent_id`` = the article's
        ``doc_id``), each with the :data:`COLUMNS` keys. Dates come only from a
        date line near the top of the page.

    Examples
    --------
    >>> page = "Tiêu đề bài viết\\n\\n(PLO) Tóm tắt bài viết ở đây cho bạn đọc.\\n\\nThân bài."
    >>> rec = read_page(page)[0]
    >>> rec["title"], rec["source_tag"], rec["lead"]
    ('Tiêu đề bài viết', 'PLO', 'Tóm tắt bài viết ở đây cho bạn đọc.')
    """
    if not isinstance(text, str):
        raise CorpusError(f"read_page: text must be str, got {type(text).__name__}")
    page = _pages.parse_text_page(text)
    art, teasers = _page_rows(page, path, "txt-page")
    if not art["doc_id"]:
        art["doc_id"] = _hash_id("article", art["title"], art["text"])
    seen = {art["doc_id"]}
    for t in teasers:
        t["parent_id"] = art["doc_id"]
        t["doc_id"] = _hash_id("teaser", t["title"], t["text"])
        base, n = t["doc_id"], 2
        while t["doc_id"] in seen:
            t["doc_id"], n = f"{base}-{n}", n + 1
        seen.add(t["doc_id"])
    return [art, *teasers]


def check_articles(articles: Any, where: str, *,
                   error: type[CivictextError] = CorpusError) -> pd.DataFrame:
    """Check that ``articles`` is an articles table the later stages can use.

    Every stage that takes the articles table calls this at its entry point:
    a DataFrame with ``doc_id`` and ``text`` columns and unique, non-missing
    ``doc_id`` values. Returns ``articles`` unchanged.

    Parameters
    ----------
    articles : DataFrame
        The table (usually from :func:`read_corpus`).
    where : str
        The calling function's name, used in the message.
    error : CivictextError subclass, keyword-only
        What to raise (default :class:`~civictext.errors.CorpusError`).

    >>> check_articles(pd.DataFrame({"doc_id": ["a"], "text": ["x"]}), "demo").shape
    (1, 2)
    """
    if not isinstance(articles, pd.DataFrame):
        raise error(f"{where}: articles must be a DataFrame with columns doc_id and text "
                    f"(as read_corpus returns), got {type(articles).__name__}")
    missing = [c for c in ("doc_id", "text") if c not in articles.columns]
    if missing:
        raise error(f"{where}: articles has no column {missing[0]!r} (columns: "
                    f"{list(map(str, articles.columns[:12]))}); pass the table from "
                    "read_corpus or add the column")
    ids = articles["doc_id"]
    if ids.isna().any():
        raise error(f"{where}: {int(ids.isna().sum())} article(s) have no doc_id; every "
                    "document needs a unique doc_id")
    dup = ids.astype(str).duplicated()
    if dup.any():
        raise error(f"{where}: doc_id must be unique; duplicate doc_id values, e.g. "
                    f"{str(ids[dup].iloc[0])!r} ({int(dup.sum())} repeats); drop or rename "
                    "the duplicates")
    text = articles["text"]
    no_text = ~text.map(lambda v: isinstance(v, str)).astype(bool)
    if no_text.any():  # scored as empty documents: say so, once per stage
        import warnings

        from civictext.errors import CivictextWarning

        msg = (f"{where}: {int(no_text.sum())} article(s) have no text (None, NaN or not a "
               f"string), e.g. doc_id {str(ids[no_text].iloc[0])!r}; they count as empty "
               "documents; fill or drop them")
        log.warning(msg)
        warnings.warn(msg, CivictextWarning, stacklevel=3)
    return articles


def write_read_report(articles: "pd.DataFrame | ReadResult", out_dir: str | os.PathLike) -> Path:
    """Write ``read_report.csv`` (one row per input file) and ``skipped_items.csv``.

    Parameters
    ----------
    articles : DataFrame or ReadResult
        The result of :func:`read_corpus` (its ``attrs`` hold the report) or
        of :func:`read_corpus_result`.
    out_dir : str or path-like
        Output folder (created if needed); files are written atomically.

    Returns
    -------
    Path
        ``out_dir/read_report.csv``, columns ``path, format, encoding, records,
        skipped, reason, renamed_ids``. ``skipped_items.csv`` next to it has
        ``path, line, reason`` for every skipped item, ``renamed_ids.csv``
        ``path, original_id, doc_id`` for every document whose id was taken.

    Examples
    --------
    >>> import tempfile
    >>> p = write_read_report(read_corpus("corpus/"), tempfile.mkdtemp())
    >>> p.name
    'read_report.csv'
    """
    out = Path(out_dir)
    if isinstance(articles, ReadResult):
        report = {"files": articles.files, "skipped": articles.skipped,
                  "renamed": articles.renamed}
    else:
        report = articles.attrs
    files = pd.DataFrame(report.get("files", []),
                         columns=["path", "format", "encoding", "records", "skipped", "reason"])
    skipped = pd.DataFrame(report.get("skipped", []), columns=["path", "line", "reason"])
    skipped["line"] = skipped["line"].astype("Int64")
    write_csv(out / "skipped_items.csv", skipped)
    renamed = pd.DataFrame(report.get("renamed", []),
                           columns=["path", "original_id", "doc_id"])
    write_csv(out / "renamed_ids.csv", renamed)
    counts = renamed.groupby("path").size()
    files["renamed_ids"] = [int(counts.get(p, 0)) for p in files["path"]]
    return write_csv(out / "read_report.csv", files)
