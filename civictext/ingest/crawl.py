"""Corpus builder (``ct.collect``, ``ct.extract_article``): fetch news pages politely
and extract their articles.

The module is named ``crawl`` (a noun), not ``collect``: a module named like the
function replaced ``ct.collect`` on the package once it was imported.

``collect(urls_file, out_dir)`` reads a list of URLs (one a line, ``#`` comments
and blank lines ignored) and writes::

    out_dir/
      articles.jsonl            the extracted articles, one JSON object a line
      _collect/report.csv       one row per URL: outcome, HTTP status, error ...
      _collect/raw/HOST/KEY.html   each page's bytes exactly as received
      _collect/raw/HOST/KEY.json   its sidecar: url, final_url, fetched_at, status,
                                   content_type, charset, sha256, ...

``KEY`` is the first 16 hex digits of the SHA-256 of the URL as listed, so a
rerun finds what is already saved without asking the server again (resumable).
A raw file is never overwritten with different bytes: a changed page is saved
next to the old one as ``KEY.<sha8>.html`` with its own sidecar, and the
report says ``changed-kept-both``.

Politeness: robots.txt is fetched once per host and honoured (its
``Crawl-delay`` too, when longer than ``delay``); requests to one host are at
least ``delay`` seconds apart; the User-Agent names civictext and its version;
5xx, 429, timeouts and dropped connections are retried ``retries`` times with
exponential backoff (``backoff * 2**k`` seconds); every request has a
``timeout``. If robots.txt cannot be fetched (5xx or no answer), the host is
treated as disallowed; a missing robots.txt (404) allows everything.

The fetcher uses the standard library (``urllib.request`` and
``urllib.robotparser``): redirects, timeouts and robots rules are all there,
and it keeps the crawler free of extra dependencies. Extraction uses
trafilatura (optional extra ``collect``) plus a few look-ups of our own for what
Vietnamese news pages print outside the article body (sapo, date line,
JSON-LD); see :func:`extract_article`.
"""
from __future__ import annotations

import csv
import hashlib
import http.client
import io
import json
import logging
import math
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import urllib.robotparser
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.client import HTTPException
from pathlib import Path
from typing import Any, Iterable

from civictext import __version__
from civictext._io import atomic_write, write_json
from civictext.errors import CollectError, ParameterError, ParameterTypeError
from civictext.ingest.dates import DateInfo, find_publication_date, meta_date, to_vietnam_time
from civictext.ingest.encodings import EncodingProblem
from civictext.ingest.pages import (
    decode_html,
    jsonld_article,
    jsonld_names,
    meta_charset,
    meta_published,
    split_tag,
)
from civictext.text.normalize import normalize_text

__all__ = ["collect", "CollectReport", "extract_article", "DEFAULT_USER_AGENT", "REPORT_COLUMNS"]

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = f"civictext/{__version__} (academic research crawler; Python urllib)"

#: Columns of ``_collect/report.csv`` (and of :meth:`CollectReport.to_frame`).
REPORT_COLUMNS = ["url", "outcome", "status", "attempts", "error", "final_url", "raw_file",
                  "fetched_at", "extracted"]

#: Outcomes: ``saved`` (fetched now), ``already-saved`` (rerun: not fetched again),
#: ``unchanged`` / ``changed-kept-both`` (fetched again over an existing raw file),
#: ``failed`` (HTTP error, timeout, invalid URL), ``disallowed-by-robots`` (also a
#: Crawl-delay over ``max_crawl_delay``), ``too-large`` (body over ``max_mb``, not saved).
_OK = {"saved", "already-saved", "unchanged", "changed-kept-both"}

_RETRY_STATUS = {429, 500, 502, 503, 504}
_CORPUS_FILE = "articles.jsonl"
_WORK_DIR = "_collect"


