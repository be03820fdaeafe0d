"""Run reading, token counting and theme scoring on Dask, past one machine.

The same stage functions as the local engine (``corpus.read_corpus``,
``tokenize.count_tokens``, ``themes.score_themes`` / ``theme_evidence``,
``trends.theme_trends``) run once per *partition*, a group of input files of
about ``partition_size`` bytes, on the workers of a Dask cluster. Each partition
writes its rows as Parquet under ``out_dir``, one folder per table::

    out_dir/
      articles/part-00000.parquet   articles table without ``text`` (+ n_chars, n_tokens)
      scores/part-00000.parquet     theme scores (docs/pipeline.md section 3)
      evidence/part-00000.parquet   one row per lexicon hit
      _manifests/part-00000.json    written LAST: inputs + their SHA-256, outputs +
                                    their SHA-256, row counts, skipped items
      trends.csv                    aggregated from the parts (only when none failed),
      trends_by_source.csv          as ``civictext run`` writes them
      failures.csv                  partitions that failed after their retries
      skipped.csv                   input items the reader skipped (strict=False)
      _run.json                     what this run did: partitions, parameters, counts

Guarantees
----------
* **Same numbers as the local engine.** A partition is a run of consecutive
  files in the sorted order ``read_corpus`` reads a folder in, and its rows keep
  that order; parts are put back together by partition number, never in the
  order they finish. Every table (and so the row order ``theme_trends``
  bootstraps over) therefore comes out exactly as the local engine makes it,
  whatever the partitioning or scheduling.
* **The segmentation model is loaded once per worker process** (a worker plugin
  warms it when the worker joins, and every task checks a per-process flag), not
  once per task.
* **Bounded memory per worker.** A worker holds one partition at a time
  (``threads_per_worker=1`` is recommended): about ``partition_size`` bytes of
  input text, 3-5 times that in pandas frames, plus ~200 MB for the interpreter
  and underthesea (measured: ~300 MB peak per worker with 0.5 MB partitions).
  For the default 16 MB that is an estimated 0.5-1 GB; give workers a
  ``--memory-limit`` of 2 GB. A single input file is never split, so a file larger
  than ``partition_size`` is a partition of its own: split very large JSONL
  files first (``split -l 50000 big.jsonl part-``).
* **Failures are retried, then reported, never dropped.** A partition whose task
  raises is retried ``retries`` times; if it still fails it is listed in
  ``failures.csv`` (and the returned summary), trends are not written, and a
  rerun computes only what is missing.
* **Resume.** A partition whose manifest exists, whose input files still have
  the recorded SHA-256 and whose output files still have theirs is not
  recomputed (``resume=True``, the default).

``out_dir`` and the inputs must be visible to every worker at the same path (a
shared file system such as NFS or a cluster scratch folder).

Dask is an optional extra: ``pip install civictext[dask]``. Importing this module
does not import Dask; :func:`run_dask` does.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Callable, Sequence

import pandas as pd

from civictext._io import atomic_write, sha256_file, write_csv, write_json
from civictext.config import DEFAULT_RANDOM_STATE
from civictext.errors import CivictextError

__all__ = ["run_dask", "load_table", "Stages", "DaskEngine", "DaskNotInstalledError", "DEFAULT_PARTITION_SIZE"]

log = logging.getLogger(__name__)

#: Bytes of input files per partition (see "Bounded memory per worker" above).
DEFAULT_PARTITION_SIZE = 16 * 2**20

_TABLES = ("articles", "scores", "evidence")
_MANIFESTS = "_manifests"
_FORMAT_VERSION = 1


class DaskNotInstalledError(CivictextError, ImportError):
    """The Dask engine was asked for but Dask is not installed."""


def _require_dask() -> Any:
    """Import and return ``distributed``; a clear error when it is missing."""
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError as exc:
        raise DaskNotInstalledError(
            f"the dask engine needs dask and distributed, which are not installed ({exc}); "
            "install them with: pip install civictext[dask]   (or use --engine local)") from exc
    return distributed


# ------------------------------------------------------------------ the stages
def _default_list_files(root: Path) -> list[Path]:
    """The files ``read_corpus(root)`` reads, in its order."""
    from civictext.ingest.reader import list_corpus_files

    return list_corpus_files(root)


@functools.lru_cache(maxsize=8)
def _reader_plan(root: str, strict: bool) -> Any:
    """The reader plan of ``root`` (once per worker process and root)."""
    from civictext.ingest.reader import ReadOptions, plan_corpus

    return plan_corpus(root, ReadOptions(strict=strict))


def _default_read(root: Path, files: Sequence[Path], strict: bool) -> pd.DataFrame:
    """Some files of the corpus at ``root``, read through its reader plan (the one
    ``read_corpus(root)`` uses: the folder's manifest.csv and category folders
    apply); ids unique within these files."""
    from civictext.ingest.reader import articles_frame, read_files, unique_rows

    plan = _reader_plan(str(root), bool(strict))
    part = read_files(plan, list(files))
    out = articles_frame(unique_rows(part.rows))
    out.attrs["skipped"] = part.skipped
    return out


def _default_count_tokens(articles: pd.DataFrame) -> pd.Series:
    from civictext.text.segmentation import count_tokens

    return count_tokens(articles, n_jobs=1, cache=False)


def _default_score_themes(articles: pd.DataFrame, lexicon: Any, n_tokens: pd.Series, *,
                          presence: str = "focus") -> pd.DataFrame:
    from civictext.themes.scoring import score_themes

    return score_themes(articles, lexicon, n_tokens=n_tokens, presence=presence)


def _default_theme_evidence(articles: pd.DataFrame, lexicon: Any) -> pd.DataFrame:
    from civictext.themes.scoring import theme_evidence

    return theme_evidence(articles, lexicon)


def _default_theme_trends(scores: pd.DataFrame, articles: pd.DataFrame, *, freq: str | None,
                          by: str | None, random_state: int) -> pd.DataFrame:
    from civictext.trends.shares import choose_freq, theme_trends

    freq = freq or choose_freq(articles)
    return theme_trends(scores, articles, freq=freq, by=by, random_state=random_state)


def _default_load_lexicon(lexicon: Any) -> Any:
    from civictext.themes.lexicon import load_lexicons

    return load_lexicons(lexicon) if lexicon is None or isinstance(lexicon, (str, os.PathLike, list, tuple)) else lexicon


def _default_warm() -> None:
    """Load underthesea's segmentation model into this process (once)."""
    from underthesea import word_tokenize

    word_tokenize("Cải cách hành chính.")


