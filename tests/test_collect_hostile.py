"""The crawler against a misbehaving loopback server (127.0.0.1 only; issue 19).

Endpoints: a body dripped one byte at a time, headers dripped, a body far over
the size cap (with and without Content-Length), robots.txt asking for a
Crawl-delay of 100000 s. Each test bounds its own time: the crawler must give
up on its deadline, not the server's.
"""
from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from civictext.errors import CollectError
from civictext.ingest.crawl import collect
from civictext.ingest.reader import read_corpus

PAGE = ("<html><head><title>Phường cải cách hành chính</title></head><body><article>"
        "<h1>Phường cải cách hành chính</h1>"
        + "<p>Bộ phận một cửa của phường tiếp nhận hồ sơ trực tuyến, trả kết quả đúng hẹn "
          "và công khai thủ tục hành chính cho người dân theo dõi.</p>" * 4
        + "</article></body></html>").encode("utf-8")


class Server:
    """A raw-socket HTTP server: each path misbehaves in its own way."""

    def __init__(self, crawl_delay: str | None = None):
        self.crawl_delay = crawl_delay
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.base = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stop = threading.Event()
        self.paths: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _send(self, conn, data, *, drip=0.0):
        if not drip:
            conn.sendall(data)
            return
        for i in range(len(data)):
            if self.stop.is_set():
                return
            conn.sendall(data[i:i + 1])
            time.sleep(drip)

    def _handle(self, conn):
        try:
            conn.settimeout(5)
            req = b""
            while b"\r\n\r\n" not in req:
                got = conn.recv(4096)
                if not got:
                    return
                req += got
            path = req.split(b" ", 2)[1].decode().split("?")[0]
            self.paths.append(req.split(b" ", 2)[1].decode())
            ok = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
            if path == "/robots.txt":
                body = b"User-agent: *\nDisallow: /private/\n"
                if self.crawl_delay:
                    body += f"Crawl-delay: {self.crawl_delay}\n".encode()
                self._send(conn, ok + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            elif path == "/ok.html":
                self._send(conn, ok + b"Content-Length: %d\r\n\r\n" % len(PAGE) + PAGE)
            elif path == "/drip-body":  # every byte within the per-read timeout, never done
                self._send(conn, ok + b"Content-Length: 100000\r\n\r\n")
                self._send(conn, b"x" * 100000, drip=0.05)
            elif path == "/drip-headers":
                self._send(conn, ok + b"X-Slow: " + b"y" * 10000 + b"\r\n\r\n", drip=0.05)
            elif path == "/huge":  # no Content-Length: streams until the client stops
                self._send(conn, ok + b"\r\n")
                chunk = b"z" * 65536
                for _ in range(200):  # 12.5 MB at most
                    if self.stop.is_set():
                        return
                    conn.sendall(chunk)
            elif path == "/huge-cl":
                self._send(conn, ok + b"Content-Length: 10000000000\r\n\r\n" + b"z" * 1000)
            else:
                self._send(conn, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        except OSError:
            pass
        finally:
            conn.close()

    def close(self):
        self.stop.set()
        self.sock.close()
        self.thread.join(2)


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def _urls(tmp_path, *urls, name="urls.txt"):
    f = tmp_path / name
    f.write_text("\n".join(urls) + "\n", encoding="utf-8")
    return f


FAST = dict(delay=0.0, retries=0, backoff=0.0)


@pytest.mark.parametrize("path", ["/drip-body", "/drip-headers"])
def test_a_slow_server_is_cut_off_at_the_total_deadline(tmp_path, server, path):
    f = _urls(tmp_path, server.base + path, server.base + "/ok.html")
    t0 = time.monotonic()
    report = collect(f, tmp_path / "out", timeout=1.0, **FAST)
    took = time.monotonic() - t0
    rows = {r["url"].removeprefix(server.base): r for r in report.rows}
    assert rows[path]["outcome"] == "failed" and "timed out after 1 s" in rows[path]["error"]
    assert rows["/ok.html"]["outcome"] == "saved"  # the rest of the crawl goes on
    assert took < 6, took  # one deadline (+ robots and the good page), not 5000 s of drip
    assert not list((tmp_path / "out" / "_collect" / "raw").rglob("*drip*"))


@pytest.mark.parametrize("path", ["/huge", "/huge-cl"])
def test_a_body_over_the_cap_is_not_saved_and_is_reported(tmp_path, server, path):
    f = _urls(tmp_path, server.base + path, server.base + "/ok.html")
    report = collect(f, tmp_path / "out", timeout=10, max_mb=1, **FAST)
    rows = {r["url"].removeprefix(server.base): r for r in report.rows}
    assert rows[path]["outcome"] == "too-large" and "1 MB cap" in rows[path]["error"]
    assert rows["/ok.html"]["outcome"] == "saved"
    raw = list((tmp_path / "out" / "_collect" / "raw").rglob("*.html"))
    assert len(raw) == 1 and raw[0].stat().st_size == len(PAGE)


def test_a_huge_crawl_delay_skips_the_host_with_a_reason(tmp_path):
    s = Server(crawl_delay="100000")
    try:
        t0 = time.monotonic()
        report = collect(_urls(tmp_path, s.base + "/ok.html", s.base + "/ok.html?2"),
                         tmp_path / "out", timeout=2, **FAST)
        assert time.monotonic() - t0 < 5
    finally:
        s.close()
    assert [r["outcome"] for r in report.rows] == ["disallowed-by-robots"] * 2
    assert "Crawl-delay: 100000 s, more than max_crawl_delay=60 s" in report.rows[0]["error"]
    assert s.paths == ["/robots.txt"]  # no page was asked for


def test_bad_hosts_are_reported_and_the_rest_collected(tmp_path, server):
    bad = ["http://a..b/x", "http://" + "a" * 64 + ".vn/x", "http://[::1/x", "http://:80/x",
           "http://host:99999/x", "https://.example/x"]
    report = collect(_urls(tmp_path, *bad, server.base + "/ok.html"), tmp_path / "out",
                     timeout=2, **FAST)
    outcomes = [r["outcome"] for r in report.rows]
    assert outcomes == ["failed"] * len(bad) + ["saved"]
    assert all("invalid" in r["error"] for r in report.rows[:len(bad)]), report.rows


def test_a_second_url_list_into_the_same_folder_keeps_the_first_articles(tmp_path, server):
    out = tmp_path / "out"
    collect(_urls(tmp_path, server.base + "/ok.html", server.base + "/ok.html?a"), out,
            timeout=2, **FAST)
    report = collect(_urls(tmp_path, server.base + "/ok.html?b", name="more.txt"), out,
                     timeout=2, **FAST)
    lines = [json.loads(x) for x in (out / "articles.jsonl").read_text("utf-8").splitlines()]
    assert sorted(r["url"].removeprefix(server.base) for r in lines) == [
        "/ok.html", "/ok.html?a", "/ok.html?b"]
    assert report.n_articles == 3 and len(read_corpus(out)) == 3


@pytest.mark.parametrize("kwargs", [{"delay": float("nan")}, {"timeout": float("nan")},
                                    {"timeout": float("inf")}, {"retries": 1.5},
                                    {"max_mb": 0}, {"max_crawl_delay": float("nan")},
                                    {"backoff": -1}])
def test_every_number_is_validated(tmp_path, kwargs):
    with pytest.raises(CollectError, match="need finite numbers"):
        collect(_urls(tmp_path, "http://127.0.0.1:9/x"), tmp_path / "out", **kwargs)
