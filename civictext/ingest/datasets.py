"""Real Vietnamese news corpora on request: a registry and a fetcher.

``list()`` describes the corpora civictext knows (source, licence, size, date
range, citation); :func:`fetch_corpus` returns a path that
:func:`civictext.read_corpus` reads. Nothing here runs at import time or in the
test suite's default path: a download happens only when you call
``fetch_corpus`` for a corpus that is not already on disk.

Where a corpus comes from, in this order:

1. **The cache**: ``data_home`` (default ``$CIVICTEXT_DATA``, else
   ``~/.cache/civictext/datasets``), ``<data_home>/<name>/<file>``, with what
   was received recorded in ``<data_home>/<name>/.civictext/fetch.json``
   (URL, bytes, SHA-256, time). Hidden folders are not corpus (nor part of
   the figures' corpus fingerprint), so ``read_corpus(<data_home>/<name>)``
   reads the data only.
2. **A local copy**: a ``shared/corpora`` folder (``$CIVICTEXT_SHARED_CORPORA``,
   else the nearest ``shared/corpora`` above the working directory, as in a
   project checkout next to ``../shared/corpora``) holding the entry's
   ``local`` path. It is used where it is, read-only, never copied.
3. **A download** from the entry's ``url``: streamed to a ``.part`` file with a
   progress bar (``tqdm.auto``: a widget in JupyterLab, text in a terminal),
   resumed with an HTTP ``Range`` request when a previous download was
   interrupted, checked against ``sha256`` where the registry knows it (a
   mismatch deletes the file and raises :class:`~civictext.errors.DatasetError`)
   and otherwise recorded as received. Only then is the file renamed into place.

The SHA-256 of what was received also goes into every figures manifest built
from a fetched corpus (``manifest["corpus"]["dataset"]``).

The four corpora of ``shared/corpora`` have no direct download link of a file
``read_corpus`` reads (``url=None``): ``fetch_corpus`` finds them only locally
and otherwise says where to get them. The Hugging Face Hub entries
(``vietnews-hf-test``, ``baochinhphu-hf``) are Parquet files with links taken
from the Hub's file listings (one pinned to a revision); none was downloaded
where civictext is built, so their SHA-256 is not known in advance and is
recorded at the first download (compare it with a colleague's
``provenance()`` record to be sure you read the same data). Reading Parquet
needs ``pyarrow``. Your own corpus can be added with :func:`register`.

>>> import civictext as ct
>>> "news-feed" in set(ct.datasets.list()["name"])
True
"""
from __future__ import annotations

import builtins
import datetime as _dt
import hashlib
import http.client
import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from civictext.errors import DatasetError

__all__ = ["Dataset", "list", "fetch_corpus", "register", "data_home", "provenance"]

_META_DIR = ".civictext"
_RECORD = "fetch.json"
_CHUNK = 1 << 16
_USER_AGENT = "civictext-datasets (research software; +https://example.invalid/civictext)"


@dataclass(frozen=True)
class Dataset:
    """One corpus in the registry.

    Attributes
    ----------
    name : str
        What to pass to :func:`fetch_corpus`.
    title, source, licence, citation : str
        What it is, where it comes from (a page a person can open), under which
        terms, and how to cite it.
    documents : int or None
        Number of documents (``None`` when not known).
    date_range : str
        Publication dates covered, as the data gives them ("none" if undated).
    size_bytes : int or None
        Size of the file ``fetch_corpus`` returns.
    filename : str
        The file name in the cache (``read_corpus`` picks the reader from it).
    url : str or None
        Direct download link; ``None`` when there is none (found only locally).
    sha256 : str or None
        Expected SHA-256 of the file; ``None`` when not known (what was received
        is then recorded instead).
    local : str or None
        Path of a copy relative to a ``shared/corpora`` folder.
    notes : str
        What a user should know before reading it (layout, field names, quirks).
    """

    name: str
    title: str
    source: str
    licence: str
    citation: str
    documents: int | None = None
    date_range: str = "unknown"
    size_bytes: int | None = None
    filename: str = "articles.jsonl.gz"
    url: str | None = None
    sha256: str | None = None
    local: str | None = None
    notes: str = ""