@dataclasses.dataclass(frozen=True)
class Stages:
    """The stage functions one partition runs (swap them to test the engine).

    Every field must be picklable (a module-level function). ``warm`` runs once
    per worker process before its first partition; ``None`` skips it.
    """

    list_files: Callable[[Path], list[Path]] = _default_list_files
    read: Callable[[Path, Sequence[Path], bool], pd.DataFrame] = _default_read
    count_tokens: Callable[[pd.DataFrame], pd.Series] = _default_count_tokens
    score_themes: Callable[..., pd.DataFrame] = _default_score_themes  # + presence=
    theme_evidence: Callable[[pd.DataFrame, Any], pd.DataFrame] = _default_theme_evidence
    theme_trends: Callable[..., pd.DataFrame] = _default_theme_trends
    load_lexicon: Callable[[Any], Any] = _default_load_lexicon
    warm: Callable[[], None] | None = _default_warm


# ------------------------------------------------- once-per-process model load
_WARM_CALLS = 0


def _ensure_warm(warm: Callable[[], None] | None) -> None:
    """Run ``warm`` unless this process has already run it."""
    global _WARM_CALLS
    if warm is None or _WARM_CALLS:
        return
    warm()
    _WARM_CALLS += 1


def _reset_warm() -> None:
    """Forget that this process loaded the model; for tests."""
    global _WARM_CALLS
    _WARM_CALLS = 0


def _warm_calls() -> int:
    """How many times this process loaded the model (0 or 1); for tests."""
    return _WARM_CALLS


def _warm_plugin(warm: Callable[[], None] | None) -> Any:
    from distributed import WorkerPlugin

    class _WarmModel(WorkerPlugin):
        """Load the segmentation model when a worker starts (and when it restarts)."""

        name = "civictext-warm-model"

        def __init__(self, fn: Callable[[], None] | None) -> None:
            self.fn = fn

        def setup(self, worker: Any) -> None:  # noqa: ARG002 - dask's signature
            _ensure_warm(self.fn)

    return _WarmModel(warm)


