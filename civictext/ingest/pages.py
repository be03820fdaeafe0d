"""Scraped news pages -> article + teaser parts (private helper of :mod:`civictext.ingest.reader`).

Plain-text pages (a news page saved as text, like the bundled seed) have no
markup, so their structure is recovered with a few general heuristics:

* **furniture markers**: lines such as "Có thể bạn quan tâm", "Nên xem",
  "Tin khác", "Xem thêm", "Phiên bản di động" (compared accent- and
  case-insensitively, see ``FURNITURE``). The first one after the article
  body starts ends the article; what follows is related-article teasers.
* **"(TAG)" leads**: a paragraph opening with a short parenthesised outlet tag,
  "(LĐTĐ) ...", "(PLO) - ...", "(Dân trí) - ...", or a bare "TTO - ..." is a
  sapo: the article's lead, or a teaser's summary. The tag is kept as
  ``source_tag`` and dropped from the lead.
* **head**: the line before the lead is the title; a line before that is the
  kicker. A title printed twice in a row counts once. Without a tagged lead
  the first line is the title (the kicker is a first line ending in ":").
* **image alt-text lines**: an ASCII slug of lowercase words followed by a
  number of 3+ digits, optionally followed by the image's text
  ("nhan len nhung bong hoa dep 92389 ..."). Never body text; when the slug is
  the folded title (or its beginning), the number is the article's id. The line right after a
  bare alt-text line is the photo's caption; so is any line ending in
  "(Ảnh: ...)".
* **headings**: a one-line paragraph, short, with no closing punctuation,
  followed by more body.
* **byline**: the last body line when it is a short name-like line ("Hoa
  Nguyễn", "Minh Anh - Hoàng Long", "Theo TTXVN").
* **date lines** near the top ("Thứ Hai, 25/11/2024 09:15") are taken out of
  the text and handed to :func:`civictext.ingest.dates.find_publication_date`.

HTML pages are read with the standard library's ``html.parser``: title from
``og:title``/``<h1>``/``<title>``, lead from ``.sapo``/``og:description``/meta
description, paragraphs from ``<article>`` (else every ``<p>``), captions from
``<figcaption>``, date from the JSON-LD article's ``datePublished`` or the
``<meta>`` keys of :data:`DATE_META_KEYS`.

**Shared with the crawler** (:func:`civictext.ingest.crawl.extract_article`, which
keeps trafilatura for the body of a fetched page): the HTML rules that decide
what a page *is* live here once, and both read pages through them:

* charset sniffing and decoding, :func:`decode_html` (a BOM, then the declared
  charsets, then detection; bytes no encoding explains are an
  :class:`~civictext.ingest.encodings.EncodingProblem`: the reader skips and reports
  the file, the crawler reports the page as not extracted; nothing is ever
  silently replaced);
* the JSON-LD walk, :func:`jsonld_article` (the page's article object);
* the outlet tag, :func:`split_tag` ("(LĐTĐ) ...", "TTO - ...");
* the publication date from metadata, :func:`meta_published` (one order of
  keys, one evidence label), read with :func:`civictext.ingest.dates.meta_date`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from civictext.ingest import dates as _dates
from civictext.ingest import encodings as _encodings
from civictext.text.normalize import fold, normalize_text

# ------------------------------------------------------------------ helpers


def _key(line: str) -> str:
    """Accent- and case-free comparison key of a short line ("" for long lines)."""
    if len(line) > 80:
        return ""
    return " ".join(re.sub(r"[^\w]+", " ", fold(line).lower()).split())


def slug(text: str) -> str:
    """ASCII slug words of ``text``: ``"Nhân lên những bông hoa đẹp" -> "nhan len nhung bong hoa dep"``."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", fold(text).lower()).split())


