"""One HTML extraction policy for the reader (read_corpus) and the crawler (extract_article).

Each test reads the same bytes both ways and checks they agree on what the
shared rules decide: decoding, the JSON-LD article, the outlet tag, the
metadata date.
"""
from __future__ import annotations

import json

import pytest

from civictext.errors import CollectError
from civictext.ingest.reader import read_corpus

pytest.importorskip("trafilatura")
from civictext.ingest.crawl import extract_article  # noqa: E402

BODY = ("<p>Ủy ban nhân dân phường tổ chức hội nghị tổng kết công tác cải cách hành chính, "
        "đánh giá dịch vụ công trực tuyến và sự hài lòng của người dân.</p>"
        "<p>Công chức bộ phận một cửa được nhắc nhở thực hiện nghiêm quy tắc ứng xử.</p>")


def page(head: str = "", lead: str = "", charset: str = "utf-8") -> str:
    return (f'<!DOCTYPE html><html><head><meta charset="{charset}">{head}</head><body><article>'
            f'<h1>Phường đẩy mạnh cải cách hành chính</h1>{lead}{BODY}</article></body></html>')


def both(tmp_path, data: bytes) -> tuple[dict, dict]:
    f = tmp_path / "page.html"
    f.write_bytes(data)
    df = read_corpus(f)
    assert len(df) == 1, df.attrs["skipped"]
    return df.iloc[0].to_dict(), extract_article(data)


def jsonld(obj) -> str:
    return f'<script type="application/ld+json">{json.dumps(obj)}</script>'


def test_the_json_ld_article_gives_the_date_not_an_image_in_it(tmp_path):
    ld = jsonld([{"@type": "NewsArticle", "headline": "Phường đẩy mạnh cải cách hành chính",
                  "datePublished": "2024-11-25T09:15:00+07:00"},
                 {"@type": "ImageObject", "datePublished": "2020-01-01"}])
    reader, crawler = both(tmp_path, page(ld).encode())
    assert reader["published"] == crawler["published"] == "2024-11-25T09:15"
    assert reader["date_evidence"] == crawler["date_evidence"] == "html:json-ld datePublished"


def test_json_ld_and_meta_are_tried_in_one_order(tmp_path):
    head = ('<meta name="pubdate" content="2024-11-26T08:00:00+07:00">'
            + jsonld({"@type": "NewsArticle", "datePublished": "2024-11-25T09:15:00+07:00"}))
    reader, crawler = both(tmp_path, page(head).encode())
    assert reader["published"] == crawler["published"] == "2024-11-25T09:15"
    # without JSON-LD, the meta key
    reader, crawler = both(tmp_path, page(head.split("<script")[0]).encode())
    assert reader["published"] == crawler["published"] == "2024-11-26T08:00"
    assert reader["date_evidence"] == crawler["date_evidence"] == "html:meta pubdate"


SAPO = "Phường tổ chức hội nghị tổng kết công tác cải cách hành chính năm 2024."


@pytest.mark.parametrize("printed, tag", [(f"(LĐTĐ) {SAPO}", "LĐTĐ"), (f"TTO - {SAPO}", "TTO")])
def test_the_outlet_tag_is_read_by_one_rule(tmp_path, printed, tag):
    reader, crawler = both(tmp_path, page(lead=f'<p class="sapo">{printed}</p>').encode())
    assert reader["source_tag"] == crawler["source_tag"] == tag
    assert reader["lead"] == crawler["lead"] == SAPO


def test_bad_bytes_are_reported_never_silently_replaced(tmp_path):
    data = page().encode("utf-8").replace("hội nghị".encode(), b"h\xffi ngh")
    f = tmp_path / "page.html"
    f.write_bytes(data)
    df = read_corpus(f)
    assert len(df) == 0
    (skip,) = df.attrs["skipped"]
    assert "invalid byte" in skip["reason"]
    with pytest.raises(CollectError, match="cannot be decoded: UTF-8 except for .* invalid byte"):
        extract_article(data, url="http://127.0.0.1/a.html")


def test_a_declared_charset_that_fails_falls_back_to_detection(tmp_path):
    # declared windows-1258 but the bytes are UTF-8 (cp1258 leaves 0x81 undefined)
    data = page(charset="windows-1258").encode("utf-8").replace(b"</h1>", "</h1>\u0101".encode())
    assert b"\xc4\x81" in data
    reader, crawler = both(tmp_path, data)
    assert reader["title"] == crawler["title"] == "Phường đẩy mạnh cải cách hành chính"
