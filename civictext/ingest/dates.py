"""Vietnamese dates: the one date module of the reader and the crawler.

:func:`parse_date` reads a date expression as Vietnamese news sites print it,
:func:`parse_meta_date` a metadata value (a ``published`` field, a feed date,
``article:published_time``, JSON-LD ``datePublished``), :func:`is_date_line`
and :func:`find_publication_date` the date line printed near the top of a page,
:func:`url_timestamp` the creation time some outlets put in their links.
:func:`civictext.ingest.reader.read_corpus` and :func:`civictext.ingest.crawl.collect` both call
these, so a date reads the same whichever way a page arrived.

**Time-zone policy.** Dates are stored as Vietnam wall-clock time (UTC+7, the
time a Vietnamese reader saw on the page), without an offset:

- a timestamp with an offset (``Z``, ``+00:00``, ``-0500``, ``UTC``, ``GMT``,
  an RFC 2822 ``+0000``) is converted to UTC+7 and stored as local wall time:
  ``"2025-08-07T22:00:00Z"`` is ``"2025-08-08T05:00"``, and
  ``"2025-08-07T22:00:00+07:00"`` stays ``"2025-08-07T22:00"``;
- the offsets ``+07:06`` and ``+07:07`` are read as ``+07:00``: they are the
  local mean time of Hồ Chí Minh City that a feed gets when it sets the zone
  with ``datetime.replace(tzinfo=pytz.timezone("Asia/Ho_Chi_Minh"))`` (a
  well-known pytz mistake); the wall time is the outlet's own;
- a timestamp without an offset is taken as Vietnam local time, as printed;
- an offset printed in words next to a day-month-year ("(GMT+7)") is not read:
  Vietnamese sites print local time;
- a date without a time of day is never shifted (its day is not known to be
  affected by a conversion);
- an aware ``reference`` (a page's fetch time) is converted to UTC+7 too.

**Years** outside 1900–2100 (:data:`MIN_YEAR`, :data:`MAX_YEAR`) are refused
everywhere: a year outside is a typing error or a placeholder, not a news date.

A parsed date is a :class:`DateInfo`: ``value`` is ISO 8601 at its precision
(``"2024"``, ``"2024-11"``, ``"2024-11-25"``, ``"2024-11-25T09:15"``),
``precision`` is ``"day" | "month" | "year"`` (a time of day counts as
``"day"``), ``evidence`` the exact words it came from. A day is never invented
when only a month or year is known, and a year is never guessed when only a day
and month are printed ("Sáng 12/3, ...").

Formats understood by :func:`parse_date`:

- day-month-year with ``/``, ``-`` or ``.``: ``"25/11/2024"``, ``"25-11-2024"``,
  with a time before or after: ``"25/11/2024 - 09:15"``, ``"09:15 25/11/2024"``,
  ``"Thứ Hai, 25/11/2024 09:15 (GMT+7)"``, ``"25/11/2024 9h15"``;
- words: ``"ngày 25 tháng 11 năm 2024"``;
- ISO 8601: ``"2024-11-25"``, ``"2024-11-25T09:15:00+07:00"`` (offsets as in
  the policy above);
- month precision: ``"tháng 11/2024"``, ``"tháng 11 năm 2024"``, ``"11/2024"``
  only after "tháng";
- year precision: ``"năm 2019"`` or ``"2019"``, only when that is the *whole*
  expression (a year mentioned inside a sentence is not a publication date);
- relative, resolved against ``reference`` (the time the page was fetched):
  ``"2 giờ trước"``, ``"30 phút trước"``, ``"3 ngày trước"``, ``"2 tuần trước"``,
  ``"hôm qua"``, ``"hôm kia"``, ``"hôm nay"`` (day precision, no time of day:
  "2 giờ trước" is only as exact as the hour), ``"3 tháng trước"`` (month),
  ``"2 năm trước"`` (year). Without ``reference`` they give ``None``.

Impossible dates ("31/02/2024", "25/13/2024", "24:00") are rejected, never
repaired.

Examples
--------
>>> parse_date("Thứ Hai, 25/11/2024 09:15 (GMT+7)")
DateInfo(value='2024-11-25T09:15', precision='day', evidence='25/11/2024 09:15')
>>> parse_date("tháng 11/2024").value
'2024-11'
>>> parse_date("2025-08-07T22:00:00Z").value
'2025-08-08T05:00'
>>> from datetime import datetime
>>> parse_date("hôm qua", reference=datetime(2024, 11, 25, 8, 0)).value
'2024-11-24'
"""
from __future__ import annotations