#: Page furniture (folded keys). A marker line ends the article body.
FURNITURE = frozenset({
    "co the ban quan tam", "nen xem", "tin khac", "xem them", "phien ban di dong",
    "phien ban may tinh", "tin lien quan", "bai lien quan", "doc them", "tin cung chuyen muc",
    "cung chuyen muc", "tin moi", "tin moi nhat", "tin moi hon", "tin cu hon", "doc nhieu",
    "doc nhieu nhat", "xem nhieu", "xem nhieu nhat", "tin noi bat", "tin tieu diem",
    "binh luan", "y kien ban doc", "gui binh luan", "chia se", "in bai", "gui bai",
    "tro ve", "quay lai", "len dau trang", "ve trang chu", "tu khoa", "tags", "tag",
    "theo doi chung toi", "tin anh", "video", "tin video", "bai viet lien quan",
    "co the ban muon xem", "dang ky nhan tin", "ban can biet",
})
# Lines that open with a marker and carry a link text: "Xem thêm: Hà Nội ...".
_INLINE_FURNITURE = re.compile(
    r"^(?:xem them|doc them|tin lien quan|bai lien quan|>>|\u00bb)\s*[:>\-\u00bb]", re.I)

_TAG_PAREN = re.compile(r"^\(\s*([^()\n]{1,30}?)\s*\)\s*[-\u2013\u2014:]?\s*(?=\S)")
_TAG_BARE = re.compile(r"^([A-ZĐ][A-ZĐ0-9.]{1,14})\s+[-\u2013\u2014]\s+(?=\S)")


def split_tag(line: str) -> tuple[str, str] | None:
    """``"(LĐTĐ) Qua phong trào ..." -> ("LĐTĐ", "Qua phong trào ...")``, else None.

    A tag is short (at most 3 words, 30 characters) and starts with a capital.
    """
    m = _TAG_PAREN.match(line) or _TAG_BARE.match(line)
    if not m:
        return None
    tag = m.group(1).strip()
    if not tag[:1].isupper() or len(tag.split()) > 3 or any(c in tag for c in ",;"):
        return None
    rest = line[m.end():].strip()
    return (tag, rest) if rest else None


def alt_text(line: str, title_slug: str = "") -> tuple[str, str, str] | None:
    """Parse an image alt-text line into ``(slug, number, trailing text)``.

    The slug is lowercase ASCII words; it must be the folded title, or at least
    three words long. Linear in the line's length (no regex backtracking).
    """
    words = line.split(" ", 40)
    for i, w in enumerate(words[:40]):
        if i >= 1 and w.isdigit() and w.isascii() and len(w) >= 3:
            s = " ".join(words[:i])
            if i >= 3 or (title_slug and (title_slug + " ").startswith(s + " ")):
                rest = " ".join(words[i + 1:]) if i + 1 < len(words) else ""
                return s, w, rest
            return None
        if not (w.isascii() and w.isalnum() and w == w.lower()) or not w:
            return None
    return None


_CAPTION = re.compile(r"\((?:Ảnh|Ảnh minh họa|Nguồn ảnh|Ảnh minh hoạ)\s*[:\-]?[^()]*\)\s*$|^Ảnh( minh họa)?\s*:", re.I)
_SENT_END = tuple('.!?…;:,"\')”')


def is_date_line(line: str) -> bool:
    """A short line that is mostly a date ("Thứ Hai, 25/11/2024 09:15 (GMT+7)"): the
    one test of :func:`civictext.ingest.dates.is_date_line`."""
    return _dates.is_date_line(line) is not None


def _is_heading(line: str) -> bool:
    return (len(line) <= 150 and len(line.split()) <= 20 and line[:1].isupper()
            and not line.endswith(_SENT_END))


def _is_byline(line: str) -> bool:
    if len(line) > 60 or line.endswith(tuple('.!?…;:,')):
        return False
    words = re.sub(r"\([^()]*\)$", "", line).replace("-", " ").replace("\u2013", " ").split()
    if not words:
        return False
    if words[0] in ("Theo", "Nguồn:", "Nguồn") and len(words) <= 8:
        return True
    return len(words) <= 6 and all(w[:1].isupper() or w in ("và", "&", ",") for w in words)


def _blocks(text: str) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in text.split("\n"):
        line = line.strip()
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


# ------------------------------------------------------- shared with the crawler
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)


