"""Hostile-input probes (issue 19): time and peak memory of each, one process per probe.

Each probe builds its input in a temporary folder, then runs in a fresh Python
process that prints its wall time, its own peak RSS (``ru_maxrss``) and what
civictext reported. Nothing leaves 127.0.0.1; the crawler probes start their
own loopback server.

    python benchmarks/hostile_probes.py            # all probes (~1-2 min)
    python benchmarks/hostile_probes.py --only gz  # probes whose name contains "gz"
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

READ = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from civictext.ingest.reader import read_corpus
t0 = time.monotonic()
df = read_corpus({path!r})
secs = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
reasons = [s["reason"][:90] for s in df.attrs["skipped"]][:2]
print(json.dumps({{"seconds": secs, "peak_rss_mb": rss, "documents": len(df),
                  "reported": reasons}}))
"""

COLLECT = """
import json, resource, socket, sys, threading, time
sys.path.insert(0, {root!r})
from civictext.ingest.crawl import collect

srv = socket.create_server(("127.0.0.1", 0))
port = srv.getsockname()[1]
MODE = {mode!r}

def handle(conn):
    try:
        req = conn.recv(65536)
        if b"/robots.txt" in req.split(b"\\r\\n", 1)[0] and MODE != "crawl-delay":
            conn.sendall(b"HTTP/1.1 404 Not Found\\r\\nContent-Length: 0\\r\\n\\r\\n")
            return
        if MODE == "crawl-delay":
            body = b"User-agent: *\\nCrawl-delay: 100000\\n"
            conn.sendall(b"HTTP/1.1 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body) + body)
            return
        head = b"HTTP/1.1 200 OK\\r\\nContent-Type: text/html\\r\\nConnection: close\\r\\n"
        if MODE == "huge":  # 1.2 GB, no Content-Length
            conn.sendall(head + b"\\r\\n")
            chunk = b"z" * (1 << 20)
            for _ in range(1200):
                conn.sendall(chunk)
        elif MODE == "drip":  # one byte every 0.5 s, 100000 bytes announced
            conn.sendall(head + b"Content-Length: 100000\\r\\n\\r\\n")
            for _ in range(100000):
                conn.sendall(b"x")
                time.sleep(0.5)
    except OSError:
        pass
    finally:
        conn.close()

def serve():
    while True:
        try:
            c, _ = srv.accept()
        except OSError:
            return
        threading.Thread(target=handle, args=(c,), daemon=True).start()

threading.Thread(target=serve, daemon=True).start()
urls = {tmp!r} + "/urls.txt"
open(urls, "w").write(f"http://127.0.0.1:{{port}}/page\\n")
t0 = time.monotonic()
rep = collect(urls, {tmp!r} + "/out", delay=0, retries=0, timeout=5)
secs = time.monotonic() - t0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
row = rep.rows[0]
print(json.dumps({{"seconds": secs, "peak_rss_mb": rss, "documents": rep.n_articles,
                  "reported": [f"{{row['outcome']}}: {{str(row.get('error'))[:90]}}"]}}))
"""


def _gz_stream(path: Path, head: bytes, fill: bytes, total: int) -> None:
    with gzip.open(path, "wb", compresslevel=9) as fh:
        fh.write(head)
        block = fill * ((1 << 20) // len(fill))
        for _ in range(total // len(block)):
            fh.write(block)


def build(tmp: Path) -> dict[str, tuple[str, str]]:
    """name -> (script template, argument)."""
    probes: dict[str, tuple[str, str]] = {}
    d = tmp / "csv-gz-bomb-field"
    d.mkdir()
    _gz_stream(d / "bomb.csv.gz", b'id,text\na1,"', b"\0" * 1024, 1 << 30)  # 1 GiB in one field
    probes["csv.gz bomb: 1 GiB in one field"] = (READ, str(d))
    d = tmp / "csv-gz-bomb-rows"
    d.mkdir()
    row = "d,Cải cách hành chính ở phường.\n".encode()
    _gz_stream(d / "rows.csv.gz", b"id,text\n", row, 1 << 30)  # 1 GiB of valid rows
    probes["csv.gz bomb: 1 GiB of rows (cap 4 MB)"] = (READ.replace(
        "read_corpus({path!r})", "read_corpus({path!r}, max_file_mb=4)"), str(d))
    d = tmp / "json-gz-bomb"
    d.mkdir()
    _gz_stream(d / "bomb.json.gz", b'[{"id": "x", "text": "', b" " * 1024, 1 << 30)
    probes["json.gz bomb: 1 GiB"] = (READ, str(d))
    d = tmp / "dev-zero"
    d.mkdir()
    os.symlink("/dev/zero", d / "zero.csv")
    probes["*.csv -> /dev/zero"] = (READ, str(d))
    d = tmp / "fifo"
    d.mkdir()
    os.mkfifo(d / "pipe.jsonl")
    probes["FIFO named *.jsonl"] = (READ, str(d))
    d = tmp / "deep"
    d.mkdir()
    (d / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (d / "deep.jsonl").write_text(json.dumps({"id": "a", "text": "Cải cách."}) + "\n"
                                  + '{"text": ' + "[" * 1000 + "]" * 1000 + "}\n")
    probes["JSON nested 100,000 / 1,000 levels"] = (READ, str(d))
    for mode in ("huge", "drip", "crawl-delay"):
        probes[f"collect: {mode}"] = (COLLECT.replace("{mode!r}", repr(mode)), str(tmp / mode))
        (tmp / mode).mkdir()
    return probes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="run probes whose name contains this")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="civictext-probes-") as tmp:
        probes = build(Path(tmp))
        print(f"{'probe':44s} {'seconds':>8s} {'peak MB':>8s} {'docs':>5s}  reported")
        for name, (template, arg) in probes.items():
            if args.only not in name:
                continue
            code = textwrap.dedent(template.format(root=str(ROOT), path=arg, tmp=arg))
            proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  timeout=600)
            if proc.returncode != 0:
                print(f"{name:44s} CRASH: {proc.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            print(f"{name:44s} {r['seconds']:8.1f} {r['peak_rss_mb']:8.0f} {r['documents']:5d}  "
                  f"{' | '.join(r['reported'])}")


if __name__ == "__main__":
    main()