import email.utils
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Callable, Iterator

from civictext.errors import ParameterTypeError

__all__ = ["DateInfo", "parse_date", "parse_meta_date", "meta_date", "find_publication_date",
           "is_date_line", "url_timestamp", "to_vietnam_time", "VIETNAM_TZ", "MIN_YEAR",
           "MAX_YEAR"]

#: Vietnam time (UTC+7, no daylight saving): every stored date is wall time here.
VIETNAM_TZ = timezone(timedelta(hours=7))
_VN_TZ = VIETNAM_TZ
#: The years a date may have (inclusive); others are refused.
MIN_YEAR, MAX_YEAR = 1900, 2100
#: Offsets that are pytz's local mean time of Asia/Ho_Chi_Minh, read as +07:00.
_LMT_OFFSETS = (timedelta(hours=7, minutes=6), timedelta(hours=7, minutes=7))


def to_vietnam_time(stamp: datetime) -> datetime:
    """``stamp`` as naive Vietnam wall time: an aware datetime is converted to
    UTC+7 (``+07:06``/``+07:07`` read as ``+07:00``), a naive one is taken as
    Vietnam time already and returned unchanged.

    >>> from datetime import timezone
    >>> to_vietnam_time(datetime(2025, 8, 7, 22, 0, tzinfo=timezone.utc))
    datetime.datetime(2025, 8, 8, 5, 0)
    >>> to_vietnam_time(datetime(2025, 8, 7, 22, 0))
    datetime.datetime(2025, 8, 7, 22, 0)
    """
    off = stamp.utcoffset()
    if off is None:
        return stamp
    if off in _LMT_OFFSETS:
        return stamp.replace(tzinfo=None)
    return stamp.astimezone(VIETNAM_TZ).replace(tzinfo=None)


