"""The corpus builder against a local HTTP server on 127.0.0.1 (never the internet).

The server serves the pages in tests/data/collect/ (written for these tests)
plus: a redirect, a 404, a 500-then-200, a slow page (timeout), a page in
windows-1258, a robots.txt Disallow and a redirect into the disallowed folder.
"""
from __future__ import annotations

import csv
import hashlib
import json
import threading
import time
import unicodedata
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from civictext import __version__
from civictext.errors import CollectError
from civictext.ingest.crawl import REPORT_COLUMNS, collect, extract_article

DATA = Path(__file__).parent / "data" / "collect"
EXPECTED = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))

TITLE_1258 = "Xã Tân Lập công khai thủ tục hành chính"
PAGE_1258 = f"""<!DOCTYPE html><html lang="vi"><head>
<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">
<title>{TITLE_1258}</title></head><body>
<h1>{TITLE_1258}</h1>
<p class="sapo">Người dân đến xã làm giấy tờ được hướng dẫn tận tình, hồ sơ trả đúng hẹn.</p>
<div class="date">Thứ Sáu, 15/03/2019 - 08:00</div>
<div class="content">
<p>Ủy ban nhân dân xã niêm yết đầy đủ thủ tục hành chính tại trụ sở, kèm mức phí và thời hạn giải quyết từng loại hồ sơ để người dân tiện theo dõi.</p>
<p>Công chức tiếp dân đeo thẻ, mặc đồng phục và ghi sổ theo dõi từng hồ sơ; mỗi tháng xã tổng hợp ý kiến góp ý của người dân gửi lên huyện.</p>
<p>Nhờ vậy, năm qua xã không có hồ sơ nào trễ hẹn và không nhận được phản ánh nào về thái độ của cán bộ.</p>
</div></body></html>"""

PLAIN_PAGE = """Công chức phường tập huấn kỹ năng tiếp dân

Thứ Ba, 26/11/2024 14:00

Phường tổ chức lớp tập huấn kỹ năng giao tiếp cho công chức bộ phận một cửa, tập trung vào cách hướng dẫn người cao tuổi nộp hồ sơ trực tuyến.

Sau lớp học, mỗi công chức cam kết thực hiện nghiêm quy tắc ứng xử và văn hóa công sở.
"""


def to_cp1258(text: str) -> bytes:
    """Encode Vietnamese as windows-1258 does: precomposed base letters + combining tones."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            # recompose the base with a non-tone mark (circumflex, breve, horn) when cp1258 has it
            for mark in list(marks):
                cand = unicodedata.normalize("NFC", base + mark)
                try:
                    cand.encode("cp1258")
                except UnicodeEncodeError:
                    continue
                if len(cand) == 1:
                    base = cand
                    marks.remove(mark)
            out += (base + "".join(marks)).encode("cp1258")
    return bytes(out)


def page(name: str) -> bytes:
    return (DATA / name).read_bytes()


class Site:
    """Routes and a request log for one test's server."""

    def __init__(self) -> None:
        self.log: list[tuple[float, str, str]] = []  # (time, path, user-agent)
        self.flaky_calls = 0
        self.robots_status = 200
        self.robots_extra = b""
        self.changing = b"<html><body><h1>Phi\xc3\xaan b\xe1\xba\xa3n 1</h1></body></html>"
        self.lock = threading.Lock()

    def respond(self, path: str) -> tuple[int, dict[str, str], bytes]:
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/robots.txt" and self.robots_status == 301:
            return 301, {"Location": "/robots-moved.txt"}, b""
        if path in ("/robots.txt", "/robots-moved.txt"):
            if self.robots_status not in (200, 301):
                return self.robots_status, {}, b"error"
            return 200, {"Content-Type": "text/plain"}, (
                b"User-agent: *\nDisallow: /private/\n" + self.robots_extra)
        if path in ("/a.html", "/b.html", "/c.html", "/d.html", "/e.html"):
            name = next(n for n in EXPECTED if n.startswith(f"layout_{path[1]}_"))
            return 200, html, page(name)
        if path == "/old-link":
            return 301, {"Location": "/c.html"}, b""
        if path == "/to-private":
            return 302, {"Location": "/private/secret.html"}, b""
        if path == "/private/secret.html":
            return 200, html, b"<html><body>secret</body></html>"
        if path == "/missing":
            return 404, html, b"<html><body>Not found</body></html>"
        if path == "/flaky":
            with self.lock:
                self.flaky_calls += 1
                first = self.flaky_calls == 1
            return (500, html, b"oops") if first else (200, html, page("layout_d_words_date.html"))
        if path == "/slow":
            time.sleep(2.0)
            return 200, html, page("layout_e_relative.html")
        if path == "/vn1258.html":
            return 200, {"Content-Type": "text/html; charset=windows-1258"}, to_cp1258(PAGE_1258)
        if path == "/plain.txt":
            return 200, {"Content-Type": "text/plain; charset=utf-8"}, PLAIN_PAGE.encode("utf-8")
        if path == "/changing":
            return 200, html, self.changing
        return 404, {}, b""