# ------------------------------------------------------------------- report
@dataclass
class CollectReport:
    """What :func:`collect` did: one row per URL, and where it wrote things."""

    out_dir: Path
    rows: list[dict[str, Any]] = field(default_factory=list)
    corpus_file: Path | None = None
    report_file: Path | None = None
    n_articles: int = 0

    def counts(self) -> dict[str, int]:
        """Number of URLs per outcome."""
        out: dict[str, int] = {}
        for r in self.rows:
            out[r["outcome"]] = out.get(r["outcome"], 0) + 1
        return dict(sorted(out.items()))

    def to_frame(self) -> Any:
        """The report as a DataFrame with :data:`REPORT_COLUMNS`."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=REPORT_COLUMNS)

    def summary(self) -> str:
        """One paragraph for the terminal."""
        counts = ", ".join(f"{k}: {v}" for k, v in self.counts().items()) or "nothing to do"
        lines = [f"collect: {len(self.rows)} URLs ({counts})",
                 f"wrote {self.corpus_file} ({self.n_articles} articles)",
                 f"report: {self.report_file}"]
        changed = [r["url"] for r in self.rows if r["outcome"] == "changed-kept-both"]
        if changed:
            lines.append(f"{len(changed)} page(s) changed since last saved; both versions kept: "
                         + ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else ""))
        failed = [r for r in self.rows if r["outcome"] not in _OK]
        if failed:
            lines.append(f"{len(failed)} URL(s) not fetched; see the report (first: "
                         f"{failed[0]['url']} -> {failed[0]['outcome']}: {failed[0]['error']})")
        return "\n".join(lines)


# ----------------------------------------------------------------- fetching
class _Fetched:
    __slots__ = ("status", "final_url", "headers", "body", "attempts")

    def __init__(self, status: int, final_url: str, headers: Any, body: bytes,
                 attempts: int) -> None:
        self.status, self.final_url, self.headers, self.body = status, final_url, headers, body
        self.attempts = attempts


class _Failed(Exception):
    def __init__(self, status: int | None, error: str, attempts: int, outcome: str = "failed"):
        super().__init__(error)
        self.status, self.error, self.attempts, self.outcome = status, error, attempts, outcome


class _Pacer:
    """Keeps requests to one host at least ``delay`` seconds apart."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.extra: dict[str, float] = {}
        self.last: dict[str, float] = {}

    def wait(self, host: str) -> None:
        gap = max(self.delay, self.extra.get(host, 0.0))
        if host in self.last:
            pause = self.last[host] + gap - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        self.last[host] = time.monotonic()


#: Default cap on one downloaded body (``collect(max_mb=)``): a larger body is not saved.
DEFAULT_MAX_MB = 32.0
#: Default longest robots.txt Crawl-delay honoured (``collect(max_crawl_delay=)``);
#: a host asking for more is skipped, with the reason in the report.
DEFAULT_MAX_CRAWL_DELAY = 60.0
_MAX_WAIT = 120.0  # no retry waits longer than this (Retry-After, backoff)


class _TooLarge(Exception):
    pass