def _offset(tz: str | None) -> timezone | None:
    """``"Z"``, ``"UTC"``, ``"GMT"``, ``"+07:00"``, ``"+0700"`` -> a timezone (None if no offset)."""
    if not tz:
        return None
    tz = tz.strip().upper()
    if tz in ("Z", "UTC", "GMT"):
        return timezone.utc
    digits = tz[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    if delta >= timedelta(hours=24):
        return None
    return timezone(-delta if tz[0] == "-" else delta)


def _stamp(y: Any, mo: Any = None, d: Any = None, h: Any = None, mi: Any = None,
           tz: str | None = None) -> tuple[str, str] | None:
    """The one validator and formatter of every date the module reads: year in
    range, a real day, a real time; an offset applied as the policy says.
    Returns ``(value, precision)`` or None."""
    try:
        stamp = datetime(int(y), int(mo or 1), int(d or 1), int(h or 0), int(mi or 0))
    except (ValueError, OverflowError):
        return None
    if mo is None:
        out = (f"{stamp.year:04d}", "year")
    elif d is None:
        out = (f"{stamp.year:04d}-{stamp.month:02d}", "month")
    elif h is None:
        out = (stamp.date().isoformat(), "day")
    else:
        zone = _offset(tz)
        if zone is not None:
            stamp = to_vietnam_time(stamp.replace(tzinfo=zone))
        out = (stamp.strftime("%Y-%m-%dT%H:%M"), "day")
    return out if MIN_YEAR <= stamp.year <= MAX_YEAR else None


@dataclass(frozen=True)
class DateInfo:
    """A date read from text.

    Attributes
    ----------
    value : str
        ISO 8601 at its precision: ``"2024"``, ``"2024-11"``, ``"2024-11-25"`` or
        ``"2024-11-25T09:15"``.
    precision : str
        ``"day"``, ``"month"`` or ``"year"``.
    evidence : str
        The exact words of the input the date was read from.
    """

    value: str
    precision: str
    evidence: str


# ----------------------------------------------------------------- patterns
_SEP = r"[/.\-]"
_TIME = r"(?P<{h}>[01]?\d|2[0-3])\s*(?::|h|g|giờ)\s*(?P<{m}>[0-5]\d)(?::[0-5]\d)?"
_DMY = rf"(?P<d>\d{{1,2}})\s*{_SEP}\s*(?P<mo>\d{{1,2}})\s*{_SEP}\s*(?P<y>\d{{4}})"

_ISO_RE = re.compile(
    r"(?<!\d)(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<m>\d{2})(?::\d{2}(?:\.\d+)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?(?!\d)"
)
_WORDS_RE = re.compile(
    r"(?:ngày\s+)?(?<!\d)(?P<d>\d{1,2})\s+tháng\s+(?P<mo>\d{1,2})\s*(?:,\s*)?năm\s+(?P<y>\d{4})(?!\d)",
    re.IGNORECASE,
)
# time first ("09:15 25/11/2024", "09:15, 25/11/2024", "09:15 - 25/11/2024")
_TIME_DMY_RE = re.compile(
    r"(?<![\d/])" + _TIME.format(h="h", m="m") + r"\s*(?:[,|\-–]\s*)?(?:ngày\s+)?"
    + r"(?:[^\W\d_]+\s*[^\W\d_]*\s*,\s*)?" + _DMY + r"(?![\d/])",
    re.IGNORECASE,
)
# date first, optional time after ("25/11/2024 09:15", "25/11/2024 - 09:15", "25/11/2024, 9h15")
_DMY_TIME_RE = re.compile(
    r"(?<![\d/])" + _DMY + r"(?:\s*(?:[,|\-–]|lúc)?\s*" + _TIME.format(h="h", m="m") + r")?(?![\d/:])",
    re.IGNORECASE,
)
_MONTH_RE = re.compile(
    r"tháng\s+(?P<mo>\d{1,2})\s*(?:/|-|,?\s*năm\s+)\s*(?P<y>\d{4})(?!\d)", re.IGNORECASE
)
_YEAR_ONLY_RE = re.compile(r"^\s*(?:năm\s+)?(?P<y>\d{4})\s*$", re.IGNORECASE)
_REL_RE = re.compile(
    r"(?P<n>\d+)\s*(?P<unit>giây|phút|tiếng|giờ|ngày|tuần|tháng|năm)\s+trước", re.IGNORECASE
)
_REL_WORD_RE = re.compile(r"\b(?P<w>hôm\s+qua|hôm\s+kia|hôm\s+nay)\b", re.IGNORECASE)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _valid_year(y: int) -> bool:
    return MIN_YEAR <= y <= MAX_YEAR


def _iso(m: re.Match[str]) -> tuple[str, str] | None:
    return _stamp(m["y"], m["mo"], m["d"], m["h"], m["m"], m["tz"])


def _dmy(m: re.Match[str]) -> tuple[str, str] | None:
    if "h" in m.re.groupindex and m["h"] is not None:
        return _stamp(m["y"], m["mo"], m["d"], m["h"], m["m"])
    return _stamp(m["y"], m["mo"], m["d"])


def _month(m: re.Match[str]) -> tuple[str, str] | None:
    return _stamp(m["y"], m["mo"])


# Absolute patterns, most specific first. Each handler returns (value, precision)
# or None when the match is not a real date (it is then skipped).
_ABSOLUTE: list[tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[str, str] | None]]] = [
    (_ISO_RE, _iso),
    (_TIME_DMY_RE, _dmy),
    (_DMY_TIME_RE, _dmy),
    (_WORDS_RE, _dmy),
    (_MONTH_RE, _month),
]


def _absolute_matches(text: str) -> Iterator[tuple[int, DateInfo]]:
    taken: list[tuple[int, int]] = []
    for pattern, handler in _ABSOLUTE:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue  # inside a longer match already read
            parsed = handler(m)
            taken.append(m.span())
            if parsed is not None:
                yield m.start(), DateInfo(parsed[0], parsed[1], m.group(0).strip())


def _minus_months(ref: datetime, n: int) -> tuple[int, int]:
    total = ref.year * 12 + (ref.month - 1) - n
    return total // 12, total % 12 + 1