_REGISTRY: dict[str, Dataset] = {}


def register(dataset: Dataset, *, replace: bool = False) -> Dataset:
    """Add a corpus to the registry (for this Python session).

    Parameters
    ----------
    dataset : Dataset
    replace : bool
        Allow replacing an entry of the same name.

    Returns
    -------
    Dataset
    """
    if not isinstance(dataset, Dataset):
        raise DatasetError(f"register: expected a ct.datasets.Dataset, got "
                           f"{type(dataset).__name__}")
    if not dataset.name or "/" in dataset.name or dataset.name.startswith((".", "_")):
        raise DatasetError(f"register: name {dataset.name!r} must be a plain folder name "
                           "(no '/', not starting with '.' or '_')")
    if Path(dataset.filename).name != dataset.filename or dataset.filename.startswith((".", "_")):
        raise DatasetError(f"register: filename {dataset.filename!r} must be a plain file name")
    if dataset.name in _REGISTRY and not replace:
        raise DatasetError(f"register: {dataset.name!r} is already registered; pass replace=True")
    _REGISTRY[dataset.name] = dataset
    return dataset


# ---------------------------------------------------------------- registry
# Sizes, counts and dates of the first four entries were measured on the copies
# under ../shared/corpora (see its README).
for _d in (
    Dataset(
        name="news-feed",
        title="Daily news-feed items from Thanh Niên, Tuổi Trẻ and VnExpress",
        source="a public RSS feed archive (titles and summaries as published by the outlets)",
        licence="text belongs to its publishers; research measurement only",
        citation="Thanh Niên, Tuổi Trẻ and VnExpress RSS feeds, 2025-08-07 to 2026-08-23, "
                 "collected by a public feed archive",
        documents=153_825, date_range="2025-08-07 to 2026-08-23 (every day)",
        size_bytes=28_705_248, filename="articles.jsonl.gz", local="news-feed/articles.jsonl.gz",
        notes="title + short summary per item, fields id, title, link, summary, source, "
              "category, published; for Tuổi Trẻ `published` is the fetch time and the "
              "link carries the real timestamp. In date order: read_corpus(limit=N) "
              "reads the first days only."),
    Dataset(
        name="dantri-unc",
        title="Dân trí articles in 10 categories (Underthesea News Corpus, CP_Vietnamese-UNC)",
        source="https://github.com/undertheseanlp (Underthesea News Corpus 2.0-alpha, 2021)",
        licence="GPL-3.0", citation="Vu Anh (2021). Underthesea News Corpus (CP_Vietnamese-UNC), "
                                    "version 2.0-alpha.",
        documents=2_653, date_range="2019-09 to 2021-05 (2,141 in April 2021)",
        filename="articles", local="dantri-unc/articles",
        notes="a folder of .txt files with '# doc_id', '# url', '# date = YYYYMMDD' header "
              "lines, one sentence per line"),
    Dataset(
        name="vnds-test",
        title="VNDS news summarisation corpus, test split (word-segmented)",
        source="https://github.com/ThanhChinhBK/vietnews",
        licence="see the source repository; research use",
        citation="Nguyen, V.-H., Nguyen, T.-C., Nguyen, M.-T., & Hoai, N. X. (2019). VNDS: A "
                 "Vietnamese Dataset for Summarization. NICS 2019.",
        documents=22_644, date_range="none in the metadata (years in the text, mostly 2014-2019)",
        size_bytes=22_407_947, filename="articles.seg.jsonl.gz",
        local="vnds-test/articles.seg.jsonl.gz",
        notes="fields id, text_segmented: already segmented with '_' (used as given); "
              "undated, so no trend over time"),
    Dataset(
        name="vn4news2020",
        title="2020 crawl of Dân trí, Thanh Niên, VnExpress and VietnamNet (70 % by id hash)",
        source="https://github.com/tdtrinh11/crawl_vietnamese_news",
        licence="no licence file in the source repository: research measurement only",
        citation="tdtrinh11 (2020). crawl_vietnamese_news. GitHub repository.",
        documents=100_225, date_range="Dân trí items only (10,425, mostly 2019-2020)",
        size_bytes=97_197_548, filename="articles.jsonl.gz", local="vn4news2020/articles.jsonl.gz",
        notes="body text without titles, 10 section categories; only Dân trí items dated"),
    # Hugging Face Hub entries. Their file paths come from the Hub's file listings
    # (read 2026-12-01 from stored copies of the repositories' tree pages); the build
    # machine has no route to the Hub, so no file was downloaded here and no SHA-256
    # is known: fetch_corpus records what the first download receives.
    Dataset(
        name="vietnews-hf-test",
        title="VNDS / vietnews summarisation corpus, test split, as Parquet on the Hugging "
              "Face Hub (title, abstract, article)",
        source="https://huggingface.co/datasets/nam194/vietnews",
        licence="no licence stated on the dataset card; the VNDS source repository's terms "
                "apply: research use",
        citation="Nguyen, V.-H., Nguyen, T.-C., Nguyen, M.-T., & Hoai, N. X. (2019). VNDS: A "
                 "Vietnamese Dataset for Summarization. NICS 2019. Parquet copy: nam194/"
                 "vietnews, Hugging Face Hub.",
        documents=22_498, date_range="none in the metadata (years in the text, mostly 2014-2019)",
        size_bytes=None, filename="test.parquet",
        url="https://huggingface.co/datasets/nam194/vietnews/resolve/main/data/"
            "test-00000-of-00001-123f98d55067eb7b.parquet",
        notes="the same articles as vnds-test, with separate title and abstract fields "
              "(guid, title, abstract, article; about 39 MB); read_corpus needs pyarrow "
              "for .parquet. If the text comes word-segmented ('cải_cách'), pass "
              "segmented=True. URL from the Hub's listing, not verified from the build "
              "machine; undated, so no trend over time"),
    Dataset(
        name="baochinhphu-hf",
        title="Báo Chính phủ (the government's online newspaper), first of two shards, "
              "from the Vietnamese-News collection on the Hugging Face Hub",
        source="https://huggingface.co/datasets/tmnam20/Vietnamese-News",
        licence="no licence stated on the dataset card; text belongs to its publisher: "
                "research measurement only",
        citation="tmnam20 (2024). Vietnamese-News, config baochinhphu. Hugging Face Hub, "
                 "revision 45ee2e6d6e1ed7a7393a31513ba08316af5a319c.",
        documents=None, date_range="none in the metadata (the url field names the article)",
        size_bytes=None, filename="train-00000.parquet",
        url="https://huggingface.co/datasets/tmnam20/Vietnamese-News/resolve/"
            "45ee2e6d6e1ed7a7393a31513ba08316af5a319c/baochinhphu/"
            "train-00000-of-00002-4a969fc70c7dda45.parquet",
        notes="pinned to one revision of the repository (its file names change between "
              "revisions); fields title, description, content, text, url; the config has "
              "58,400 articles in two shards of about 152 and 161 MB, this is the first "
              "(about half). The outlet writes mostly about government, administration and "
              "policy: the themes are far more common than in general news. Needs pyarrow; "
              "URL from the Hub's listing, not verified from the build machine"),
):
    register(_d)