class _Crawler:
    def __init__(self, *, delay: float, timeout: float, retries: int, backoff: float,
                 user_agent: str, max_bytes: int = int(DEFAULT_MAX_MB * 2**20),
                 max_crawl_delay: float = DEFAULT_MAX_CRAWL_DELAY) -> None:
        self.timeout, self.retries, self.backoff, self.user_agent = timeout, retries, backoff, user_agent
        self.max_bytes, self.max_crawl_delay = max_bytes, max_crawl_delay
        self.pacer = _Pacer(delay)
        self.robots: dict[str, urllib.robotparser.RobotFileParser | str] = {}
        self.too_slow: dict[str, str] = {}  # host -> reason (Crawl-delay over the cap)
        self._socks: list[socket.socket] = []  # of the fetch in progress (the watchdog's)
        self._expired = False
        crawler = self

        def _track(conn_cls: type) -> type:
            class Tracked(conn_cls):  # type: ignore[misc, valid-type]
                def connect(self) -> None:
                    super().connect()
                    crawler._socks.append(self.sock)
            return Tracked

        http_conn, https_conn = _track(http.client.HTTPConnection), _track(http.client.HTTPSConnection)

        class _HTTP(urllib.request.HTTPHandler):
            def http_open(self, req):  # type: ignore[override]
                return self.do_open(http_conn, req)

        class _HTTPS(urllib.request.HTTPSHandler):
            def https_open(self, req):  # type: ignore[override]
                kw = {"context": getattr(self, "_context", None)}
                if hasattr(self, "_check_hostname"):
                    kw["check_hostname"] = self._check_hostname
                return self.do_open(https_conn, req, **kw)

        class _Redirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[override]
                reason = crawler.disallowed(newurl)
                if reason:
                    raise _Failed(code, f"redirect to {newurl}: {reason}", 1, "disallowed-by-robots")
                crawler.pacer.wait(_host(newurl))
                return super().redirect_request(req, fp, code, msg, headers, newurl)

        self.opener = urllib.request.build_opener(_Redirect, _HTTP, _HTTPS)

    def _abort(self) -> None:
        """The watchdog: the whole fetch took longer than ``timeout``; cut it off."""
        self._expired = True
        for sock in list(self._socks):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _fetch_once(self, req: urllib.request.Request) -> _Fetched:
        """One request; connect, headers and body all within ``timeout`` seconds in
        total (a server sending one byte a second is cut off), the body read in
        chunks and refused beyond ``max_bytes``."""
        self._socks, self._expired = [], False
        deadline = time.monotonic() + self.timeout
        watchdog = threading.Timer(self.timeout, self._abort)
        watchdog.daemon = True
        watchdog.start()
        try:
            with self.opener.open(req, timeout=self.timeout) as resp:
                length = resp.headers.get("Content-Length", "")
                if length.strip().isdigit() and int(length) > self.max_bytes:
                    raise _TooLarge(f"Content-Length {int(length)} bytes")
                chunks, total = [], 0
                while True:
                    chunk = resp.read1(1 << 16)
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > self.max_bytes:
                        raise _TooLarge(f"more than {total} bytes")
                    chunks.append(chunk)
                    if time.monotonic() > deadline:
                        raise TimeoutError("body still arriving")
                if self._expired:
                    raise TimeoutError("cut off")
                return _Fetched(resp.status, resp.geturl(), resp.headers, b"".join(chunks), 0)
        except (OSError, HTTPException, ValueError) as exc:
            if self._expired and not isinstance(exc, urllib.error.HTTPError):
                raise TimeoutError(f"the whole fetch took longer than {self.timeout:g} s") from None
            raise
        finally:
            watchdog.cancel()
            self._socks = []

    # one HTTP request, retried
    def get(self, url: str) -> _Fetched:
        attempts = 0
        while True:
            attempts += 1
            self.pacer.wait(_host(url))
            retry_after = 0.0
            try:
                req = urllib.request.Request(url, headers={"User-Agent": self.user_agent,
                                                           "Accept": "text/html,*/*;q=0.8"})
                fetched = self._fetch_once(req)
                fetched.attempts = attempts
                return fetched
            except _Failed as exc:
                exc.attempts = attempts
                raise
            except _TooLarge as exc:
                raise _Failed(None, f"body larger than the {self.max_bytes / 2**20:g} MB cap "
                              f"({exc}); not saved; raise max_mb= if the page is genuine",
                              attempts, "too-large") from None
            except urllib.error.HTTPError as exc:
                status, error = exc.code, f"HTTP {exc.code} {exc.reason}"
                exc.close()
                if status not in _RETRY_STATUS:
                    raise _Failed(status, error, attempts) from None
                ra = exc.headers.get("Retry-After", "") if exc.headers else ""
                retry_after = min(float(ra), _MAX_WAIT) if ra.strip().isdigit() else 0.0
            except (TimeoutError, socket.timeout) as exc:
                status, error = None, f"timed out after {self.timeout:g} s ({exc})"
            except (UnicodeError, ValueError) as exc:  # a host name idna cannot encode, ...
                raise _Failed(None, f"invalid URL ({exc})", attempts) from None
            except urllib.error.URLError as exc:
                status = None
                if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                    error = f"timed out after {self.timeout:g} s"
                else:
                    error = f"connection failed: {exc.reason}"
            except (HTTPException, ConnectionError, OSError) as exc:
                status, error = None, f"connection failed: {exc!r}"
            if attempts > self.retries:
                raise _Failed(status, error, attempts)
            wait = min(max(self.backoff * 2 ** (attempts - 1), retry_after), _MAX_WAIT)
            log.info("collect: %s: %s; retry %d/%d in %.2g s", url, error, attempts,
                     self.retries, wait)
            time.sleep(wait)

    def _robots(self, url: str) -> urllib.robotparser.RobotFileParser | str:
        parts = urllib.parse.urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        if key in self.robots:
            return self.robots[key]
        rp: Any = urllib.robotparser.RobotFileParser(key + "/robots.txt")
        result: urllib.robotparser.RobotFileParser | str = rp
        # while robots.txt itself is fetched (it may redirect), allow it
        placeholder: Any = urllib.robotparser.RobotFileParser()
        placeholder.allow_all = True  # an attribute can_fetch reads (not in the stubs)
        self.robots[key] = placeholder
        try:
            got = self.get(key + "/robots.txt")
            rp.parse(_robots_text(got.body, _header_charset(got.headers)).splitlines())
        except _Failed as exc:
            if exc.status in (401, 403):
                rp.disallow_all = True
            elif exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                rp.allow_all = True
            else:
                result = f"robots.txt unreachable ({exc.error}); host skipped"
        rp.modified()
        if isinstance(result, urllib.robotparser.RobotFileParser):
            asked = rp.crawl_delay(self.user_agent)
            if asked:
                cd = float(asked)
                if not cd <= self.max_crawl_delay:  # also NaN
                    result = (f"robots.txt asks for Crawl-delay: {cd:g} s, more than "
                              f"max_crawl_delay={self.max_crawl_delay:g} s; host skipped (raise "
                              "max_crawl_delay to wait that long between its pages)")
                    log.warning("collect: %s: %s", parts.netloc, result)
                else:
                    self.pacer.extra[parts.netloc] = cd
        self.robots[key] = result
        return result

    def disallowed(self, url: str) -> str:
        """Empty string when robots.txt allows ``url``, else the reason."""
        rp = self._robots(url)
        if isinstance(rp, str):
            return rp
        if not rp.can_fetch(self.user_agent, url):
            return "disallowed by robots.txt"
        return ""


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc


# ------------------------------------------------------------------ charset
def _header_charset(headers: Any) -> str | None:
    if headers is None:
        return None
    cs = headers.get_content_charset() if hasattr(headers, "get_content_charset") else None
    return cs.lower() if cs else None


def _robots_text(body: bytes, charset: str | None) -> str:
    """robots.txt as text: rules are ASCII, so undecodable bytes cannot matter."""
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


# --------------------------------------------------------------- extraction
_SAPO_CLASS = re.compile(r"(^|[\s_-])(sapo|lead|summary|chapeau|excerpt|description|"
                         r"article[-_]?desc|detail[-_]?sapo|intro|tom[-_]?tat)($|[\s_-])", re.I)
