"""Vietnamese date parsing for news pages (used by ``corpus`` and ``collect``).

INTERFACE ONLY in this commit; the implementation lands with the corpus builder.

A parsed date is a :class:`DateInfo`: ``value`` is ISO 8601 at its precision
(``"2024"``, ``"2024-11"``, ``"2024-11-25"``, ``"2024-11-25T09:15"``),
``precision`` is ``"day" | "month" | "year"``, ``evidence`` the exact words it
came from. A day is never invented when only a month or year is known.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["DateInfo", "parse_date", "find_publication_date"]


@dataclass(frozen=True)
class DateInfo:
    value: str
    precision: str
    evidence: str


def parse_date(text: str, *, reference: datetime | None = None) -> DateInfo | None:
    """Parse one date expression ("25/11/2024", "ngày 25 tháng 11 năm 2024",
    "Thứ Hai, 25/11/2024 09:15 (GMT+7)", "2 giờ trước" against ``reference``)."""
    raise NotImplementedError


def find_publication_date(text: str, *, reference: datetime | None = None) -> DateInfo | None:
    """The publication date printed as a date line near the top of a page
    (not any date mentioned in the body), or None."""
    raise NotImplementedError
