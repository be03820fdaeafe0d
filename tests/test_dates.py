"""Vietnamese date parsing: every format news sites print, and what is refused."""
from __future__ import annotations

import unicodedata
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from civictext.ingest.dates import DateInfo, find_publication_date, parse_date

REF = datetime(2024, 11, 25, 10, 30)  # a page fetched at 10:30 Vietnam time


@pytest.mark.parametrize("text, value", [
    ("25/11/2024", "2024-11-25"),
    ("25-11-2024", "2024-11-25"),
    ("5.6.2023", "2023-06-05"),
    ("ngày 25 tháng 11 năm 2024", "2024-11-25"),
    ("Ngày 8 tháng 7 năm 2022", "2022-07-08"),
    ("Thứ Hai, 25/11/2024 09:15 (GMT+7)", "2024-11-25T09:15"),
    ("Thứ hai, 25/11/2024, 09:15 (GMT+7)", "2024-11-25T09:15"),
    ("25/11/2024 - 09:15", "2024-11-25T09:15"),
    ("09:15 25/11/2024", "2024-11-25T09:15"),
    ("09:15 - Thứ Hai, 25/11/2024", "2024-11-25T09:15"),
    ("Cập nhật: 25/11/2024 9h15", "2024-11-25T09:15"),
    ("2024-11-25", "2024-11-25"),
    ("2024-11-25T09:15:00+07:00", "2024-11-25T09:15"),
])
def test_day_formats(text, value):
    info = parse_date(text)
    assert info is not None and info.value == value and info.precision == "day"
    assert info.evidence in text


def test_iso_with_other_offset_is_converted_to_vietnam_time():
    # 20:15 UTC is 03:15 the next day in Hanoi: the day a reader saw it
    assert parse_date("2024-11-25T20:15:00Z").value == "2024-11-26T03:15"


@pytest.mark.parametrize("text", ["tháng 11/2024", "Tháng 11 năm 2024", "tháng 11-2024"])
def test_month_precision_never_invents_a_day(text):
    assert parse_date(text) == DateInfo("2024-11", "month", text)


def test_year_only_when_the_whole_expression_is_a_year():
    assert parse_date("năm 2019") == DateInfo("2019", "year", "năm 2019")
    assert parse_date(" 2019 ").value == "2019"
    # a year inside a sentence is not a date expression
    assert parse_date("Năm 2019, quận đạt nhiều kết quả") is None


@pytest.mark.parametrize("text, value, precision", [
    ("2 giờ trước", "2024-11-25", "day"),
    ("12 giờ trước", "2024-11-24", "day"),  # crosses midnight
    ("30 phút trước", "2024-11-25", "day"),
    ("3 ngày trước", "2024-11-22", "day"),
    ("2 tuần trước", "2024-11-11", "day"),
    ("hôm qua", "2024-11-24", "day"),
    ("Hôm kia", "2024-11-23", "day"),
    ("hôm nay", "2024-11-25", "day"),
    ("3 tháng trước", "2024-08", "month"),
    ("2 năm trước", "2022", "year"),
])
def test_relative_dates_resolve_against_reference(text, value, precision):
    info = parse_date(text, reference=REF)
    assert (info.value, info.precision, info.evidence) == (value, precision, text)


def test_relative_needs_a_reference():
    assert parse_date("2 giờ trước") is None
    assert parse_date("hôm qua") is None


def test_aware_reference_is_taken_in_vietnam_time():
    ref = datetime(2024, 11, 24, 18, 0, tzinfo=timezone.utc)  # 01:00 on the 25th in Hanoi
    assert parse_date("hôm qua", reference=ref).value == "2024-11-24"


@pytest.mark.parametrize("text", ["31/02/2024", "29/02/2023", "25/13/2024", "0/11/2024",
                                  "2024-02-30", "ngày 32 tháng 1 năm 2024", "tháng 13/2024",
                                  "Sáng 12/3, UBND quận họp", "", "không có ngày"])
def test_invalid_or_incomplete_dates_are_rejected(text):
    assert parse_date(text) is None


def test_leap_day_accepted():
    assert parse_date("29/02/2024").value == "2024-02-29"


def test_decomposed_unicode_is_read():
    assert parse_date(unicodedata.normalize("NFD", "ngày 25 tháng 11 năm 2024")).value == "2024-11-25"


def test_parse_date_rejects_non_text():
    with pytest.raises(TypeError, match="must be a str"):
        parse_date(20241125)  # type: ignore[arg-type]


@given(st.dates(min_value=datetime(1950, 1, 1).date(), max_value=datetime(2099, 12, 31).date()),
       st.integers(0, 23), st.integers(0, 59))
def test_round_trip_any_valid_day(day, hour, minute):
    text = f"{day.day:02d}/{day.month:02d}/{day.year} {hour:02d}:{minute:02d}"
    assert parse_date(text).value == f"{day.isoformat()}T{hour:02d}:{minute:02d}"


# ------------------------------------------------------- publication date line
def test_date_line_near_the_top_is_found():
    page = ("Phường rút ngắn thời gian giải quyết hồ sơ\n\n"
            "Thứ Hai, 25/11/2024 09:15 (GMT+7)\n\n"
            "Ngày 20/11/2024, Ủy ban nhân dân phường tổ chức hội nghị về cải cách hành chính.")
    info = find_publication_date(page)
    assert info.value == "2024-11-25T09:15"


def test_author_and_date_on_one_line():
    info = find_publication_date("Tiêu đề bài báo\nMinh Châu | 25/11/2024 - 09:15\nNội dung.")
    assert info.value == "2024-11-25T09:15"


