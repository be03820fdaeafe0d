"""Vietnamese date parsing for news pages (used by ``corpus`` and ``collect``).

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
- ISO 8601: ``"2024-11-25"``, ``"2024-11-25T09:15:00+07:00"`` (an offset other
  than +07:00 is converted to Vietnam time, UTC+7, so the day is the day a
  Vietnamese reader saw);
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
>>> from datetime import datetime
>>> parse_date("hôm qua", reference=datetime(2024, 11, 25, 8, 0)).value
'2024-11-24'
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterator

__all__ = ["DateInfo", "parse_date", "find_publication_date"]

_VN_TZ = timezone(timedelta(hours=7))


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
    return 1900 <= y <= 2100


def _day(y: str, mo: str, d: str) -> date | None:
    try:
        out = date(int(y), int(mo), int(d))
    except ValueError:
        return None
    return out if _valid_year(out.year) else None


def _with_time(day: date, h: str | None, m: str | None) -> tuple[str, str]:
    if h is None or m is None:
        return day.isoformat(), "day"
    return f"{day.isoformat()}T{int(h):02d}:{int(m):02d}", "day"


def _iso(m: re.Match[str]) -> tuple[str, str] | None:
    day = _day(m["y"], m["mo"], m["d"])
    if day is None:
        return None
    if m["h"] is None:
        return day.isoformat(), "day"
    if int(m["h"]) > 23 or int(m["m"]) > 59:
        return None
    stamp = datetime(day.year, day.month, day.day, int(m["h"]), int(m["m"]))
    tz = m["tz"]
    if tz:
        if tz == "Z":
            offset = timedelta(0)
        else:
            digits = tz[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            if tz[0] == "-":
                offset = -offset
        stamp = stamp.replace(tzinfo=timezone(offset)).astimezone(_VN_TZ).replace(tzinfo=None)
    return stamp.strftime("%Y-%m-%dT%H:%M"), "day"


def _dmy(m: re.Match[str]) -> tuple[str, str] | None:
    day = _day(m["y"], m["mo"], m["d"])
    if day is None:
        return None
    return _with_time(day, m["h"], m["m"]) if "h" in m.re.groupindex else (day.isoformat(), "day")


def _month(m: re.Match[str]) -> tuple[str, str] | None:
    y, mo = int(m["y"]), int(m["mo"])
    if not (1 <= mo <= 12 and _valid_year(y)):
        return None
    return f"{y:04d}-{mo:02d}", "month"


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
        raise TypeError(f"parse_date: text must be a str, got {type(text).__name__}")
    text = _nfc(text)
    if reference is not None and reference.tzinfo is not None:
        reference = reference.astimezone(_VN_TZ).replace(tzinfo=None)
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
        raise TypeError(f"find_publication_date: text must be a str, got {type(text).__name__}")
    seen = 0
    for raw in _nfc(text).splitlines():
        line = raw.strip()
        if not line:
            continue
        seen += 1
        if seen > _DATELINE_TOP_LINES:
            break
        if len(line) > _DATELINE_MAX_CHARS:
            continue
        info = parse_date(line, reference=reference)
        if info is None or info.precision == "year":
            continue  # a bare year line is a heading or a number, not a date line
        if _is_date_line(line, info):
            return info
    return None