@pytest.fixture
def site():
    state = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            state.log.append((time.monotonic(), self.path, self.headers.get("User-Agent", "")))
            status, headers, body = state.respond(self.path)
            try:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


def urls_file(tmp_path: Path, site: Site, *paths: str) -> Path:
    f = tmp_path / "urls.txt"
    f.write_text("# test list\n\n" + "\n".join(site.base + p for p in paths) + "\n",
                 encoding="utf-8")
    return f


FAST = dict(delay=0.01, timeout=0.8, retries=1, backoff=0.01)


def rows_by_path(report, site):
    return {r["url"].removeprefix(site.base): r for r in report.rows}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ---------------------------------------------------------------- the crawl
def test_collect_end_to_end(tmp_path, site):
    paths = ["/a.html", "/old-link", "/missing", "/flaky", "/slow", "/vn1258.html",
             "/private/secret.html", "/to-private", "/plain.txt", "/a.html"]
    out = tmp_path / "corpus"
    report = collect(urls_file(tmp_path, site, *paths), out, **FAST)
    rows = rows_by_path(report, site)
    assert len(report.rows) == 9  # the repeated URL is fetched once
    outcome = {p: r["outcome"] for p, r in rows.items()}
    assert outcome == {
        "/a.html": "saved", "/old-link": "saved", "/missing": "failed", "/flaky": "saved",
        "/slow": "failed", "/vn1258.html": "saved", "/private/secret.html": "disallowed-by-robots",
        "/to-private": "disallowed-by-robots", "/plain.txt": "saved"}
    # 404: recorded, not retried; 500 then 200: retried once; slow: timed out on every attempt
    assert (rows["/missing"]["status"], rows["/missing"]["attempts"]) == (404, 1)
    assert rows["/flaky"]["attempts"] == 2 and site.flaky_calls == 2
    assert rows["/slow"]["attempts"] == 2 and "timed out" in rows["/slow"]["error"]
    # robots.txt honoured: the disallowed page was never requested, robots.txt asked once
    requested = [p for _, p, _ in site.log]
    assert "/private/secret.html" not in requested
    assert requested.count("/robots.txt") == 1
    # the User-Agent names the tool and its version, on every request
    assert all(ua.startswith(f"civictext/{__version__}") for _, _, ua in site.log)

    # raw pages are stored untouched, with a sidecar
    a = rows["/a.html"]
    raw = out / a["raw_file"]
    assert raw.read_bytes() == page("layout_a_span_date.html")
    side = json.loads(raw.with_suffix(".json").read_text(encoding="utf-8"))
    assert side["url"] == site.base + "/a.html" and side["status"] == 200
    assert side["sha256"] == hashlib.sha256(raw.read_bytes()).hexdigest()
    assert side["content_type"] == "text/html; charset=utf-8" and side["charset"] == "utf-8"
    assert side["fetched_at"].endswith("+00:00")
    # the redirect's final URL is recorded
    assert rows["/old-link"]["final_url"] == site.base + "/c.html"
    # windows-1258: bytes kept as sent, charset from the header, text decoded right
    r1258 = rows["/vn1258.html"]
    assert (out / r1258["raw_file"]).read_bytes() == to_cp1258(PAGE_1258)
    side = json.loads((out / r1258["raw_file"]).with_suffix(".json").read_text(encoding="utf-8"))
    assert side["charset"] == "windows-1258" and side["charset_source"] == "header"

    # the report CSV has one row per URL
    with open(report.report_file, encoding="utf-8") as fh:
        csv_rows = list(csv.DictReader(fh))
    assert list(csv_rows[0]) == REPORT_COLUMNS and len(csv_rows) == 9
    assert {r["outcome"] for r in csv_rows if r["url"].endswith("/missing")} == {"failed"}

    # the corpus: one JSON line per saved page
    recs = {r["url"].removeprefix(site.base): r for r in read_jsonl(out / "articles.jsonl")}
    assert set(recs) == {"/a.html", "/c.html", "/flaky", "/vn1258.html", "/plain.txt"}
    for rec in recs.values():
        assert {"id", "title", "text", "lead", "published", "date_precision", "source", "url",
                "byline"} <= set(rec)
    assert recs["/a.html"]["published"] == "2024-11-25T09:15"
    assert recs["/c.html"]["title"] == EXPECTED["layout_c_meta.html"]["title"]
    assert recs["/vn1258.html"]["title"] == TITLE_1258
    assert recs["/vn1258.html"]["published"] == "2019-03-15T08:00"
    assert "niêm yết đầy đủ thủ tục hành chính" in recs["/vn1258.html"]["text"]
    assert recs["/plain.txt"]["title"] == "Công chức phường tập huấn kỹ năng tiếp dân"
    assert recs["/plain.txt"]["published"].startswith("2024-11-26")
    summary = report.summary()
    assert "9 URLs" in summary and "(5 articles)" in summary
    assert "failed: 2" in summary and "disallowed-by-robots: 2" in summary