def _relative(text: str, reference: datetime | None) -> DateInfo | None:
    if reference is None:
        return None
    m = _REL_RE.search(text)
    if m:
        n, unit = int(m["n"]), m["unit"].lower()
        if unit in ("tháng", "năm"):
            if unit == "năm":
                return DateInfo(f"{reference.year - n:04d}", "year", m.group(0))
            y, mo = _minus_months(reference, n)
            return DateInfo(f"{y:04d}-{mo:02d}", "month", m.group(0))
        step = {"giây": timedelta(seconds=n), "phút": timedelta(minutes=n),
                "giờ": timedelta(hours=n), "tiếng": timedelta(hours=n),
                "ngày": timedelta(days=n), "tuần": timedelta(weeks=n)}[unit]
        return DateInfo((reference - step).date().isoformat(), "day", m.group(0))
    w = _REL_WORD_RE.search(text)
    if w:
        back = {"hôm nay": 0, "hôm qua": 1, "hôm kia": 2}[re.sub(r"\s+", " ", w["w"].lower())]
        return DateInfo((reference - timedelta(days=back)).date().isoformat(), "day", w.group(0))
    return None


def parse_date(text: str, *, reference: datetime | None = None) -> DateInfo | None:
    """Parse one date expression as Vietnamese news sites print it.

    The first valid absolute date in ``text`` wins; a relative expression is
    used only when there is no absolute one and ``reference`` is given; a bare
    year only when it is the whole of ``text``. See the module docstring for
    every format.

    Parameters
    ----------
    text : str
        A short string holding the date ("Thứ Hai, 25/11/2024 09:15 (GMT+7)").
    reference : datetime, optional
        The moment relative expressions are counted from (the page's
        ``fetched_at``, in Vietnam time); if aware, it is converted to UTC+7.

    Returns
    -------
    DateInfo or None
        ``None`` when no valid date is found (impossible dates like 31/02 are
        rejected).

    Examples
    --------
    >>> parse_date("ngày 25 tháng 11 năm 2024")
    DateInfo(value='2024-11-25', precision='day', evidence='ngày 25 tháng 11 năm 2024')
    >>> parse_date("31/02/2024") is None
    True
    >>> parse_date("năm 2019").precision
    'year'
    """
    if not isinstance(text, str):
        raise ParameterTypeError(f"parse_date: text must be a str, got {type(text).__name__}; "
                                 "pass the date as text")
    text = _nfc(text)
    if reference is not None:
        reference = to_vietnam_time(reference)
    found = sorted(_absolute_matches(text), key=lambda t: t[0])
    if found:
        return found[0][1]
    rel = _relative(text, reference)
    if rel is not None:
        return rel
    year = _YEAR_ONLY_RE.match(text)
    if year and _valid_year(int(year["y"])):
        return DateInfo(year["y"], "year", text.strip())
    return None


# ------------------------------------------------------------ metadata values
_META_ISO = re.compile(r"^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2})(?:[T ](\d{1,2}):(\d{2})"
                       r"(?::\d{2}(?:[.,]\d+)?)?)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?|UTC|GMT)?$", re.I)
_META_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T?(\d{2})(\d{2})(?:\d{2})?)?$")
_META_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ ,T]+(\d{1,2})[:h](\d{2}))?")
_META_MY = re.compile(r"^(\d{1,2})[/.-](\d{4})$")


def parse_meta_date(value: Any) -> tuple[str, str] | None:
    """A metadata date value -> ``(iso_at_its_precision, precision)`` or None.

    For values that are meant to be a date (a ``published`` field, a feed's
    date, ``article:published_time``): the whole value must be one of ISO 8601
    (``2019``, ``2019-05``, ``2019-05-12``, ``2019-05-12T09:15:00+07:00``),
    ``YYYYMMDD[HHMM[SS]]``, ``DD/MM/YYYY [HH:MM]``, ``MM/YYYY`` or an RFC 2822
    feed date. An offset is applied as the module's time-zone policy says
    (converted to Vietnam time; none: Vietnam time already).

    >>> parse_meta_date("2025-08-07T22:00:00+07:00")
    ('2025-08-07T22:00', 'day')
    >>> parse_meta_date("2025-08-07T22:00:00Z")
    ('2025-08-08T05:00', 'day')
    >>> parse_meta_date("2019")
    ('2019', 'year')
    """
    if value is None or isinstance(value, bool):
        return None
    s = str(value).strip()
    if not s or len(s) > 64:
        return None
    return _parse_meta_str(s)