def test_body_dates_are_not_publication_dates():
    page = ("Quận đẩy mạnh dịch vụ công trực tuyến\n"
            "Ngày 25/11/2024, Ủy ban nhân dân quận Cầu Giấy tổ chức hội nghị tổng kết công tác "
            "cải cách hành chính.\n"
            "Từ 1/1/2025, người dân nộp hồ sơ qua cổng dịch vụ công.\n"
            "Năm 2019\n")
    assert find_publication_date(page) is None


def test_date_line_below_the_top_is_ignored():
    body = "\n".join(f"Đoạn văn số {i} nói về công tác tiếp dân." for i in range(20))
    assert find_publication_date(body + "\n25/11/2024") is None


def test_relative_date_line_with_reference():
    page = "Trung tâm hành chính công mở cửa thứ Bảy\nPhạm Vân · 2 giờ trước\nNội dung."
    assert find_publication_date(page, reference=REF).value == "2024-11-25"
    assert find_publication_date(page) is None


def test_seed_page_has_no_invented_date(seed_path):
    # the bundled page prints no date line; dates in its body must not be taken
    assert find_publication_date(seed_path.read_text(encoding="utf-8")) is None


@pytest.mark.parametrize("line", [
    "- Thời gian: 08:30, ngày 25/04/2021",
    "Hạn sử dụng trước ngày 31/01/2023",
    "Từ ngày 01/3/2021",
    "Dự kiến khai trương vào 26/5/2021",
])
def test_event_dates_and_list_items_are_not_date_lines(line):
    assert find_publication_date("Tiêu đề bài báo\n" + line + "\nNội dung.") is None
    assert parse_date(line) is not None  # the date itself is readable


@pytest.mark.realdata
def test_dantri_pages_give_few_false_date_lines(shared_corpora):
    # dantri-unc pages carry their date in a header, not in the text: any date
    # line found in the text is a false positive (a date mentioned in the body)
    files = sorted((shared_corpora / "dantri-unc" / "articles").rglob("*.txt"))
    if not files:
        pytest.skip("dantri-unc not available")
    found = 0
    for f in files:
        body = "\n".join(ln for ln in f.read_text(encoding="utf-8").splitlines()
                         if not ln.startswith("# "))
        found += find_publication_date(body) is not None
    assert found <= len(files) // 500  # measured: 0 of 2,653


# ------------------------------------------- one time-zone policy, reader and crawler
def _read_published(tmp_path, value):
    import json

    from civictext.ingest.reader import read_corpus

    f = tmp_path / "feed.jsonl"
    f.write_text(json.dumps({"id": "a", "text": "Một câu.", "published": value}) + "\n",
                 encoding="utf-8")
    return read_corpus(f)["published"].iloc[0]


def _crawled_published(value):
    pytest.importorskip("trafilatura")
    from civictext.ingest.crawl import extract_article

    page = (f'<html><head><meta property="article:published_time" content="{value}"></head>'
            '<body><article><h1>Quận đẩy mạnh cải cách hành chính</h1><p>Ủy ban nhân dân quận '
            'tổ chức hội nghị tổng kết công tác cải cách hành chính, đánh giá dịch vụ công trực '
            'tuyến và sự hài lòng của người dân.</p></article></body></html>').encode()
    return extract_article(page)["published"]


@pytest.mark.parametrize("value, expected", [
    ("2025-08-07T22:00:00Z", "2025-08-08T05:00"),        # UTC -> Vietnam time, next day
    ("2025-08-07T22:00:00+00:00", "2025-08-08T05:00"),
    ("2025-08-07T10:00:00-05:00", "2025-08-07T22:00"),
    ("2025-08-07T22:00:00+07:00", "2025-08-07T22:00"),   # already Vietnam time
    ("2025-08-07T22:00:00", "2025-08-07T22:00"),         # no offset: Vietnam time as printed
    ("2025-08-09T01:00:00+07:07", "2025-08-09T01:00"),   # pytz's LMT for Asia/Ho_Chi_Minh
    ("1950-03-01", "1950-03-01"),
    ("1850-03-01", ""),                                  # outside 1900-2100: refused by both
    ("2150-03-01", ""),
])
def test_reader_and_crawler_read_a_timestamp_the_same(tmp_path, value, expected):
    assert _read_published(tmp_path, value) == expected
    assert _crawled_published(value) == expected
    got = parse_date(value)
    assert (got.value if got else "") == expected


def test_feed_dates_in_rfc_2822_follow_the_policy():
    from civictext.ingest.dates import parse_meta_date

    assert parse_meta_date("Thu, 07 Aug 2025 22:00:00 GMT") == ("2025-08-08T05:00", "day")
    assert parse_meta_date("Thu, 07 Aug 2025 22:00:00 +0700") == ("2025-08-07T22:00", "day")


def test_the_page_reader_uses_the_one_date_line_rule():
    # an event's date at the top of a page is not a date line: it stays in the text
    from civictext.ingest.reader import read_page

    art = read_page("Quận áp dụng quy trình mới\n\nTừ ngày 01/3/2021\n\n"
                    "Người dân nộp hồ sơ qua cổng dịch vụ công của quận từ tháng Ba.")[0]
    assert "Từ ngày 01/3/2021" in art["text"] and art["published"] == ""
    from civictext.ingest import dates

    for line in ("Thứ Hai, 25/11/2024 09:15 (GMT+7)", "Minh Anh | 25/11/2024 - 09:15",
                 "Từ ngày 01/3/2021", "- Thời gian: 08:30, ngày 25/04/2021"):
        assert (dates.is_date_line(line) is not None) == (
            find_publication_date("Tiêu đề\n" + line) is not None)