def test_rerun_skips_saved_pages(tmp_path, site):
    f = urls_file(tmp_path, site, "/a.html", "/b.html", "/missing")
    out = tmp_path / "corpus"
    collect(f, out, **FAST)
    first_jsonl = (out / "articles.jsonl").read_bytes()
    n_before = len(site.log)
    report = collect(f, out, **FAST)
    again = [p for _, p, _ in site.log[n_before:]]
    assert "/a.html" not in again and "/b.html" not in again
    assert "/missing" in again  # failures are tried again
    outcome = {r["url"].removeprefix(site.base): r["outcome"] for r in report.rows}
    assert outcome == {"/a.html": "already-saved", "/b.html": "already-saved",
                       "/missing": "failed"}
    assert (out / "articles.jsonl").read_bytes() == first_jsonl


def test_changed_page_is_kept_next_to_the_old_one(tmp_path, site):
    f = urls_file(tmp_path, site, "/changing")
    out = tmp_path / "corpus"
    first = collect(f, out, **FAST).rows[0]
    old = site.changing
    site.changing = "<html><body><h1>Phiên bản 2</h1></body></html>".encode()
    report = collect(f, out, refresh=True, **FAST)
    second = report.rows[0]
    assert "1 page(s) changed since last saved; both versions kept" in report.summary()
    assert second["outcome"] == "changed-kept-both"
    assert second["raw_file"] != first["raw_file"]
    assert (out / first["raw_file"]).read_bytes() == old
    assert (out / second["raw_file"]).read_bytes() == site.changing
    # the corpus uses the newest copy
    assert read_jsonl(out / "articles.jsonl")[0]["title"] == "Phiên bản 2"


def test_lost_sidecar_different_bytes_keeps_both(tmp_path, site):
    # an interrupted run can leave a raw file without its sidecar
    f = urls_file(tmp_path, site, "/changing")
    out = tmp_path / "corpus"
    row = collect(f, out, **FAST).rows[0]
    raw = out / row["raw_file"]
    raw.with_suffix(".json").unlink()
    old = raw.read_bytes()
    site.changing = b"<html><body><h1>Ban moi</h1></body></html>"
    row2 = collect(f, out, **FAST).rows[0]
    assert row2["outcome"] == "changed-kept-both"
    assert raw.read_bytes() == old and (out / row2["raw_file"]).read_bytes() == site.changing