@lru_cache(maxsize=65536)
def _parse_meta_str(s: str) -> tuple[str, str] | None:
    m = _META_ISO.match(s)
    if m:
        return _stamp(*m.groups())
    m = _META_COMPACT.match(s)
    if m:
        return _stamp(*m.groups())
    m = _META_DMY.match(s)
    if m:
        d, mo, y, h, mi = m.groups()
        return _stamp(y, mo, d, h, mi)
    m = _META_MY.match(s)
    if m:
        return _stamp(m.group(2), m.group(1))
    try:
        dt = email.utils.parsedate_to_datetime(s)
    except (TypeError, ValueError, IndexError):
        return None
    dt = to_vietnam_time(dt)
    return _stamp(dt.year, dt.month, dt.day, dt.hour, dt.minute)


def meta_date(value: Any, *, reference: datetime | None = None) -> DateInfo | None:
    """A date from a metadata value (a feed field, a ``<meta>`` tag, JSON-LD,
    ``<time datetime>``): :func:`parse_meta_date` first, then, for a value that
    is free text ("Thứ Hai, 25/11/2024 09:15"), :func:`parse_date`.
    ``evidence`` is the value itself.

    >>> meta_date("2024-11-25T02:15:00Z")
    DateInfo(value='2024-11-25T09:15', precision='day', evidence='2024-11-25T02:15:00Z')
    """
    if value is None or isinstance(value, bool):
        return None
    s = _nfc(str(value)).strip()
    got = parse_meta_date(s)
    if got is not None:
        return DateInfo(got[0], got[1], s)
    return parse_date(s, reference=reference) if s else None


# An article id that is a creation timestamp at the end of a link, as Tuổi Trẻ
# writes it: "...-20250809083703498.htm" (yyyyMMddHHmmss + ms) or, since 2026,
# "...-100260617071820758.htm" ("100" + yyMMddHHmmss + ms).
_URL_STAMP = re.compile(r"-(?:(20\d{2})|100(\d{2}))(\d{2})(\d{2})(\d{2})(\d{2})\d{2,}\.html?$")
_URL_STAMP_HOSTS = ("tuoitre.vn",)


def url_timestamp(url: str) -> str | None:
    """The creation time a news link carries in its id, ``YYYY-MM-DDTHH:MM``
    (Vietnam time), or None.

    Only for outlets whose ids are timestamps (Tuổi Trẻ, ``tuoitre.vn``).

    >>> url_timestamp("https://tuoitre.vn/mot-bai-bao-20250809083703498.htm")
    '2025-08-09T08:37'
    >>> url_timestamp("https://tuoitre.vn/mot-bai-khac-100260617071820758.htm")
    '2026-06-17T07:18'
    >>> url_timestamp("https://vnexpress.net/mot-bai-4924163.html") is None
    True
    """
    if not url or not any(h in url for h in _URL_STAMP_HOSTS):
        return None
    m = _URL_STAMP.search(url.split("?", 1)[0])
    if not m:
        return None
    y4, y2, mo, d, h, mi = m.groups()
    got = _stamp(y4 or f"20{y2}", mo, d, h, mi)
    return got[0] if got else None


# ------------------------------------------------------ publication date line
_WEEKDAYS = re.compile(
    r"\b(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|2|3|4|5|6|7)|chủ\s+nhật|cn|t[2-7])\b", re.IGNORECASE
)
_DATELINE_WORDS = re.compile(
    r"\b(?:cập\s+nhật|đăng\s+(?:ngày|lúc)|ngày\s+đăng|xuất\s+bản|thời\s+gian|đăng|lúc|ngày|"
    r"gmt\s*[+-]\s*\d+|utc\s*[+-]?\s*\d*|sáng|chiều|tối|trưa|am|pm)\b",
    re.IGNORECASE,
)
#: A date line is short, and once the date, weekday, "(GMT+7)", "Cập nhật" and
#: punctuation are removed, at most this many words remain (an author name,
#: an outlet tag): "Minh Anh | Thứ Hai, 25/11/2024 09:15".
_DATELINE_MAX_CHARS = 90
_DATELINE_MAX_LEFT_WORDS = 5
_DATELINE_TOP_LINES = 15