def meta_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 kB (``<meta charset>`` or
    ``http-equiv`` Content-Type), lower-cased; None when it declares none."""
    m = _META_CHARSET.search(data[:4096])
    if not m:
        return None
    cs = m.group(1).decode("ascii").lower()
    return "utf-8" if cs == "utf8" else cs


def decode_html(data: bytes, *declared: str | None, forced: str | None = None) -> tuple[str, str]:
    """Decode a page's bytes; return ``(text, encoding_used)``.

    The one decoding policy of the reader and the crawler: ``forced`` (the
    reader's ``encoding=``) is used alone, its errors reported; else a byte-order
    mark wins, then each ``declared`` charset (the server's header, the
    ``<meta>`` tag) that decodes the bytes, then detection
    (:func:`civictext.ingest.encodings.detect_encoding`: UTF-8, windows-1258).
    Raises :class:`~civictext.ingest.encodings.EncodingProblem` (with the reason and
    the fix) when nothing explains the bytes, or the text is in a legacy font
    encoding: bad bytes are never silently replaced.
    """
    if forced:
        return _encodings.decode_bytes(data, forced)
    if any(data.startswith(bom) for bom, _ in _encodings._BOMS):
        declared = ()  # a BOM wins over a declared charset
    for cs in declared:
        if not cs:
            continue
        try:
            return _encodings.decode_bytes(data, cs)
        except _encodings.EncodingProblem as exc:
            if exc.kind == "legacy":
                raise
    return _encodings.decode_bytes(data, None)


#: schema.org types of a page's article object in JSON-LD.
ARTICLE_TYPES = frozenset({"NewsArticle", "Article", "ReportageNewsArticle", "BlogPosting",
                           "AnalysisNewsArticle", "OpinionNewsArticle", "WebPage"})


def jsonld_article(blobs: list[str]) -> dict:
    """The article object of a page's JSON-LD blocks (``{}`` when there is none).

    The first object whose ``@type`` is an article type (:data:`ARTICLE_TYPES`)
    and that has a ``headline`` or ``datePublished``, looked for breadth-first in
    each block and its ``@graph``; a ``WebPage`` gives way to a real article
    found later. Blocks that are not valid JSON are ignored.
    """
    best: dict = {}
    for blob in blobs:
        try:
            data = json.loads(blob or "")
        except (ValueError, RecursionError):
            continue
        queue = [data]
        while queue:
            obj = queue.pop(0)
            if isinstance(obj, list):
                queue.extend(obj)
            elif isinstance(obj, dict):
                types = obj.get("@type")
                types = set(types) if isinstance(types, list) else {types}
                if types & ARTICLE_TYPES and (obj.get("headline") or obj.get("datePublished")):
                    if not best or "WebPage" in (best.get("@type"),):
                        best = obj
                graph = obj.get("@graph")
                queue.extend(graph if isinstance(graph, list) else [])
    return best


def jsonld_names(value: object) -> str:
    """A JSON-LD person/organisation value as text: ``"A"``, ``{"name": "A"}``, a list of them."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        name = value.get("name", "")
        return name if isinstance(name, str) else ""
    if isinstance(value, list):
        return ", ".join(n for n in (jsonld_names(v) for v in value) if n)
    return ""


#: ``<meta>`` keys holding a page's publication date, in the order they are tried
#: (after the JSON-LD article's ``datePublished``).
DATE_META_KEYS = ("article:published_time", "datepublished", "pubdate", "publishdate",
                  "publish-date", "dc.date.issued", "dc.date", "date")


def meta_published(meta: dict[str, str], article: dict, *,
                   reference: object = None) -> tuple[_dates.DateInfo | None, str]:
    """The publication date a page's metadata gives, and where it came from.

    ``meta``: ``<meta>`` values by lower-cased ``property``/``name``/``itemprop``;
    ``article``: :func:`jsonld_article`. The JSON-LD ``datePublished`` first, then
    :data:`DATE_META_KEYS`; the first value :func:`civictext.ingest.dates.meta_date`
    reads wins. Evidence: ``"html:json-ld datePublished"`` or ``"html:meta KEY"``.
    """
    candidates = [(article.get("datePublished"), "html:json-ld datePublished")]
    candidates += [(meta.get(k), f"html:meta {k}") for k in DATE_META_KEYS]
    for value, where in candidates:
        if value and isinstance(value, (str, int)):
            info = _dates.meta_date(value, reference=reference)  # type: ignore[arg-type]
            if info is not None:
                return info, where
    return None, ""


# ------------------------------------------------------------------ txt pages


@dataclass
class Page:
    """The parts of one scraped page (all strings normalised)."""

    title: str = ""
    kicker: str = ""
    lead: str = ""
    source_tag: str = ""
    headings: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    byline: str = ""
    body: list[tuple[str, str]] = field(default_factory=list)  # (kind, text) in order
    page_id: str = ""
    date_lines: list[str] = field(default_factory=list)
    teasers: list[dict] = field(default_factory=list)  # title, lead, source_tag

    @property
    def text(self) -> str:
        parts = [self.title, self.lead] + [t for _, t in self.body]
        return "\n\n".join(p for p in parts if p)


def parse_text_page(raw: str) -> Page:
    """Split a plain-text scraped page into its parts (see the module docstring)."""
    text = normalize_text(raw)
    blocks = _blocks(text)
    lines = [(bi, ln) for bi, b in enumerate(blocks) for ln in b]
    page = Page()
    # Find the tagged lead within the first lines, before any long paragraph.
    lead_at = None
    for i, (_, ln) in enumerate(lines[:12]):
        if split_tag(ln) and len(ln.split()) >= 6:
            lead_at = i
            break
        if len(ln.split()) > 40:
            break
    head: list[str] = []
    if lead_at is not None:
        head_lines = [ln for _, ln in lines[:lead_at]]
        start = lead_at + 1
        page.source_tag, page.lead = split_tag(lines[lead_at][1])  # type: ignore[misc]
    else:
        head_lines, start = [], 0
        for i, (_, ln) in enumerate(lines[:6]):
            if _key(ln) in FURNITURE or is_date_line(ln):
                head_lines.append(ln)
                start = i + 1
                continue
            if not _is_heading(ln) and not ln.endswith(":"):
                break
            head_lines.append(ln)
            start = i + 1
            if not ln.endswith(":"):
                break
    for ln in head_lines:
        if is_date_line(ln):
            page.date_lines.append(ln)
        elif _key(ln) in FURNITURE or (head and ln == head[-1]):
            continue
        elif not alt_text(ln):
            head.append(ln)
    if head:
        page.title = head[-1]
        # the kicker sits right above the title: "Phong trào ...:" (not a section label)
        above = head_lines[head_lines.index(head[-1]) - 1] if head_lines.index(head[-1]) else ""
        if (len(head) >= 2 and above == head[-2] and len(above.split()) <= 30
                and (above.endswith(":") or len(above.split()) >= 3)):
            page.kicker = above
    title_slug = slug(page.title)

    # Body, until the first furniture marker that follows some prose (share buttons or
    # "Bình luận" printed right under the lead do not end the article).
    body_lines = lines[start:]
    end = len(body_lines)
    prose = bool(page.lead)
    for i, (_, ln) in enumerate(body_lines):
        if _key(ln) in FURNITURE:
            if prose:
                end = i
                break
        elif len(ln.split()) >= 15 and not alt_text(ln):
            prose = True
    ids: list[str] = []
    caption_next = False
    prev_block = None
    items: list[list] = []  # [kind, text, block]
    for i, (bi, ln) in enumerate(body_lines[:end]):
        same_block = bi == prev_block
        prev_block = bi
        at = alt_text(ln, title_slug)
        if at:
            if title_slug and (title_slug + " ").startswith(at[0] + " "):
                ids.append(at[1])  # slug = the (possibly shortened) folded title
            caption_next = not at[2]
            continue
        if caption_next and same_block:
            items.append(["caption", ln, bi])
            caption_next = False
            continue
        caption_next = False
        if i < 3 and is_date_line(ln) and not page.date_lines:
            page.date_lines.append(ln)
            continue
        if _INLINE_FURNITURE.match(fold(ln[:40]).lower()) or _key(ln) in FURNITURE:
            continue
        if not page.title:
            page.title = ln
            title_slug = slug(ln)
            continue
        if items and items[-1][1] == ln:  # doubled line
            continue
        if _CAPTION.search(ln):
            items.append(["caption", ln, bi])
        else:
            items.append(["paragraph", ln, bi])
    # byline: the last item, when name-like
    if items and items[-1][0] == "paragraph" and _is_byline(items[-1][1]) and (
            len(items) > 1 or end < len(body_lines)):
        page.byline = items.pop()[1]
    # headings: one-line block, heading-like, followed by more body
    block_sizes: dict[int, int] = {}
    for bi, _ in body_lines[:end]:
        block_sizes[bi] = block_sizes.get(bi, 0) + 1
    for j, it in enumerate(items):
        if (it[0] == "paragraph" and block_sizes.get(it[2]) == 1 and j + 1 < len(items)
                and _is_heading(it[1])):
            it[0] = "heading"
    page.body = [(k, t) for k, t, _ in items]
    page.headings = [t for k, t in page.body if k == "heading"]
    page.captions = [t for k, t in page.body if k == "caption"]
    page.page_id = ids[0] if ids else ""
    page.teasers = _teasers([ln for _, ln in body_lines[end:]])
    return page


def _teasers(lines: list[str]) -> list[dict]:
    teasers: list[dict] = []
    for ln in lines:
        if _key(ln) in FURNITURE or alt_text(ln) or is_date_line(ln):
            continue
        tagged = split_tag(ln)
        if tagged and teasers and not teasers[-1]["lead"]:
            teasers[-1]["source_tag"], teasers[-1]["lead"] = tagged
        elif teasers and ln == teasers[-1]["title"]:
            continue  # title printed twice
        elif tagged and teasers:
            teasers[-1]["lead"] += "\n" + tagged[1]
        else:
            teasers.append({"title": ln, "lead": "", "source_tag": ""})
    return teasers


# ------------------------------------------------------------------ HTML


_SKIP_TAGS = {"script", "style", "nav", "header", "footer", "aside", "noscript", "form",
              "template", "svg", "button", "select"}
_BLOCK_TAGS = {"p", "h1", "h2", "h3", "h4", "figcaption", "li", "blockquote", "time"}
_LEAD_CLASSES = ("sapo", "lead", "summary", "description", "chapeau", "excerpt")
_AUTHOR_CLASSES = ("author", "byline", "tacgia", "tac-gia")
_DATE_CLASSES = ("date", "time", "publish")


class _HTMLCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self.jsonld: list[str] = []
        self.items: list[tuple[str, str, bool, str]] = []  # (tag, text, in_article, classes)
        self._stack: list[tuple[str, str]] = []
        self._skip = 0
        self._article = 0
        self._buf: list[str] = []
        self._cur: tuple[str, str] | None = None
        self._in_title = False
        self._in_jsonld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            k = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if k and a.get("content", "").strip() and k not in self.meta:
                self.meta[k] = a["content"].strip()
            return
        if tag == "link" and a.get("rel", "").lower() == "canonical":
            self.meta.setdefault("canonical", a.get("href", ""))
            return
        if tag in ("br", "img", "hr", "input", "link", "source", "wbr", "area", "col"):
            if tag == "br":
                self._buf.append("\n")
            return
        if tag == "script" and "ld+json" in a.get("type", ""):
            self._in_jsonld = True
            self._buf_json: list[str] = []
            return
        self._stack.append((tag, a.get("class", "")))
        if tag in _SKIP_TAGS:
            self._skip += 1
        if tag == "article" or "itemprop" in a and a["itemprop"] == "articleBody":
            self._article += 1
        if tag == "title":
            self._in_title = True
        cls = a.get("class", "").lower() + " " + a.get("itemprop", "").lower()
        marked = any(c in cls for c in _LEAD_CLASSES + _AUTHOR_CLASSES + _DATE_CLASSES)
        if (tag in _BLOCK_TAGS or marked) and self._cur is None and not self._skip:
            self._flush()
            self._cur = (tag, cls)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._in_jsonld:
            self._in_jsonld = False
            self.jsonld.append("".join(self._buf_json))
            return
        if tag == "title":
            self._in_title = False
        # pop to the matching tag (HTML in the wild is not always balanced)
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                for t, c in self._stack[i:]:
                    if t in _SKIP_TAGS:
                        self._skip = max(0, self._skip - 1)
                    if t == "article":
                        self._article = max(0, self._article - 1)
                if self._cur and any(t == self._cur[0] for t, _ in self._stack[i:]):
                    self._flush()
                del self._stack[i:]
                break

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            self._buf_json.append(data)
        elif self._in_title:
            self.title += data
        elif not self._skip:
            self._buf.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._buf).split())
        if text and self._cur:
            self.items.append((self._cur[0], text, self._article > 0, self._cur[1]))
        self._buf = []
        self._cur = None

    def close(self) -> None:
        super().close()
        self._flush()