def test_lost_sidecar_same_bytes_is_unchanged(tmp_path, site):
    f = urls_file(tmp_path, site, "/b.html")
    out = tmp_path / "corpus"
    row = collect(f, out, **FAST).rows[0]
    raw = out / row["raw_file"]
    raw.with_suffix(".json").unlink()
    row2 = collect(f, out, **FAST).rows[0]
    assert row2["outcome"] == "unchanged" and row2["raw_file"] == row["raw_file"]
    assert len(list(raw.parent.glob("*.html"))) == 1


def test_per_host_delay(tmp_path, site):
    f = urls_file(tmp_path, site, "/a.html", "/b.html", "/c.html")
    collect(f, tmp_path / "out", delay=0.3, timeout=2, retries=0)
    times = [t for t, _, _ in site.log]  # when the server received each request
    assert len(times) == 4  # robots.txt + 3 pages
    gaps = [b - a for a, b in zip(times, times[1:])]
    # the client waits 0.3 s between sends; arrival times jitter on a loaded machine,
    # so check the total span tightly and each gap loosely
    assert times[-1] - times[0] >= 3 * 0.3 - 0.05
    assert min(gaps) >= 0.15


def test_robots_crawl_delay_is_honoured(tmp_path, site):
    # rules for our User-Agent's product token win over "*"
    site.robots_extra = b"\nUser-agent: civictext\nCrawl-delay: 1\nDisallow: /b.html\n"
    report = collect(urls_file(tmp_path, site, "/a.html", "/b.html", "/c.html"),
                     tmp_path / "out", **FAST)
    assert [r["outcome"] for r in report.rows] == ["saved", "disallowed-by-robots", "saved"]
    times = [t for t, p, _ in site.log if p != "/robots.txt"]
    assert len(times) == 2 and times[1] - times[0] >= 0.9


def test_unreachable_robots_skips_the_host(tmp_path, site):
    site.robots_status = 503
    report = collect(urls_file(tmp_path, site, "/a.html"), tmp_path / "out", **FAST)
    row = report.rows[0]
    assert row["outcome"] == "disallowed-by-robots" and "robots.txt unreachable" in row["error"]
    assert [p for _, p, _ in site.log] == ["/robots.txt", "/robots.txt"]  # retried, then skipped


def test_redirected_robots_is_followed(tmp_path, site):
    site.robots_status = 301
    report = collect(urls_file(tmp_path, site, "/private/secret.html", "/a.html"),
                     tmp_path / "out", **FAST)
    assert [r["outcome"] for r in report.rows] == ["disallowed-by-robots", "saved"]
    assert [p for _, p, _ in site.log] == ["/robots.txt", "/robots-moved.txt", "/a.html"]


def test_missing_robots_allows_everything(tmp_path, site):
    site.robots_status = 404
    report = collect(urls_file(tmp_path, site, "/private/secret.html"), tmp_path / "out", **FAST)
    assert report.rows[0]["outcome"] == "saved"


def test_bad_url_lines_are_reported(tmp_path, site):
    f = tmp_path / "urls.txt"
    f.write_text(f"ftp://example.invalid/x\nnot a url\n{site.base}/a.html\n", encoding="utf-8")
    report = collect(f, tmp_path / "out", **FAST)
    assert [r["outcome"] for r in report.rows] == ["failed", "failed", "saved"]
    assert report.rows[0]["error"] == "not an http(s) URL"


def test_bad_arguments(tmp_path):
    with pytest.raises(CollectError, match="URL list .*nope.txt does not exist"):
        collect(tmp_path / "nope.txt", tmp_path / "out")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n", encoding="utf-8")
    with pytest.raises(CollectError, match="holds no URLs"):
        collect(empty, tmp_path / "out")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("http://127.0.0.1/\xe0".encode("latin-1"))
    with pytest.raises(CollectError, match="is not UTF-8"):
        collect(latin, tmp_path / "out")
    ok = tmp_path / "ok.txt"
    ok.write_text("http://127.0.0.1:9/\n", encoding="utf-8")
    with pytest.raises(CollectError, match="timeout > 0"):
        collect(ok, tmp_path / "out", timeout=0)
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    with pytest.raises(CollectError, match="is not a folder"):
        collect(ok, afile)