_DATE_CLASS = re.compile(r"date|time|publish|ngay[-_]?dang|thoi[-_]?gian", re.I)
_AUTHOR_CLASS = re.compile(r"author|byline|tac[-_]?gia|writer|reporter", re.I)
_RELATED_XPATH = [
    '//*[contains(@class,"related") or contains(@class,"lien-quan") or contains(@class,"lienquan")'
    ' or contains(@class,"tin-khac") or contains(@class,"box-tin") or contains(@class,"readmore")'
    ' or contains(@class,"read-more") or contains(@class,"xem-them") or contains(@class,"more-news")]',
]
_BYLINE_PREFIX = re.compile(r"^(?:theo|bài\s*(?:và|,|&)?\s*ảnh|bài|tác\s+giả|pv|phóng\s+viên)\s*[:\-–]?\s+",
                            re.I)


def _looks_like_html(data: bytes) -> bool:
    head = data[:4096].lower()
    return any(t in head for t in (b"<html", b"<!doctype html", b"<body", b"<head", b"<p>",
                                   b"<div", b"<article"))


def _meta_values(tree: Any) -> dict[str, str]:
    """``<meta>`` contents by lower-cased property/name/itemprop, the first
    non-empty one of each (as the reader's HTML parser collects them)."""
    out: dict[str, str] = {}
    for node in tree.xpath("//meta[@content]"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower()
        value = (node.get("content") or "").strip()
        if key and value and key not in out:
            out[key] = value
    return out


def _meta(meta: dict[str, str], *keys: str) -> str:
    return next((meta[k] for k in keys if meta.get(k)), "")


def _clean(text: str | None) -> str:
    return normalize_text(text or "").strip()


def _visible_date(tree: Any, reference: datetime | None) -> tuple[DateInfo | None, str]:
    for node in tree.xpath("//time"):
        dt = node.get("datetime")
        if dt:
            info = meta_date(dt, reference=reference)
            if info:
                return info, "html:time[datetime]"
    for node in tree.xpath("//*[@class or @id]"):
        label = f"{node.get('class', '')} {node.get('id', '')}"
        if node.tag in ("script", "style", "meta") or not _DATE_CLASS.search(label):
            continue
        text = " ".join(node.text_content().split())
        if not text or len(text) > 120:
            continue
        info = find_publication_date(text, reference=reference)
        if info:
            return info, text
    return None, ""


def _first_class_text(tree: Any, pattern: re.Pattern[str], *, min_len: int, max_len: int) -> str:
    for node in tree.xpath("//body//*[@class]"):
        if node.tag in ("script", "style", "meta", "a", "img") or not pattern.search(node.get("class", "")):
            continue
        text = " ".join(node.text_content().split())
        if min_len <= len(text) <= max_len:
            return text
    return ""


def _title(tree: Any, meta_title: str) -> str:
    """The ``<h1>`` that agrees with the page's meta title (a logo can be an h1 too),
    else the longest ``<h1>``, else the meta title."""
    h1s = [t for t in (_clean(h.text_content()) for h in tree.xpath("//h1")) if t]
    if meta_title:
        agree = [t for t in h1s if t in meta_title or meta_title in t]
        if agree:
            return max(agree, key=len)
    return max(h1s, key=len) if h1s else meta_title


def _strip_tag(lead: str) -> tuple[str, str]:
    """``(lead without its outlet tag, tag)``: the reader's rule, :func:`civictext.ingest.pages.split_tag`."""
    got = split_tag(lead)
    return (got[1], got[0]) if got else (lead, "")


def _drop_leading(body: str, *prefixes: str) -> str:
    """Remove paragraphs at the top of ``body`` that repeat the title, lead or a date line."""
    paras = [p.strip() for p in body.split("\n") if p.strip()]
    drop = {normalize_text(p).strip() for p in prefixes if p}
    while paras and (paras[0] in drop or _strip_tag(paras[0])[0] in drop
                     or (len(paras[0]) < 60 and find_publication_date(paras[0]) is not None)):
        paras.pop(0)
    return "\n\n".join(paras)


def _plain_text_article(text: str, url: str | None, reference: datetime | None) -> dict[str, Any]:
    try:
        from civictext.ingest.reader import read_page  # written by the corpus reader; optional here
    except ImportError:
        read_page = None  # type: ignore[assignment]
    if read_page is not None:
        records = read_page(text)  # the article first, then any teasers
        row: dict[str, Any] = next((r for r in records if r.get("kind") == "article"), {})
        get = row.get
        return {"title": get("title", "") or "", "lead": get("lead", "") or "",
                "text": get("text", "") or "", "byline": get("byline", "") or "",
                "published": get("published", "") or "",
                "date_precision": get("date_precision", "") or "unknown",
                "date_evidence": get("date_evidence", "") or "", "source": get("source", "") or "",
                "source_tag": get("source_tag", "") or "", "url": url or "",
                "extractor": "corpus.read_page"}
    lines = [ln.strip() for ln in normalize_text(text).splitlines() if ln.strip()]
    info = find_publication_date("\n".join(lines), reference=reference)
    title = lines[0] if lines else ""
    body = [ln for ln in lines[1:] if not (info and ln.endswith(info.evidence) and len(ln) < 90)]
    return {"title": title, "lead": "", "text": "\n\n".join(body), "byline": "",
            "published": info.value if info else "",
            "date_precision": info.precision if info else "unknown",
            "date_evidence": info.evidence if info else "", "source": "", "source_tag": "",
            "url": url or "", "extractor": "plain-text"}


def _as_datetime(fetched_at: datetime | str | None) -> datetime | None:
    if fetched_at is None or isinstance(fetched_at, datetime):
        return fetched_at
    try:
        return datetime.fromisoformat(str(fetched_at).replace("Z", "+00:00"))
    except ValueError:
        raise ParameterError(f"extract_article: fetched_at must be a datetime or an ISO 8601 "
                             f"string such as '2024-11-25T09:15:00+07:00', got {fetched_at!r}"
                             ) from None


def extract_article(html_bytes: bytes, *, url: str | None = None,
                    fetched_at: datetime | str | None = None,
                    charset: str | None = None) -> dict[str, Any]:
    """Extract one news article from a page's raw bytes.

    The body comes from trafilatura (boilerplate, menus and related-article
    boxes removed; boxes whose class names say "related", "tin liên quan",
    "xem thêm" are pruned before extraction). The other fields are read in
    this order, first found wins:

    - title: the ``<h1>`` that agrees with trafilatura's title (og:title /
      <title>), else the longest ``<h1>``, else that title;
    - lead (sapo): an element whose class names it (``sapo``, ``lead``,
      ``summary``, ``description`` ...), else JSON-LD ``description``, else
      ``og:description``/``description`` meta; a leading outlet tag such as
      "(LĐTĐ)" or "TTO -" goes to ``source_tag`` (the reader's rule,
      :func:`civictext.ingest.pages.split_tag`); the lead is removed from the top of
      the body if trafilatura kept it there;
    - published: the JSON-LD article's ``datePublished``, then the ``<meta>``
      keys the reader uses too (:func:`civictext.ingest.pages.meta_published`:
      ``article:published_time``, ``itemprop=datePublished``, ``pubdate`` ...;
      evidence ``"html:json-ld datePublished"`` / ``"html:meta KEY"``), then
      ``<time datetime>``, then a
      visible date line in an element whose class names a date
      ("Thứ Hai, 25/11/2024 09:15 (GMT+7)", "2 giờ trước" against
      ``fetched_at``) via :func:`civictext.ingest.dates.find_publication_date`; a
      short date line at the top of the body is removed from it.
      trafilatura's own date guess is not used (it may infer a day from a
      URL or copyright line);
    - byline: trafilatura's author, else JSON-LD author, meta ``author``, or an
      element with class ``author``/``byline``; a leading "Theo", "Bài và ảnh:",
      "Tác giả:" is removed;
    - source: JSON-LD publisher, ``og:site_name``, trafilatura's site name, else
      the host name.

    A page that is not HTML (``text/plain``, like the bundled seed page) is
    read with :func:`civictext.ingest.reader.read_page`.

    Parameters
    ----------
    html_bytes : bytes
        The page exactly as received.
    url : str, optional
        Its (final) URL.
    fetched_at : datetime or ISO string, optional
        When it was fetched; resolves relative date lines.
    charset : str, optional
        The charset the server declared. Decoding is the reader's
        (:func:`civictext.ingest.pages.decode_html`): a byte-order mark, this
        charset, the ``<meta charset>``, then detection (UTF-8,
        windows-1258); bytes none of them explains raise
        :class:`~civictext.errors.CollectError` (never silently replaced), and
        :func:`collect` reports that page as not extracted.

    Raises
    ------
    CollectError
        The bytes cannot be decoded (see ``charset``), or trafilatura is missing.

    Returns
    -------
    dict
        ``title, lead, text`` (the body, paragraphs separated by ``"\\n\\n"``,
        without title and lead), ``byline, published`` (ISO at its precision or
        ``""``), ``date_precision`` (``day|month|year|unknown``),
        ``date_evidence, source, source_tag, url, extractor``. All text is
        normalised with :func:`civictext.text.normalize.normalize_text`.

    Examples
    --------
    >>> page = ('<html><head><meta property="article:published_time" '
    ...         'content="2024-11-25T09:15:00+07:00"></head><body><article>'
    ...         '<h1>Quận đẩy mạnh cải cách hành chính</h1>'
    ...         '<p>Ủy ban nhân dân quận tổ chức hội nghị tổng kết công tác cải cách hành chính, '
    ...         'đánh giá dịch vụ công trực tuyến và sự hài lòng của người dân.</p>'
    ...         '</article></body></html>').encode()
    >>> art = extract_article(page)
    >>> art["title"], art["published"], art["date_precision"]
    ('Quận đẩy mạnh cải cách hành chính', '2024-11-25T09:15', 'day')
    """
    if not isinstance(html_bytes, (bytes, bytearray)):
        raise ParameterTypeError(f"extract_article: html_bytes must be bytes (the raw page), "
                                 f"got {type(html_bytes).__name__}; use str.encode() for text")
    data = bytes(html_bytes)
    reference = _as_datetime(fetched_at)
    if reference is not None:
        reference = to_vietnam_time(reference)
    try:
        html, _ = decode_html(data, charset, meta_charset(data))
    except EncodingProblem as exc:
        raise CollectError(f"extract_article: {url or 'the page'} cannot be decoded: {exc.reason} "
                           "(for a fetched page, pass charset= its real encoding)") from None
    if not _looks_like_html(data):
        return _plain_text_article(html, url, reference)

    try:
        import lxml.html
        import trafilatura
    except ImportError as exc:
        raise CollectError(f"extract_article needs trafilatura for HTML pages ({exc}); "
                           f"install it with: pip install 'civictext[collect]'") from None

    tree = lxml.html.fromstring(html)
    doc = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False,
        favor_precision=True, prune_xpath=_RELATED_XPATH, deduplicate=False,
        # its date is not used (see above); the extensive search calls dateparser
        # over every locale and took 8 s on one page
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    got = doc.as_dict() if doc is not None and hasattr(doc, "as_dict") else (doc or {})
    ld = jsonld_article([n.text_content() for n in tree.xpath('//script[@type="application/ld+json"]')])
    meta = _meta_values(tree)

    title = _title(tree, _clean(got.get("title")) or _clean(ld.get("headline")))

    lead = _clean(_first_class_text(tree, _SAPO_CLASS, min_len=20, max_len=1500)) \
        or _clean(ld.get("description")) or _clean(_meta(meta, "og:description", "description"))
    lead, source_tag = _strip_tag(lead)

    info, evidence = meta_published(meta, ld, reference=reference)
    if info is None:
        info, evidence = _visible_date(tree, reference)

    byline = _clean(got.get("author")) or _clean(jsonld_names(ld.get("author"))) \
        or _clean(_meta(meta, "author", "article:author")) \
        or _clean(_first_class_text(tree, _AUTHOR_CLASS, min_len=2, max_len=80))
    byline = _BYLINE_PREFIX.sub("", byline)
    source = _clean(jsonld_names(ld.get("publisher"))) or _clean(_meta(meta, "og:site_name")) \
        or _clean(got.get("sitename")) or (_host(url) if url else "")

    body = _clean(got.get("text"))
    date_line = evidence if info and not evidence.startswith(("json-ld", "meta", "html:")) else ""
    body = _drop_leading(body, title, lead, date_line)
    return {"title": title, "lead": lead, "text": body, "byline": byline,
            "published": info.value if info else "",
            "date_precision": info.precision if info else "unknown",
            "date_evidence": evidence, "source": source, "source_tag": source_tag,
            "url": url or "", "extractor": f"trafilatura {trafilatura.__version__}"}


# ------------------------------------------------------------------- collect
def _read_urls(urls_file: str | Path) -> list[str]:
    path = Path(urls_file)
    if not path.is_file():
        raise CollectError(f"collect: URL list {path} does not exist or is not a file; "
                           f"give a text file with one http(s) URL a line")
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise CollectError(f"collect: URL list {path} is not UTF-8 text ({exc.reason} at byte "
                           f"{exc.start}); save it as UTF-8, one URL a line") from None
    urls: list[str] = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#") and line not in urls:
            urls.append(line)
    if not urls:
        raise CollectError(f"collect: URL list {path} holds no URLs (blank lines and lines "
                           f"starting with # are ignored)")
    return urls


def _url_problem(url: str) -> str:
    """Why ``url`` cannot be fetched ("" when it can): scheme, host syntax, labels."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        return f"invalid URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "not an http(s) URL"
    if not host:
        return "invalid URL (no host name)"
    if ":" in host:  # an IPv6 literal, already checked by urlsplit
        return ""
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        return f"invalid host name {host!r} ({exc}); each dot-separated label needs 1 to 63 characters"
    labels = ascii_host.rstrip(".").split(".")
    if len(ascii_host) > 253 or any(not 0 < len(lab) <= 63 for lab in labels):
        return (f"invalid host name {host!r}: each dot-separated label needs 1 to 63 "
                "characters, the whole name at most 253")
    return ""


def _url_key(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def _suffix(content_type: str) -> str:
    ct = content_type.split(";")[0].strip().lower()
    if "html" in ct or "xml" in ct:
        return ".html"
    if ct.startswith("text/"):
        return ".txt"
    return ".bin"


def _sidecars(folder: Path, key: str, url: str) -> list[dict[str, Any]]:
    """Valid sidecars of ``url`` (its raw file present with the recorded hash), oldest first."""
    found = []
    for side in sorted(folder.glob(f"{key}*.json")):
        try:
            meta = json.loads(side.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        raw = folder / str(meta.get("raw_file", ""))
        if meta.get("url") != url or not raw.is_file():
            continue
        if hashlib.sha256(raw.read_bytes()).hexdigest() != meta.get("sha256"):
            log.warning("collect: %s no longer matches its sidecar %s; fetching again", raw, side)
            continue
        found.append(meta)
    return sorted(found, key=lambda m: str(m.get("fetched_at", "")))


def _save(folder: Path, key: str, fetched: _Fetched, url: str,
          user_agent: str) -> tuple[dict[str, Any], str]:
    """Write raw bytes + sidecar; never overwrite different bytes. Returns (meta, outcome)."""
    content_type = fetched.headers.get("Content-Type", "") if fetched.headers else ""
    digest = hashlib.sha256(fetched.body).hexdigest()
    suffix = _suffix(content_type)
    raw = folder / f"{key}{suffix}"
    outcome = "saved"
    if raw.exists():
        if hashlib.sha256(raw.read_bytes()).hexdigest() == digest:
            outcome = "unchanged"
        else:
            raw = folder / f"{key}.{digest[:8]}{suffix}"
            outcome = "changed-kept-both"
    if not raw.exists():
        with atomic_write(raw, "wb") as fh:
            fh.write(fetched.body)
    header_cs = _header_charset(fetched.headers)
    meta_cs = meta_charset(fetched.body)
    meta = {
        "url": url, "final_url": fetched.final_url,
        "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "status": fetched.status, "content_type": content_type,
        "charset": header_cs or meta_cs,
        "charset_source": "header" if header_cs else ("meta" if meta_cs else None),
        "sha256": digest, "bytes": len(fetched.body), "raw_file": raw.name,
        "attempts": fetched.attempts, "user_agent": user_agent, "civictext": __version__,
    }
    write_json(raw.with_suffix(".json"), meta)
    return meta, outcome


def _record(meta: dict[str, Any], folder: Path) -> dict[str, Any]:
    data = (folder / meta["raw_file"]).read_bytes()
    art = extract_article(data, url=meta.get("final_url") or meta["url"],
                          fetched_at=meta.get("fetched_at"), charset=meta.get("charset"))
    return {"id": "u" + hashlib.sha256(meta["url"].encode("utf-8")).hexdigest()[:15],
            "title": art["title"], "text": art["text"], "lead": art["lead"],
            "published": art["published"], "date_precision": art["date_precision"],
            "date_evidence": art["date_evidence"], "source": art["source"],
            "source_tag": art["source_tag"], "url": meta.get("final_url") or meta["url"],
            "byline": art["byline"], "fetched_at": meta.get("fetched_at", ""),
            "raw_file": f"{folder.name}/{meta['raw_file']}", "sha256": meta.get("sha256", ""),
            "extractor": art["extractor"]}


def _earlier_records(raw_root: Path, done: set[str]) -> list[dict[str, Any]]:
    """Records of pages saved by earlier runs whose URL is not in this run's list,
    in URL order (the latest valid copy of each)."""
    if not raw_root.is_dir():
        return []
    urls: dict[str, Path] = {}
    for side in sorted(raw_root.glob("*/*.json")):
        try:
            url = json.loads(side.read_text(encoding="utf-8")).get("url")
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(url, str) and url not in done:
            urls.setdefault(url, side.parent)
    out = []
    for url in sorted(urls):
        saved = _sidecars(urls[url], _url_key(url), url)
        if not saved:
            continue
        try:
            out.append(_record(saved[-1], urls[url]))
        except Exception as exc:  # one bad page must not stop the rebuild
            log.warning("collect: could not extract %s saved earlier: %r", url, exc)
    return out


def _write_report(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=REPORT_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in REPORT_COLUMNS})
    with atomic_write(path) as fh:
        fh.write(buf.getvalue())


def collect(urls_file: str | Path, out_dir: str | Path, *, delay: float = 2.0,
            timeout: float = 20, retries: int = 3, backoff: float = 1.0,
            user_agent: str = DEFAULT_USER_AGENT, refresh: bool = False,
            progress: bool = False, max_mb: float = DEFAULT_MAX_MB,
            max_crawl_delay: float = DEFAULT_MAX_CRAWL_DELAY) -> CollectReport:
    """Fetch the pages listed in ``urls_file`` politely and build a corpus in ``out_dir``.

    See the module docstring for the folder layout and the politeness rules.
    Rerunning on the same ``out_dir`` is cheap: URLs already saved are not
    fetched again (unless ``refresh=True``), and ``articles.jsonl`` is rebuilt
    from every saved page, so ``civictext.ingest.reader.read_corpus(out_dir)`` reads it.

    Parameters
    ----------
    urls_file : path
        Text file (UTF-8), one ``http(s)://`` URL a line; blank lines and
        ``#`` comments ignored; repeated URLs fetched once.
    out_dir : path
        Output folder (created).
    delay : float
        Minimum seconds between two requests to the same host (robots.txt's
        Crawl-delay wins when longer).
    timeout : float
        Seconds one attempt may take in total (connecting, headers and body): a
        server that sends a byte a second is cut off at this deadline.
    retries : int
        Extra attempts after a 5xx/429 answer, a timeout or a dropped connection
        (4xx other than 429 are not retried).
    backoff : float
        Seconds before the first retry; doubled each time (a server's
        ``Retry-After`` wins when longer, capped at 120 s).
    user_agent : str
        Sent with every request and matched against robots.txt rules.
    refresh : bool
        Fetch pages again even if saved; changed bytes are kept next to the old.
    progress : bool
        Show a progress bar (tqdm).
    max_mb : float
        Largest body saved, in MB (default 32): a larger one is read no further,
        not saved, and reported as ``too-large``.
    max_crawl_delay : float
        Longest robots.txt ``Crawl-delay`` honoured, in seconds (default 60): a
        host asking for more is skipped (``disallowed-by-robots``, with the
        reason), instead of the crawl sleeping for days.

    Returns
    -------
    CollectReport
        ``rows`` (one dict per URL with :data:`REPORT_COLUMNS`), ``counts()``,
        ``to_frame()``, ``summary()``, ``corpus_file``, ``report_file``.

    Examples
    --------
    >>> report = collect("urls.txt", "my_corpus", delay=2.0)  # doctest: +SKIP
    >>> print(report.summary())  # doctest: +SKIP
    """
    ok = all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
             for v in (delay, timeout, retries, backoff, max_mb, max_crawl_delay))
    if (not ok or delay < 0 or timeout <= 0 or retries < 0 or backoff < 0 or max_mb <= 0
            or max_crawl_delay < 0 or retries != int(retries)):
        raise CollectError(f"collect: need finite numbers with delay >= 0, timeout > 0, "
                           f"retries >= 0 (whole), backoff >= 0, max_mb > 0, "
                           f"max_crawl_delay >= 0; got delay={delay!r}, timeout={timeout!r}, "
                           f"retries={retries!r}, backoff={backoff!r}, max_mb={max_mb!r}, "
                           f"max_crawl_delay={max_crawl_delay!r}")
    urls = _read_urls(urls_file)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise CollectError(f"collect: output {out} exists and is not a folder; give a folder path")
    work = out / _WORK_DIR
    raw_root = work / "raw"
    crawler = _Crawler(delay=delay, timeout=timeout, retries=int(retries), backoff=backoff,
                       user_agent=user_agent, max_bytes=int(max_mb * 2**20),
                       max_crawl_delay=max_crawl_delay)
    report = CollectReport(out_dir=out)
    records: list[dict[str, Any]] = []
    iterator: Iterable[str] = urls
    if progress:
        from tqdm.auto import tqdm

        iterator = tqdm(urls, desc="collect", unit="page")
    for url in iterator:
        row: dict[str, Any] = {"url": url, "attempts": 0, "extracted": False}
        problem = _url_problem(url)
        if problem:
            row.update(outcome="failed", error=problem)
            report.rows.append(row)
            continue
        parts = urllib.parse.urlsplit(url)
        key = _url_key(url)
        folder = raw_root / re.sub(r"[^A-Za-z0-9.\-]", "_", parts.netloc)
        saved = _sidecars(folder, key, url) if folder.is_dir() else []
        meta: dict[str, Any] | None = saved[-1] if saved else None
        if meta is not None and not refresh:
            row["outcome"] = "already-saved"
        else:
            reason = crawler.disallowed(url)
            if reason:
                row.update(outcome="disallowed-by-robots", error=reason)
            else:
                try:
                    fetched = crawler.get(url)
                    meta, row["outcome"] = _save(folder, key, fetched, url, user_agent)
                    row["attempts"] = fetched.attempts
                except _Failed as exc:
                    row.update(outcome=exc.outcome, status=exc.status, error=exc.error,
                               attempts=exc.attempts)
            if meta is not None and row["outcome"] not in _OK:
                row["error"] = f"{row.get('error')}; kept the copy saved earlier"
        if meta is not None:
            row.update(status=meta.get("status"), final_url=meta.get("final_url"),
                       raw_file=f"{_WORK_DIR}/raw/{folder.name}/{meta['raw_file']}",
                       fetched_at=meta.get("fetched_at"))
            try:
                records.append(_record(meta, folder))
                row["extracted"] = True
            except Exception as exc:  # one bad page must not stop the crawl
                log.warning("collect: could not extract %s: %r", url, exc)
                row["error"] = f"extraction failed: {exc!r}"
        report.rows.append(row)
        log.info("collect: %s -> %s", url, row["outcome"])

    # every page saved by earlier runs too (another URL list into the same folder),
    # as the docstring promises: articles.jsonl is rebuilt from every saved page
    done = {r["url"] for r in report.rows}
    records.extend(_earlier_records(raw_root, done))
    report.corpus_file = out / _CORPUS_FILE
    with atomic_write(report.corpus_file) as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False, sort_keys=False) + "\n")
    report.n_articles = len(records)
    report.report_file = work / "report.csv"
    _write_report(report.report_file, report.rows)
    return report

