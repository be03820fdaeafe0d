"""civictext.ingest.datasets: the registry and the fetcher, against a loopback server only.

The server (127.0.0.1, started here) serves a small gzipped JSON Lines corpus
written for these tests, honours ``Range`` and can be told to cut a response
short, so a download is interrupted and then resumed.
"""
from __future__ import annotations

import gzip
import hashlib
import http.server
import json
import threading

import pytest

import civictext as ct
from civictext.ingest import datasets
from civictext.ingest.datasets import Dataset

ROWS = [{"id": f"fx-{i}", "title": f"Phường đẩy mạnh cải cách hành chính, số {i}",
         "text": "Người dân hài lòng với dịch vụ công trực tuyến. " * 40,
         "published": f"2024-0{1 + i % 6}-1{i % 9}", "source": "Tin Phường Mới"}
        for i in range(12)]
PAYLOAD = gzip.compress("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in ROWS)
                        .encode("utf-8"), mtime=0)
SHA = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(http.server.BaseHTTPRequestHandler):
    cut_after: int | None = None  # bytes sent before the connection is dropped (once)
    ranges: list[str | None] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        rng = self.headers.get("Range")
        type(self).ranges.append(rng)
        start = int(rng.split("=")[1].split("-")[0]) if rng else 0
        body = PAYLOAD[start:]
        self.send_response(206 if rng else 200)
        self.send_header("Content-Type", "application/gzip")
        self.send_header("Content-Length", str(len(body)))
        if rng:
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        self.end_headers()
        cut = type(self).cut_after
        if cut is not None:
            type(self).cut_after = None
            self.wfile.write(body[:cut])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def server():
    _Handler.cut_after, _Handler.ranges = None, []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/fixture.jsonl.gz"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def entry(server, monkeypatch, tmp_path):
    """A registry entry pointing at the loopback server; the cache under $CIVICTEXT_DATA."""
    monkeypatch.setenv("CIVICTEXT_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("CIVICTEXT_SHARED_CORPORA", str(tmp_path / "no-shared"))
    ds = Dataset(name="fixture", title="fixture", source="tests", licence="MIT",
                 citation="civictext tests", documents=len(ROWS), size_bytes=len(PAYLOAD),
                 filename="fixture.jsonl.gz", url=server, sha256=None)
    monkeypatch.setitem(datasets._REGISTRY, "fixture", ds)
    return ds


def test_registry_entries_say_where_they_come_from():
    table = ct.datasets.list()
    assert {"news-feed", "dantri-unc", "vnds-test", "vn4news2020"} <= set(table["name"])
    for col in ["source", "licence", "citation", "date_range"]:
        assert table[col].notna().all() and (table[col].astype(str) != "").all(), col
    # counts are known or left unknown, never made up as 0
    assert str(table["documents"].dtype) == "Int64"  # whole numbers, missing where unknown
    assert (table["documents"].dropna() > 0).all()
    assert table.loc[table["name"].isin(["news-feed", "vnds-test"]), "documents"].notna().all()
    # no invented download link: an entry has a URL only with a name that says https
    assert table["url"].dropna().str.startswith("https://").all()
    hub = table[table["url"].fillna("").str.startswith("https://huggingface.co/datasets/")]
    assert len(hub) >= 2
    # a Hub link names a file read_corpus reads, under the Hub's resolve/ path
    assert hub["url"].str.contains("/resolve/").all()
    assert hub["url"].str.endswith(".parquet").all()
    # no checksum invented either: what the first download gets is recorded instead
    assert hub["sha256"].isna().all()


def test_fetch_downloads_into_data_home_and_read_corpus_reads_it(entry, tmp_path):
    path = ct.fetch_corpus("fixture", progress=False)
    assert path == tmp_path / "data" / "fixture" / "fixture.jsonl.gz"
    assert path.read_bytes() == PAYLOAD
    record = ct.datasets.provenance(path)
    assert record["sha256"] == SHA and record["verified"] is False and record["url"] == entry.url
    articles = ct.read_corpus(path.parent)  # the folder: the .civictext record is not corpus
    assert len(articles) == len(ROWS)
    assert ct.fetch_corpus("fixture", progress=False) == path  # cached: no second request
    assert len(_Handler.ranges) == 1


def test_fetch_shows_progress(entry, capsys):
    ct.fetch_corpus("fixture", progress=True)
    err = capsys.readouterr().err
    assert "fetch fixture" in err and "100%" in err


def test_an_interrupted_download_resumes_with_range(entry, tmp_path):
    _Handler.cut_after = 300
    with pytest.raises(ct.DatasetError, match="resume"):
        ct.fetch_corpus("fixture", progress=False)
    part = tmp_path / "data" / "fixture" / ".civictext" / "fixture.jsonl.gz.part"
    assert part.stat().st_size == 300
    assert not (tmp_path / "data" / "fixture" / "fixture.jsonl.gz").exists()
    path = ct.fetch_corpus("fixture", progress=False)
    assert _Handler.ranges == [None, "bytes=300-"]
    assert path.read_bytes() == PAYLOAD
    assert ct.datasets.provenance(path)["resumed"] is True


def test_a_checksum_mismatch_deletes_the_file(entry, monkeypatch, tmp_path):
    monkeypatch.setitem(datasets._REGISTRY, "fixture",
                        Dataset(**{**entry.__dict__, "sha256": "0" * 64}))
    with pytest.raises(ct.DatasetError, match="SHA-256"):
        ct.fetch_corpus("fixture", progress=False)
    folder = tmp_path / "data" / "fixture"
    assert not (folder / "fixture.jsonl.gz").exists()
    assert not (folder / ".civictext" / "fixture.jsonl.gz.part").exists()
    monkeypatch.setitem(datasets._REGISTRY, "fixture", Dataset(**{**entry.__dict__, "sha256": SHA}))
    assert ct.datasets.provenance(ct.fetch_corpus("fixture", progress=False))["verified"] is True


def test_a_local_copy_is_used_in_place(monkeypatch, tmp_path):
    shared = tmp_path / "shared" / "corpora"
    (shared / "news-feed").mkdir(parents=True)
    (shared / "news-feed" / "articles.jsonl.gz").write_bytes(PAYLOAD)
    monkeypatch.setenv("CIVICTEXT_SHARED_CORPORA", str(shared))
    monkeypatch.setenv("CIVICTEXT_DATA", str(tmp_path / "data"))
    path = ct.fetch_corpus("news-feed")
    assert path == shared / "news-feed" / "articles.jsonl.gz"
    assert not (tmp_path / "data").exists()  # nothing copied
    assert ct.datasets.list().set_index("name").loc["news-feed", "available"] == "local"


def test_clear_errors(monkeypatch, tmp_path):
    monkeypatch.setenv("CIVICTEXT_SHARED_CORPORA", str(tmp_path / "none"))
    monkeypatch.setenv("CIVICTEXT_DATA", str(tmp_path / "data"))
    with pytest.raises(ct.DatasetError, match="unknown corpus 'nope'.*news-feed"):
        ct.fetch_corpus("nope")
    with pytest.raises(ct.DatasetError, match="no download link.*CIVICTEXT_SHARED_CORPORA"):
        ct.fetch_corpus("news-feed")
    ds = Dataset(name="down", title="t", source="s", licence="l", citation="c",
                 filename="x.jsonl", url="http://127.0.0.1:9/x.jsonl")  # discard port: refused
    monkeypatch.setitem(datasets._REGISTRY, "down", ds)
    with pytest.raises(ct.DatasetError, match="cannot reach http://127.0.0.1:9/x.jsonl"):
        ct.fetch_corpus("down", progress=False)
    with pytest.raises(ct.DatasetError, match="plain folder name"):
        datasets.register(Dataset(name="../x", title="t", source="s", licence="l", citation="c"))


def test_the_manifest_records_the_fetched_corpus(entry, tmp_path):
    path = ct.fetch_corpus("fixture", progress=False)
    manifest = ct.build_figures(path, tmp_path / "figs", random_state=0)
    assert manifest["corpus"]["dataset"]["sha256"] == SHA
    assert manifest["corpus"]["dataset"]["name"] == "fixture"


def test_a_hub_style_redirect_to_parquet_is_fetched_resumed_and_read(monkeypatch, tmp_path):
    """The Hub answers resolve/ URLs with a redirect to its file store; the Range
    header must survive the redirect and the Parquet file must read as a corpus."""
    pa = pytest.importorskip("pyarrow")
    import io

    import pyarrow.parquet as pq

    table = pa.table({"guid": [101, 102],
                      "title": ["Một cửa liên thông rút ngắn thủ tục", "Giải bóng đá phường"],
                      "abstract": ["Phường công bố kết quả cải cách hành chính.", "Đội nhà thắng."],
                      "article": ["Người dân nộp hồ sơ trực tuyến.", "Trận đấu diễn ra sôi nổi."]})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    payload = buf.getvalue()
    seen: list[tuple[str, str | None]] = []
    cut = {"after": 200}

    class Hub(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append((self.path, self.headers.get("Range")))
            if self.path.startswith("/datasets/"):
                self.send_response(302)
                self.send_header("Location", "/store/blob.parquet")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            rng = self.headers.get("Range")
            start = int(rng.split("=")[1].split("-")[0]) if rng else 0
            body = payload[start:]
            self.send_response(206 if rng else 200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if cut["after"] is not None:
                self.wfile.write(body[:cut["after"]])
                cut["after"] = None
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/datasets/x/resolve/main/t.parquet"
        monkeypatch.setenv("CIVICTEXT_DATA", str(tmp_path / "data"))
        monkeypatch.setitem(datasets._REGISTRY, "hub", Dataset(
            name="hub", title="hub", source="tests", licence="MIT", citation="tests",
            filename="t.parquet", url=url))
        with pytest.raises(ct.DatasetError, match="resume"):
            ct.fetch_corpus("hub", progress=False)
        path = ct.fetch_corpus("hub", progress=False)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert [r for p, r in seen if p.startswith("/store/")] == [None, "bytes=200-"]
    assert path.read_bytes() == payload
    assert ct.datasets.provenance(path)["sha256"] == hashlib.sha256(payload).hexdigest()
    articles = ct.read_corpus(path)
    assert articles["doc_id"].tolist() == ["101", "102"]
    assert articles["lead"].iloc[0] == "Phường công bố kết quả cải cách hành chính."
    assert set(articles["format"]) == {"parquet"}