# ------------------------------------------------------------------ planning
def _plan(inputs: str | os.PathLike | Sequence[str | os.PathLike], partition_size: int,
          list_files: Callable[[Path], list[Path]]) -> tuple[Path, list[list[Path]]]:
    """Group the input files into partitions of about ``partition_size`` bytes.

    Files are taken in sorted order and never split; the grouping depends only on
    the file names and sizes, so the same corpus gives the same partitions.
    """
    paths = [Path(p) for p in ([inputs] if isinstance(inputs, (str, os.PathLike)) else inputs)]
    if not paths:
        raise CivictextError("run_dask: inputs is empty; give a corpus file or folder")
    for p in paths:
        if not p.exists():
            raise CivictextError(f"run_dask: input {p} does not exist; give a corpus file or folder")
    if len(paths) == 1:
        root = paths[0].resolve()
        files = [f.resolve() for f in list_files(root)]
    else:
        root = Path(os.path.commonpath([p.resolve() for p in paths]))
        root = root if root.is_dir() else root.parent
        files = sorted({f.resolve() for p in paths for f in list_files(p.resolve())},
                       key=lambda f: f.relative_to(root).as_posix())
    if not files:
        from civictext.ingest.reader import FORMATS

        raise CivictextError(f"run_dask: no input files under {paths[0]} "
                             f"(looked for {', '.join(FORMATS)}, also gzipped)")
    groups: list[list[Path]] = [[]]
    size = 0
    for f in files:
        n = f.stat().st_size
        if groups[-1] and size + n > partition_size:
            groups.append([])
            size = 0
        groups[-1].append(f)
        size += n
    return root, groups


def _part_name(i: int) -> str:
    return f"part-{i:05d}"


def _lexicon_digest(lexicon: Any) -> str:
    terms = getattr(lexicon, "terms", None)
    blob = terms.to_csv(index=False) if isinstance(terms, pd.DataFrame) else repr(lexicon)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


# ------------------------------------------------------------ one partition
def _write_parquet(path: Path, frame: pd.DataFrame) -> str:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    data = buf.getvalue()
    with atomic_write(path, "wb") as fh:
        fh.write(data)
    return hashlib.sha256(data).hexdigest()