def parse_html_page(raw: str) -> dict:
    """Extract title, lead, headings, paragraphs, captions, byline and date hints.

    Returns a dict with keys ``title, lead, source_tag, headings, captions,
    byline, body`` (list of ``(kind, text)``), ``published`` (a
    :class:`~civictext.ingest.dates.DateInfo` or None) and ``date_meta_key`` (where it came from),
    ``date_lines`` (visible date text), ``url``, ``site``.
    """
    p = _HTMLCollector()
    p.feed(raw)
    p.close()
    m = p.meta
    items = p.items
    if any(in_art for _, _, in_art, _ in items):
        items = [it for it in items if it[2]]
    h1 = next((t for tag, t, _, _ in items if tag == "h1"), "")
    article = jsonld_article(p.jsonld)
    headline = article.get("headline")
    title = normalize_text(m.get("og:title") or h1 or p.title
                           or (headline if isinstance(headline, str) else ""))
    lead = ""
    for tag, t, _, cls in items:
        if any(c in cls for c in _LEAD_CLASSES):
            lead = t
            break
    lead = normalize_text(lead or m.get("og:description") or m.get("description") or "")
    tag_split = split_tag(lead)
    source_tag = ""
    if tag_split:
        source_tag, lead = tag_split
    byline = ""
    for tag, t, _, cls in items:
        if any(c in cls for c in _AUTHOR_CLASSES):
            byline = normalize_text(t)
    if not byline:
        byline = normalize_text(m.get("author") or m.get("article:author") or
                                jsonld_names(article.get("author")))
    date_lines = [t for tag, t, _, cls in items
                  if (tag == "time" or any(c in cls for c in _DATE_CLASSES)) and is_date_line(t)]
    body: list[tuple[str, str]] = []
    seen = {title, lead, byline, *date_lines}
    for tag, t, _, cls in items:
        t = normalize_text(t)
        if not t or t in seen or any(c in cls for c in _LEAD_CLASSES + _AUTHOR_CLASSES):
            continue
        tagged = split_tag(t)
        if tagged and tagged[1] == lead:
            continue
        if _key(t) in FURNITURE:
            continue
        if tag in ("h2", "h3", "h4"):
            body.append(("heading", t))
        elif tag == "figcaption" or "caption" in cls:
            body.append(("caption", t))
        elif tag in ("p", "blockquote", "li"):
            body.append(("paragraph", t))
        else:
            continue
        seen.add(t)
    published, key = meta_published(m, article)
    return {
        "title": title, "lead": lead, "source_tag": source_tag, "byline": byline,
        "body": body,
        "headings": [t for k, t in body if k == "heading"],
        "captions": [t for k, t in body if k == "caption"],
        "published": published, "date_meta_key": key, "date_lines": date_lines,
        "url": m.get("og:url") or m.get("canonical", ""),
        "site": m.get("og:site_name", ""),
    }