#: Words that make a date an event's date, not the page's: "Từ 1/1/2025",
#: "hạn sử dụng trước ngày 31/01/2023", "vào ngày 26/5/2021".
_EVENT_WORDS = frozenset("từ đến tới trước sau vào hạn kể dự khoảng hết hạn".split())
_BULLET = re.compile(r"^\s*[-–•*+>·]")


def _is_date_line(line: str, info: DateInfo) -> bool:
    if len(line) > _DATELINE_MAX_CHARS or _BULLET.match(line):
        return False  # a list item is body text ("- Thời gian: 08:30, ngày 25/04/2021")
    rest = line.replace(info.evidence, " ", 1)
    rest = _WEEKDAYS.sub(" ", rest)
    rest = _DATELINE_WORDS.sub(" ", rest)
    words = re.findall(r"[^\W_]+", rest)
    if any(w.lower() in _EVENT_WORDS for w in words):
        return False
    return len(words) <= _DATELINE_MAX_LEFT_WORDS


def is_date_line(line: str, *, reference: datetime | None = None) -> DateInfo | None:
    """The date of ``line`` when the line is a publication date line, else None.

    The one date-line test of the package (the page reader uses it to take date
    lines out of a page's text, :func:`find_publication_date` to pick the
    first): the line is short (at most 90 characters), holds a date finer than a
    year, and once the date, a weekday, "(GMT+7)", "Cập nhật", "Ngày đăng" and
    punctuation are removed, at most five words (an author's name) remain, none
    of them a word that makes it an event's date ("từ", "đến", "trước", "vào",
    "hạn" ...); a list item ("- Thời gian: 25/04/2021") is not a date line.

    >>> is_date_line("Minh Anh | Thứ Hai, 25/11/2024 09:15 (GMT+7)").value
    '2024-11-25T09:15'
    >>> is_date_line("Từ 1/1/2025, quận áp dụng quy trình mới") is None
    True
    """
    line = line.strip()
    if not line or len(line) > _DATELINE_MAX_CHARS:
        return None
    info = parse_date(line, reference=reference)
    if info is None or info.precision == "year":
        return None  # a bare year line is a heading or a number, not a date line
    return info if _is_date_line(line, info) else None


def find_publication_date(text: str, *, reference: datetime | None = None) -> DateInfo | None:
    """The publication date printed as a date line near the top of a page.

    Conservative on purpose: only the first 15 non-empty lines are looked at,
    and a line counts only when it is short (at most 90 characters) and is
    mostly the date — after removing the date itself, a weekday, "(GMT+7)",
    "Cập nhật", "Ngày đăng" and punctuation, at most five words (an author's
    name) may remain, none of them a word that makes it an event's date
    ("từ", "đến", "trước", "vào", "hạn" ...), and the line is not a list item
    ("- Thời gian: 25/04/2021"). A date inside a sentence of the body
    ("Từ 1/1/2025, ...") is never taken, nor a bare year. Relative lines ("2 giờ trước") are used
    when ``reference`` is given.

    Parameters
    ----------
    text : str
        Page text, lines separated by ``"\\n"``.
    reference : datetime, optional
        When the page was fetched (for relative date lines).

    Returns
    -------
    DateInfo or None

    Examples
    --------
    >>> page = "Hà Nội đẩy mạnh cải cách hành chính\\nThứ Hai, 25/11/2024 09:15 (GMT+7)\\n"
    >>> find_publication_date(page).value
    '2024-11-25T09:15'
    >>> find_publication_date("Tiêu đề\\nTừ 1/1/2025, quận áp dụng quy trình mới cho mọi hồ sơ.") is None
    True
    """
    if not isinstance(text, str):
        raise ParameterTypeError(f"find_publication_date: text must be a str, got "
                                 f"{type(text).__name__}; pass the page's text")
    seen = 0
    for raw in _nfc(text).splitlines():
        line = raw.strip()
        if not line:
            continue
        seen += 1
        if seen > _DATELINE_TOP_LINES:
            break
        info = is_date_line(line, reference=reference)
        if info is not None:
            return info
    return None