def _finished(manifest_path: Path, out_dir: Path, inputs: list[dict], params: dict) -> dict | None:
    """The manifest of a finished partition whose inputs and outputs are unchanged."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("inputs") != inputs or manifest.get("params") != params:
        return None
    for table, entry in manifest.get("outputs", {}).items():
        path = out_dir / table / entry["file"]
        if not path.is_file() or sha256_file(path) != entry["sha256"]:
            return None
    return manifest


def _run_partition(index: int, root: str, files: list[str], out_dir: str, stages: Stages,
                   lexicon: Any, params: dict, resume: bool) -> dict:
    """Read, count, score and write one partition; return its manifest."""
    t0 = time.perf_counter()
    root_p, out = Path(root), Path(out_dir)
    paths = [Path(f) for f in files]
    name = _part_name(index)
    inputs = [{"path": p.relative_to(root_p).as_posix() if root_p.is_dir() else p.name,
               "bytes": p.stat().st_size, "sha256": sha256_file(p)} for p in paths]
    manifest_path = out / _MANIFESTS / f"{name}.json"
    if resume:
        done = _finished(manifest_path, out, inputs, params)
        if done is not None:
            return {**done, "status": "resumed"}
    _ensure_warm(stages.warm)
    articles = stages.read(root_p, paths, params["strict"]).reset_index(drop=True)
    skipped = list(articles.attrs.get("skipped", []))
    n_tokens = stages.count_tokens(articles)
    scores = stages.score_themes(articles, lexicon, n_tokens,
                                 presence=params["presence"]).reset_index(drop=True)
    evidence = stages.theme_evidence(articles, lexicon).reset_index(drop=True)
    meta = articles.drop(columns=["text"]).assign(
        n_chars=articles["text"].str.len().astype("int64"),
        n_tokens=articles["doc_id"].map(n_tokens).astype("int64"))
    outputs = {}
    for table, frame in (("articles", meta), ("scores", scores), ("evidence", evidence)):
        digest = _write_parquet(out / table / f"{name}.parquet", frame)
        outputs[table] = {"file": f"{name}.parquet", "sha256": digest, "rows": len(frame)}
    manifest = {
        "format_version": _FORMAT_VERSION, "partition": index, "inputs": inputs,
        "params": params, "outputs": outputs, "skipped": _jsonable(skipped),
        "n_articles": len(articles), "n_chars": int(meta["n_chars"].sum()),
        "n_tokens": int(meta["n_tokens"].sum()), "seconds": round(time.perf_counter() - t0, 3),
    }
    write_json(manifest_path, manifest)  # last: its presence means "finished"
    return {**manifest, "status": "computed"}


def _jsonable(items: list[dict]) -> list[dict]:
    return json.loads(json.dumps(items, default=str))


# ------------------------------------------------------------------- driver
def _connect(scheduler: Any, n_workers: int, memory_limit: str | None) -> tuple[Any, Callable[[], None]]:
    distributed = _require_dask()
    if isinstance(scheduler, distributed.Client):
        return scheduler, lambda: None
    if scheduler:
        client = distributed.Client(scheduler)
        return client, client.close
    cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                       memory_limit=memory_limit or "auto",
                                       dashboard_address=":0")
    client = distributed.Client(cluster)

    def close() -> None:
        client.close()
        cluster.close()

    return client, close


def _remove_stale(out: Path, n_parts: int) -> None:
    """Delete parts left by an earlier run with more partitions (never inputs)."""
    for folder in (*_TABLES, _MANIFESTS):
        d = out / folder
        if not d.is_dir():
            continue
        for f in d.glob("part-*"):
            stem = f.name.split(".")[0]
            if stem[5:].isdigit() and int(stem[5:]) >= n_parts:
                f.unlink()


def run_dask(
    inputs: str | os.PathLike | Sequence[str | os.PathLike],
    out_dir: str | os.PathLike,
    *,
    scheduler: Any = None,
    n_workers: int = 2,
    partition_size: int = DEFAULT_PARTITION_SIZE,
    lexicon: Any = None,
    strict: bool = False,
    resume: bool = True,
    trends: bool = True,
    freq: str | None = None,
    by: str | None = "source",
    random_state: int = DEFAULT_RANDOM_STATE,
    retries: int = 2,
    memory_limit: str | None = None,
    stages: Stages | None = None,
    presence: str | None = None,
) -> dict:
    """Score a corpus on a Dask cluster; write partitioned Parquet and trends.

    Parameters
    ----------
    inputs : path or list of paths
        A corpus file or folder (as for ``read_corpus``), or several.
    out_dir : path
        Output folder (layout in the module docstring). Must be on a file system
        every worker sees at the same path.
    scheduler : None, str or distributed.Client, keyword-only
        ``None`` starts a ``LocalCluster`` of ``n_workers`` single-threaded worker
        processes for this call; ``"tcp://host:8786"`` connects to a running
        scheduler; a ``Client`` is used as is (and not closed).
    n_workers : int, keyword-only
        Workers of the local cluster (ignored when ``scheduler`` is given).
    partition_size : int, keyword-only
        Bytes of input files per partition (default 16 MB); bounds the memory a
        worker needs (module docstring).
    lexicon : Lexicon, path or list of paths, optional
        As for ``score_themes`` (default: the built-in lexicons).
    strict : bool, keyword-only
        Stop at the first unreadable input item instead of skipping it.
    resume : bool, keyword-only
        Skip partitions finished by an earlier run whose inputs and outputs are
        unchanged (checked by SHA-256).
    trends : bool, keyword-only
        Once every partition has finished, aggregate ``trends.csv``
        (``theme_trends(scores, articles, freq=freq, random_state=random_state)``)
        and, when ``by`` is given, ``trends_by_<by>.csv``, as ``civictext run``
        does. ``freq=None`` picks it with ``trends.choose_freq`` (as ``civictext run``).
    retries : int, keyword-only
        Times Dask retries a failed partition (on any worker) before reporting it.
    memory_limit : str, optional
        Per-worker memory limit of the local cluster, e.g. ``"2GB"``.
    stages : Stages, optional
        The stage functions (default: civictext's own).
    presence : {"auto", "focus", "mention", "model"}, keyword-only
        Passed to ``score_themes`` (default: its default, "auto", which applies
        the shipped theme model on the workers, as the local engine does); part
        of the partition parameters, so a rerun with another value recomputes
        every partition.

    Returns
    -------
    dict
        ``out_dir``, ``scheduler`` (address), ``n_partitions``, ``computed``,
        ``resumed`` and ``failed`` (counts), ``n_articles``, ``n_chars``,
        ``n_tokens``, ``duplicate_doc_ids`` (ids found in more than one input
        file), ``seconds``, ``trends`` (path or None), ``failures``
        (DataFrame: ``partition, files, error, message``), ``skipped``
        (DataFrame of input items the reader skipped).

    Examples
    --------
    >>> summary = run_dask("corpus/", "out/dask")                    # doctest: +SKIP
    >>> summary["failed"], summary["trends"]                         # doctest: +SKIP
    (0, PosixPath('out/dask/trends.csv'))
    >>> scores = load_table("out/dask", "scores")                    # doctest: +SKIP
    """
    _require_dask()
    stages = stages or Stages()
    if presence is None:
        from civictext.themes.scoring import DEFAULT_PRESENCE

        presence = DEFAULT_PRESENCE
    if not partition_size > 0:  # also NaN
        raise CivictextError(f"run_dask: partition_size must be a positive number of bytes, "
                             f"got {partition_size!r}")
    if scheduler is None and (isinstance(n_workers, bool) or not isinstance(n_workers, int)
                              or not 1 <= n_workers <= 256):
        from civictext.errors import ParameterError

        raise ParameterError(f"run_dask: n_workers must be a whole number from 1 to 256, got "
                             f"{n_workers!r} (0 workers would wait forever)")
    if retries < 0:
        raise CivictextError(f"run_dask: retries must be >= 0, got {retries!r}")
    from civictext.themes.scoring import PRESENCE_RULES

    if presence not in PRESENCE_RULES:
        raise CivictextError(f"run_dask: presence must be "
                             f"{' or '.join(repr(r) for r in PRESENCE_RULES)}, got {presence!r}")
    t0 = time.perf_counter()
    out = Path(out_dir).resolve()
    root, groups = _plan(inputs, partition_size, stages.list_files)
    lex = stages.load_lexicon(lexicon)
    params = {"strict": bool(strict), "presence": presence, "lexicon": _lexicon_digest(lex),
              "civictext": _package_version(), "format_version": _FORMAT_VERSION}
    out.mkdir(parents=True, exist_ok=True)
    _remove_stale(out, len(groups))
    for stale in ("trends.csv", f"trends_by_{by}.csv", "failures.csv", "skipped.csv", "_run.json"):
        (out / stale).unlink(missing_ok=True)

    client, close = _connect(scheduler, n_workers, memory_limit)
    try:
        distributed = _require_dask()
        if stages.warm is not None:
            client.register_plugin(_warm_plugin(stages.warm))
        run_token = hashlib.sha256(f"{out}{time.time_ns()}".encode()).hexdigest()[:8]
        futures = {
            client.submit(_run_partition, i, str(root), [str(f) for f in files], str(out),
                          stages, lex, params, resume, retries=retries, pure=False,
                          key=f"civictext-{_part_name(i)}-{run_token}"): (i, files)
            for i, files in enumerate(groups)
        }
        manifests, failures = [], []
        for fut in distributed.as_completed(futures):
            i, files = futures[fut]
            if fut.status == "finished":
                manifests.append(fut.result())
                log.info("partition %d/%d %s", i + 1, len(groups), manifests[-1]["status"])
            else:
                exc = fut.exception()
                failures.append({"partition": _part_name(i),
                                 "files": ";".join(_rel(f, root) for f in files),
                                 "error": type(exc).__name__, "message": str(exc)})
                log.warning("partition %s failed after %d retries: %s: %s",
                            _part_name(i), retries, type(exc).__name__, exc)
        address = client.scheduler.address
    finally:
        close()
    return _finish(out, root, groups, manifests, failures, params, stages, address,
                   t0, trends=trends, freq=freq, by=by, random_state=random_state)


def _finish(out: Path, root: Path, groups: list, manifests: list[dict], failures: list[dict],
            params: dict, stages: Stages, address: str, t0: float, *, trends: bool, freq: str,
            by: str | None, random_state: int) -> dict:
    manifests.sort(key=lambda m: m["partition"])
    failures_df = pd.DataFrame(sorted(failures, key=lambda r: r["partition"]),
                               columns=["partition", "files", "error", "message"])
    skipped_df = pd.DataFrame([s for m in manifests for s in m.get("skipped", [])])
    if not skipped_df.empty:
        write_csv(out / "skipped.csv", skipped_df)
    trends_path = None
    if failures:
        write_csv(out / "failures.csv", failures_df)
        log.warning("run_dask: %d of %d partitions failed (see %s); trends not written, "
                    "rerun to retry them", len(failures), len(groups), out / "failures.csv")
    duplicates = 0
    if manifests and not failures:
        ids = load_table(out, "articles", manifests=manifests, columns=["doc_id"])["doc_id"]
        duplicates = int(ids.duplicated().sum())
        if duplicates:
            example = ids[ids.duplicated()].iloc[0]
            log.warning("run_dask: %d doc_id values (e.g. %r) occur in files of different "
                        "partitions, where read_corpus(folder) would rename the later ones "
                        "'-2', '-3'; trends not written. Give the documents unique ids, or "
                        "use a larger partition_size so those files share a partition",
                        duplicates, example)
    if not failures and not duplicates and trends:
        scores = load_table(out, "scores", manifests=manifests)
        articles = load_table(out, "articles", manifests=manifests)
        table = stages.theme_trends(scores, articles, freq=freq, by=None, random_state=random_state)
        trends_path = write_csv(out / "trends.csv", table)
        if by:
            write_csv(out / f"trends_by_{by}.csv",
                      stages.theme_trends(scores, articles, freq=freq, by=by,
                                          random_state=random_state))
    summary = {
        "out_dir": out, "scheduler": address, "n_partitions": len(groups),
        "computed": sum(m["status"] == "computed" for m in manifests),
        "resumed": sum(m["status"] == "resumed" for m in manifests),
        "failed": len(failures), "duplicate_doc_ids": duplicates,
        "n_articles": sum(m["n_articles"] for m in manifests),
        "n_chars": sum(m["n_chars"] for m in manifests),
        "n_tokens": sum(m["n_tokens"] for m in manifests),
        "seconds": round(time.perf_counter() - t0, 3),
        "trends": trends_path, "failures": failures_df, "skipped": skipped_df,
    }
    write_json(out / "_run.json", {
        **{k: v for k, v in summary.items() if k not in {"failures", "skipped", "out_dir", "seconds"}},
        "trends": str(trends_path) if trends_path else None, "root": str(root), "params": params,
        "partitions": [{"partition": m["partition"], "status": m["status"]} for m in manifests],
        "failures": failures_df.to_dict("records"),
        "trend_params": {"freq": freq, "by": by, "random_state": random_state} if trends else None,
    })
    return summary


def _rel(f: Path, root: Path) -> str:
    return f.relative_to(root).as_posix() if root.is_dir() else f.name


def _package_version() -> str:
    from civictext import __version__

    return __version__


def load_table(out_dir: str | os.PathLike, table: str, *,
               manifests: list[dict] | None = None, columns: list[str] | None = None) -> pd.DataFrame:
    """Read one table of a finished :func:`run_dask` output, in the local engine's order.

    Parameters
    ----------
    out_dir : path
        The ``out_dir`` given to :func:`run_dask`.
    table : {"articles", "scores", "evidence"}
        Which table.
    columns : list of str, optional
        Read only these columns (saves memory on large runs).

    Returns
    -------
    DataFrame
        The rows of every finished partition listed in ``_manifests/``, in
        partition order (= the order ``read_corpus`` reads the files), with a
        fresh index.

    Examples
    --------
    >>> scores = load_table("out/dask", "scores")                    # doctest: +SKIP
    """
    out = Path(out_dir)
    if table not in _TABLES:
        raise CivictextError(f"load_table: table must be one of {', '.join(_TABLES)}, got {table!r}")
    if manifests is None:
        paths = sorted((out / _MANIFESTS).glob("part-*.json"))
        if not paths:
            raise CivictextError(f"load_table: {out} holds no finished partitions "
                                 f"(no {_MANIFESTS}/part-*.json); run run_dask first")
        manifests = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    frames = [pd.read_parquet(out / table / m["outputs"][table]["file"], columns=columns)
              for m in sorted(manifests, key=lambda m: m["partition"])]
    frames = [f for f in frames if len(f)] or frames[:1]
    return pd.concat(frames, ignore_index=True)


# ------------------------------------------------- the engine of civictext run
def _process_partition_task(plan: Any, files: list[str], spec: Any, index: int) -> Any:
    """:func:`civictext.engines.local.process_partition` on a worker (model loaded once)."""
    from civictext.engines.local import process_partition

    _ensure_warm(_default_warm)
    return process_partition(plan, [Path(f) for f in files], spec, index=index)


def _signatures_of(result: Any) -> Any:
    """A partition's MinHash signatures (what the driver gathers for dedup)."""
    return result.signatures


def _without_signatures(result: Any) -> Any:
    return dataclasses.replace(result, signatures=None)


def _pair_jaccard_task(left: Any, right: Any, pairs: list[tuple[int, int]],
                       shingle: int) -> list[float]:
    """Exact Jaccard of candidate pairs, rows of partition ``left`` with rows of
    ``right``, on the worker (the texts never go to the driver for dedup)."""
    from civictext.engines.local import pair_jaccard

    return pair_jaccard(left.articles["text"], pairs, shingle,
                        None if right is left else right.articles["text"])


def _gather_spilled(client: Any, futures: list[Any]) -> list[Any]:
    """The partitions' results in order; with more than one, gathered one at a time and
    their bulky columns spilled to the driver's disk as they come
    (:func:`civictext.engines.local.spill_result`), so the driver holds one partition's
    texts at a time, as with the local engine."""
    if len(futures) <= 1:
        return client.gather(futures)
    from civictext.engines.local import spill_result
    from civictext.engines.spill import Spill

    spill = Spill()
    return [spill_result(client.gather(f), spill) for f in futures]


@dataclasses.dataclass(frozen=True)
class DaskEngine:
    """Schedule :func:`civictext.engines.local.process_partition` on a Dask cluster.

    The engine of ``civictext run --engine dask`` (``pipeline.run`` with
    ``RunConfig(engine=DaskEngine(...))``): every partition of the run's
    reader plan is read, counted, scored and searched for evidence on a
    worker, with the same function as the local engine; the results come back
    to the driver in plan order, where near-duplicates, topics, trends and
    figures are computed, so every output equals the local engine's.

    ``scheduler``: None starts a ``LocalCluster`` of ``n_workers``
    single-threaded worker processes for the run (``processes=False``: threads
    in this process, for tests); an address or a ``distributed.Client`` uses
    that cluster. ``partition_size``: bytes of input files per partition.
    ``retries``: times a failed partition is retried before the run fails.
    """

    scheduler: Any = None
    n_workers: int = 2
    partition_size: int = DEFAULT_PARTITION_SIZE
    memory_limit: str | None = None
    retries: int = 2
    processes: bool = True

    name = "dask"

    def __post_init__(self) -> None:
        from civictext.errors import ParameterError

        if not (isinstance(self.partition_size, (int, float))
                and not isinstance(self.partition_size, bool) and self.partition_size > 0):
            raise ParameterError(f"DaskEngine: partition_size must be a positive number of "
                                 f"bytes, got {self.partition_size!r}")
        if self.scheduler is None and (isinstance(self.n_workers, bool)
                                       or not isinstance(self.n_workers, int)
                                       or not 1 <= self.n_workers <= 256):
            raise ParameterError(f"DaskEngine: n_workers must be a whole number from 1 to 256, "
                                 f"got {self.n_workers!r}")
        if isinstance(self.retries, bool) or not isinstance(self.retries, int) or self.retries < 0:
            raise ParameterError(f"DaskEngine: retries must be a whole number >= 0, got "
                                 f"{self.retries!r}")

    def partitions(self, plan: Any) -> list[tuple[Path, ...]]:
        return plan.partitions(int(self.partition_size))

    def map(self, plan: Any, groups: list[tuple[Path, ...]], spec: Any) -> list[Any]:
        from civictext.errors import ParameterError

        if plan.options.limit is not None:
            raise ParameterError("the dask engine reads whole partitions: limit= (read "
                                 "option) is not supported; use the local engine for samples")
        distributed = _require_dask()
        spec = dataclasses.replace(spec, n_jobs=1)
        client, close = self._connect()
        try:
            futures = [client.submit(_process_partition_task, plan, [str(f) for f in files],
                                     spec, i, retries=self.retries, pure=False,
                                     key=f"civictext-run-{_part_name(i)}-{time.time_ns()}")
                       for i, files in enumerate(groups)]
            distributed.wait(futures)
            bad = [(i, f) for i, f in enumerate(futures) if f.status != "finished"]
            if bad:
                i, fut = bad[0]
                exc = fut.exception()
                raise CivictextError(
                    f"dask engine: {len(bad)} of {len(groups)} partitions failed after "
                    f"{self.retries} retries; the first, {_part_name(i)} ("
                    f"{', '.join(plan.rel(p) for p in groups[i][:3])}"
                    f"{', ...' if len(groups[i]) > 3 else ''}), with {type(exc).__name__}: "
                    f"{exc}") from exc
            if spec.dedup is None:
                return _gather_spilled(client, futures)
            return self._gather_deduplicated(client, futures, spec.dedup)
        finally:
            close()

    @staticmethod
    def _gather_deduplicated(client: Any, futures: list[Any], dedup: Any) -> list[Any]:
        """The partitions' results, with near-duplicates clustered from signatures.

        Only each partition's MinHash signatures and text lengths come to the
        driver for this; the candidate pairs LSH proposes (and each member with
        its representative) are checked exactly by tasks on the workers that
        hold the partitions' texts, which send back one float per pair. The
        results are then gathered without their signatures (already here).
        """
        from civictext.engines.local import attach_clusters, cluster_signatures, group_pairs

        token = time.time_ns()
        sigs = client.gather([client.submit(_signatures_of, f, pure=False,
                                            key=f"civictext-sig-{i}-{token}")
                              for i, f in enumerate(futures)])
        offsets = [0]
        for b in sigs:
            offsets.append(offsets[-1] + b.n)
        rounds = [0]

        def jaccard(pairs: list[tuple[int, int]]) -> list[float]:
            groups = group_pairs(offsets, pairs)
            rounds[0] += 1
            tasks = [client.submit(_pair_jaccard_task, futures[pa], futures[pb],
                                   [(a, b) for _, a, b in items], int(dedup.shingle),
                                   pure=False, key=f"civictext-jac-{rounds[0]}-{pa}-{pb}-{token}")
                     for (pa, pb), items in groups.items()]
            out = [0.0] * len(pairs)
            for items, vals in zip(groups.values(), client.gather(tasks)):
                for (k, _, _), v in zip(items, vals):
                    out[k] = v
            return out

        clusters = cluster_signatures(sigs, dedup, jaccard)  # before the texts come here
        results = _gather_spilled(client, [client.submit(_without_signatures, f, pure=False,
                                                         key=f"civictext-res-{i}-{token}")
                                           for i, f in enumerate(futures)])
        for r, b in zip(results, sigs):
            r.signatures = b
        attach_clusters(results, clusters)
        return results

    def _connect(self) -> tuple[Any, Callable[[], None]]:
        distributed = _require_dask()
        if isinstance(self.scheduler, distributed.Client):
            return self.scheduler, lambda: None
        if self.scheduler:
            client = distributed.Client(self.scheduler)
            return client, client.close
        cluster = distributed.LocalCluster(n_workers=self.n_workers, threads_per_worker=1,
                                           processes=self.processes,
                                           memory_limit=self.memory_limit or "auto",
                                           dashboard_address=":0",
                                           silence_logs=logging.ERROR)
        client = distributed.Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()

        return client, close