def test_cli_collect(tmp_path, site, capsys):
    from civictext.cli import main

    f = urls_file(tmp_path, site, "/a.html", "/missing")
    code = main(["collect", str(f), "--out", str(tmp_path / "out"), "--delay", "0.01",
                 "--timeout", "1", "--retries", "0"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "2 URLs" in printed and "1 articles" in printed and "failed: 1" in printed


def test_read_corpus_reads_the_output(tmp_path, site):
    corpus = pytest.importorskip("civictext.ingest.reader")
    if not hasattr(corpus, "read_corpus"):
        pytest.skip("civictext.ingest.reader.read_corpus not written yet")
    out = tmp_path / "out"
    collect(urls_file(tmp_path, site, "/a.html", "/b.html"), out, **FAST)
    articles = corpus.read_corpus(out)
    main = articles[articles["kind"] == "article"] if "kind" in articles else articles
    assert len(main) == 2
    assert set(main["published"]) == {"2024-11-25T09:15", "2024-03-12T08:30"}


# -------------------------------------------------------------- extraction
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_extract_article_on_news_layouts(name):
    truth = EXPECTED[name]
    art = extract_article(page(name), fetched_at=truth["fetched_at"])
    for field in ("title", "lead", "published", "byline", "source"):
        assert art[field] == truth[field], field
    for s in truth["body_has"]:
        assert s in art["text"]
    for s in truth["body_not"]:  # related boxes, sidebars, footer, the sapo itself
        assert s not in art["text"]
    assert art["date_precision"] == "day"
    assert "\n\n" in art["text"]


def test_extract_tag_and_evidence():
    art = extract_article(page("layout_c_meta.html"))
    assert art["source_tag"] == "ĐSĐT" and art["date_evidence"] == "html:meta article:published_time"
    art = extract_article(page("layout_b_jsonld.html"))
    assert art["date_evidence"] == "html:json-ld datePublished"
    art = extract_article(page("layout_e_relative.html"))  # "2 giờ trước" without fetched_at
    assert art["published"] == "" and art["date_precision"] == "unknown"


def test_extract_title_ignores_a_logo_h1():
    html = page("layout_c_meta.html").replace(
        b'<div id="top-bar">', b'<div id="top-bar"><h1 class="logo">\xc4\x90S\xc4\x90T</h1>')
    assert extract_article(html)["title"] == EXPECTED["layout_c_meta.html"]["title"]


def test_extract_meta_charset_only():
    body = to_cp1258(PAGE_1258)  # declared only in the <meta> tag here
    # really windows-1258: tone marks as combining bytes (0xEC = acute), not UTF-8
    assert b"\xec" in body and body.decode("cp1258") != PAGE_1258
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert extract_article(body)["title"] == TITLE_1258


def test_extract_plain_text_fallback(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "civictext.ingest.reader", None)  # reader unavailable
    art = extract_article(PLAIN_PAGE.encode("utf-8"))
    assert art["extractor"] == "plain-text"
    assert art["title"] == "Công chức phường tập huấn kỹ năng tiếp dân"
    assert art["published"] == "2024-11-26T14:00"
    assert art["text"].startswith("Phường tổ chức lớp tập huấn") and "26/11/2024" not in art["text"]


def test_extract_plain_text_with_corpus_reader(seed_path):
    corpus = pytest.importorskip("civictext.ingest.reader")
    if not hasattr(corpus, "read_page"):
        pytest.skip("civictext.ingest.reader.read_page not written yet")
    art = extract_article(seed_path.read_bytes())
    assert art["extractor"] == "corpus.read_page"
    assert "văn hóa công sở" in (art["title"] + art["text"]).lower()


def test_extract_rejects_text():
    with pytest.raises(TypeError, match="must be bytes"):
        extract_article("<html></html>")  # type: ignore[arg-type]