# ---------------------------------------------------------------- locations
def data_home(data_home: str | os.PathLike | None = None) -> Path:
    """The cache folder: ``data_home``, else ``$CIVICTEXT_DATA``, else
    ``~/.cache/civictext/datasets`` (not created here)."""
    if data_home is not None:
        return Path(data_home).expanduser()
    env = os.environ.get("CIVICTEXT_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "civictext" / "datasets"


_data_home = data_home  # fetch_corpus's parameter has the same name


def _shared_roots() -> builtins.list[Path]:
    env = os.environ.get("CIVICTEXT_SHARED_CORPORA")
    if env:
        return [Path(env).expanduser()]
    here = Path.cwd().resolve()
    return [p / "shared" / "corpora" for p in (here, *here.parents)
            if (p / "shared" / "corpora").is_dir()][:1]


def _local_copy(ds: Dataset) -> Path | None:
    if not ds.local:
        return None
    for root in _shared_roots():
        cand = root / ds.local
        if cand.exists():
            return cand
    return None


def _entry(name: str) -> Dataset:
    if not isinstance(name, str) or name not in _REGISTRY:
        raise DatasetError(f"fetch_corpus: unknown corpus {name!r}; known: "
                           f"{', '.join(sorted(_REGISTRY))} (see ct.datasets.list(), "
                           "or add yours with ct.datasets.register)")
    return _REGISTRY[name]


def list() -> pd.DataFrame:  # noqa: A001 (the documented name: ct.datasets.list())
    """The corpora civictext knows, and where each one is on this machine.

    Returns
    -------
    DataFrame
        One row per corpus: ``name, title, documents, date_range, size_mb,
        licence, source, citation, url, sha256, available, path``
        (``available``: "cache", "local" or "" when it would have to be
        downloaded; ``path``: where ``fetch_corpus`` would return it from).
    """
    rows = []
    home = data_home()
    for ds in _REGISTRY.values():
        cached = home / ds.name / ds.filename
        local = _local_copy(ds)
        where, path = ("cache", cached) if cached.exists() else (
            ("local", local) if local is not None else ("", None))
        rows.append({
            "name": ds.name, "title": ds.title, "documents": ds.documents,
            "date_range": ds.date_range,
            "size_mb": round(ds.size_bytes / 1e6, 1) if ds.size_bytes else None,
            "licence": ds.licence, "source": ds.source, "citation": ds.citation,
            "url": ds.url, "sha256": ds.sha256, "available": where,
            "path": str(path) if path is not None else "",
        })
    table = pd.DataFrame(rows, columns=["name", "title", "documents", "date_range", "size_mb",
                                        "licence", "source", "citation", "url", "sha256",
                                        "available", "path"])
    table["documents"] = table["documents"].astype("Int64")  # missing where not known
    return table


# ---------------------------------------------------------------- fetching
def fetch_corpus(name: str, data_home: str | os.PathLike | None = None, *,
                 progress: bool = True, force: bool = False, local: bool = True,
                 timeout: float = 60.0) -> Path:
    """Return a path to corpus ``name`` that :func:`civictext.read_corpus` reads,
    downloading it first if it is neither cached nor available locally.

    Parameters
    ----------
    name : str
        A name from :func:`list` (or one you :func:`register`).
    data_home : path, optional
        Cache folder; default ``$CIVICTEXT_DATA``, else ``~/.cache/civictext/datasets``.
    progress : bool, keyword-only
        Show a download bar (``tqdm.auto``).
    force : bool, keyword-only
        Download again even if the file is cached.
    local : bool, keyword-only
        Use a copy under a ``shared/corpora`` folder when there is one.
    timeout : float, keyword-only
        Seconds to wait for the server on each read.

    Returns
    -------
    Path
        The cached file (or folder), or the local copy.

    Raises
    ------
    DatasetError
        Unknown name; no download link and no local copy; a network failure
        (the partial file is kept so the next call resumes); a checksum
        mismatch (the file is deleted).

    Examples
    --------
    >>> import civictext as ct  # doctest: +SKIP
    >>> articles = ct.read_corpus(ct.fetch_corpus("news-feed"), limit=5000)  # doctest: +SKIP
    """
    ds = _entry(name)
    home = _data_home(data_home)
    target = home / ds.name / ds.filename
    if target.exists() and not force:
        return target
    if local and not force:
        found = _local_copy(ds)
        if found is not None:
            return found
    if not ds.url:
        where = (f"$CIVICTEXT_SHARED_CORPORA ({os.environ['CIVICTEXT_SHARED_CORPORA']})"
                 if os.environ.get("CIVICTEXT_SHARED_CORPORA") else "a shared/corpora folder")
        raise DatasetError(
            f"fetch_corpus: {name!r} has no download link and was found neither in "
            f"the cache ({target}) nor in {where}. Get it from {ds.source} and put "
            f"{ds.filename!r} at {target}, or set CIVICTEXT_SHARED_CORPORA to the folder that "
            f"holds {ds.local or ds.filename!r}")
    return _download(ds, target, progress=progress, timeout=timeout)


def _download(ds: Dataset, target: Path, *, progress: bool, timeout: float) -> Path:
    meta = target.parent / _META_DIR
    meta.mkdir(parents=True, exist_ok=True)
    part = meta / f"{ds.filename}.part"
    have = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": _USER_AGENT}
    if have:
        headers["Range"] = f"bytes={have}-"
    request = urllib.request.Request(ds.url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (https/http by design)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # the part file is already complete
            response = None
        else:
            raise DatasetError(f"fetch_corpus: {ds.url} answered HTTP {exc.code} "
                               f"({exc.reason}); try again later or get it from {ds.source}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DatasetError(f"fetch_corpus: cannot reach {ds.url} ({exc}); check the network "
                           f"or get the file from {ds.source}") from exc
    resumed = False
    if response is not None:
        with response:
            status = getattr(response, "status", 200)
            if have and status == 206:
                resumed = True
            elif have:  # the server ignored Range: start again
                have = 0
            length = response.headers.get("Content-Length")
            total = (have + int(length)) if length and length.isdigit() else ds.size_bytes
            bar = _bar(total, have, ds.name, progress)
            try:
                with open(part, "ab" if resumed else "wb") as fh:
                    while block := response.read(_CHUNK):
                        fh.write(block)
                        bar.update(len(block))
            except (OSError, urllib.error.URLError, http.client.HTTPException) as exc:
                raise DatasetError(f"fetch_corpus: the download of {ds.url} was interrupted "
                                   f"({exc}); call fetch_corpus again to resume it from "
                                   f"{part.stat().st_size if part.exists() else 0} bytes") from exc
            finally:
                bar.close()
            if total and length and part.stat().st_size < total:
                raise DatasetError(f"fetch_corpus: the download of {ds.url} stopped at "
                                   f"{part.stat().st_size} of {total} bytes; call "
                                   "fetch_corpus again to resume it")
    digest = _sha256(part)
    if ds.sha256 and digest != ds.sha256.lower():
        part.unlink()
        raise DatasetError(f"fetch_corpus: {ds.url} gave a file with SHA-256 {digest}, but "
                           f"the registry expects {ds.sha256}; the file was deleted. The "
                           "source may have changed: check it, or register the entry with "
                           "sha256=None to accept what it serves")
    os.replace(part, target)
    os.chmod(target, 0o666 & ~_umask())
    record = {"name": ds.name, "url": ds.url, "file": ds.filename,
              "bytes": target.stat().st_size, "sha256": digest,
              "sha256_expected": ds.sha256, "verified": bool(ds.sha256),
              "resumed": resumed,
              "fetched": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
              "source": ds.source, "licence": ds.licence, "citation": ds.citation}
    from civictext._io import write_json

    write_json(meta / _RECORD, record)
    return target


def _umask() -> int:
    from civictext._io import _umask as umask

    return umask()


def _bar(total: int | None, initial: int, name: str, show: bool) -> Any:
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc=f"fetch {name}", unit="B",
                unit_scale=True, unit_divisor=1024, disable=not show, leave=True)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def provenance(path: str | os.PathLike) -> dict[str, Any] | None:
    """What :func:`fetch_corpus` recorded about the corpus at ``path``, or None.

    ``path`` may be the fetched file or its folder. For a local copy (a
    ``shared/corpora`` folder) it is the registry entry's name and source, with
    ``sha256`` None (the manifest's corpus fingerprint covers the bytes).
    """
    p = Path(path).expanduser()
    for folder in (p, p.parent):
        rec = folder / _META_DIR / _RECORD
        if rec.is_file():
            try:
                return json.loads(rec.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
    try:
        resolved = p.resolve()
    except OSError:
        return None
    for ds in _REGISTRY.values():
        local = _local_copy(ds)
        if local is not None and local.resolve() in (resolved, *resolved.parents):
            return {"name": ds.name, "url": ds.url, "file": ds.local, "sha256": None,
                    "verified": False, "source": ds.source, "licence": ds.licence,
                    "citation": ds.citation, "local_copy": True}
    return None
