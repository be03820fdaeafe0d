"""The ``civictext`` command line: one sub-command per pipeline stage, plus ``run``.

    civictext ingest PATH --out DIR           read a corpus, write articles.csv
    civictext tokenize PATH --out FILE.csv    word segmentation, one row per token
    civictext themes PATH --out FILE.csv      theme scores (+ --evidence FILE.csv)
    civictext coverage PATH --out FILE.csv    how often each lexicon term occurs
    civictext topics PATH --out DIR           fit topics, write tables and the model
    civictext trends PATH --out FILE.csv      theme shares per period (and outlet)
    civictext figures --corpus PATH --out DIR rebuild every figure + manifest.json
    civictext run PATH --out DIR              all of the above: the main job
    civictext collect URLS.txt --out DIR      fetch pages politely into a corpus
    civictext dedup PATH --out FILE.csv       near-duplicate clusters (syndicated copies)

Errors raised on purpose (:class:`~civictext.errors.CivictextError`) are printed
as one line naming the file and what to do, with exit status 2.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Callable, Sequence

from civictext import __version__
from civictext.config import DEFAULT_RANDOM_STATE
from civictext.errors import CivictextError

log = logging.getLogger(__name__)

_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def _command(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    _COMMANDS[func.__name__.removeprefix("_cmd_")] = func
    return func


def _say(args: argparse.Namespace, msg: str) -> None:
    if not getattr(args, "quiet", False):
        print(msg, flush=True)


def _read_options(args: argparse.Namespace) -> dict:
    """``read_corpus`` keyword arguments from the reader options (--encoding,
    --field, --category-pattern); only those given."""
    fields = {}
    for item in getattr(args, "field", None) or []:
        key, sep, name = item.partition("=")
        if not sep or not key or not name:
            raise CivictextError(f"--field expects KEY=NAME such as text=summary, got {item!r}")
        fields[key] = name
    options = {"encoding": getattr(args, "encoding", None), "fields": fields or None,
               "category_pattern": getattr(args, "category_pattern", None)}
    return {k: v for k, v in options.items() if v}


def _read(args: argparse.Namespace, path: str | None = None):
    """The corpus at ``path`` (default ``args.path``), read with the command's options."""
    from civictext.corpus import read_corpus

    return read_corpus(path or args.path, strict=args.strict, progress=not args.quiet,
                       **_read_options(args))


def _no_reader_options_on_dask(args: argparse.Namespace) -> None:
    if getattr(args, "engine", "local") == "dask" and _read_options(args):
        raise CivictextError("--encoding, --field and --category-pattern are not supported with "
                             "--engine dask yet; convert the corpus with 'civictext ingest' "
                             "(it writes articles.csv) and run on that file")


# --------------------------------------------------------------------- corpus
@_command
def _cmd_ingest(args: argparse.Namespace) -> int:
    from civictext._io import write_csv
    from civictext.corpus import write_read_report

    articles = _read(args)
    out = Path(args.out)
    write_csv(out / "articles.csv", articles)
    report = write_read_report(articles, out)
    files = [f for f in articles.attrs.get("files", []) if not f["reason"].startswith("ignored")]
    n_skipped = len(articles.attrs.get("skipped", []))
    _say(args, f"wrote {out / 'articles.csv'} ({len(articles)} documents); read report: {report}")
    # counts are printed even with --quiet: a run must always say what it skipped
    print(f"read {len(articles)} documents from {len(files)} file(s); skipped {n_skipped} "
          f"item(s){' (see ' + str(report) + ')' if n_skipped else ''}", flush=True)
    return 0


# -------------------------------------------------------------------- tokenize
@_command
def _cmd_tokenize(args: argparse.Namespace) -> int:
    from civictext._io import write_csv
    from civictext.tokenize import load_stopwords, tokenize

    articles = _read(args)
    stopwords = load_stopwords(args.stopwords) if args.stopwords else None
    tokens = tokenize(articles, n_jobs=args.jobs, cache=not args.no_cache,
                      progress=not args.quiet, pos=args.pos, stopwords=stopwords)
    write_csv(args.out, tokens)
    _say(args, f"wrote {args.out} ({len(tokens)} tokens from {len(articles)} documents)")
    return 0


# ---------------------------------------------------------------------- themes
@_command
def _cmd_themes(args: argparse.Namespace) -> int:
    from civictext._io import write_csv

    _no_reader_options_on_dask(args)
    if args.engine == "dask" and args.threshold != 1.0:
        raise CivictextError("--threshold is not supported with --engine dask yet (it would be "
                             "ignored); use --engine local, or filter scores.csv on 'score'")
    if args.engine == "dask":
        from civictext.distributed import load_table, run_dask

        parts = Path(f"{args.out}.parts")
        summary = run_dask(args.path, parts, scheduler=args.scheduler, n_workers=args.workers,
                           partition_size=int(args.partition_mb * 2**20),
                           lexicon=args.lexicon or None, strict=args.strict, trends=False,
                           presence=args.presence)
        if summary["failed"]:
            _say(args, f"{summary['failed']} of {summary['n_partitions']} partitions failed: "
                       f"{parts / 'failures.csv'}; rerun the same command to retry them")
            return 1
        write_csv(args.out, load_table(parts, "scores"))
        _say(args, f"wrote {args.out} ({summary['n_articles']} documents; partitions in {parts})")
        if args.evidence:
            write_csv(args.evidence, load_table(parts, "evidence"))
            _say(args, f"wrote {args.evidence}")
        return 0

    from civictext.lexicon import load_lexicons
    from civictext.themes import score_themes, theme_evidence

    lexicon = load_lexicons(args.lexicon or None)  # fail on a bad lexicon before reading
    articles = _read(args)
    scores = score_themes(articles, lexicon, threshold=args.threshold, presence=args.presence)
    write_csv(args.out, scores)
    present = scores.groupby("theme", sort=False)["present"].sum()
    _say(args, f"wrote {args.out} ({len(scores)} rows: {scores['doc_id'].nunique()} documents"
               f" x {scores['theme'].nunique()} themes; present: "
               + ", ".join(f"{t} {int(n)}" for t, n in present.items()) + ")")
    if args.evidence:
        ev = theme_evidence(articles, lexicon)
        write_csv(args.evidence, ev)
        _say(args, f"wrote {args.evidence} ({len(ev)} hits)")
    return 0


@_command
def _cmd_coverage(args: argparse.Namespace) -> int:
    from civictext._io import write_csv
    from civictext.lexicon import load_lexicons
    from civictext.themes import coverage_report

    lexicon = load_lexicons(args.lexicon or None)
    articles = _read(args)
    report = coverage_report(articles, lexicon)
    write_csv(args.out, report)
    _say(args, f"wrote {args.out} ({len(report)} terms; never occur: "
               f"{int(report['never_occurs'].sum())}; mostly outside their theme: "
               f"{int(report['mostly_outside'].sum())})")
    return 0


# ---------------------------------------------------------------------- topics
@_command
def _cmd_topics(args: argparse.Namespace) -> int:
    from civictext._io import write_csv
    from civictext.topics import fit_topics, topic_stability

    articles = _read(args)
    lexicon = None
    if args.method == "seeded":
        from civictext.lexicon import load_lexicons

        lexicon = load_lexicons(args.lexicon or None)
    options = dict(method=args.method, n_topics=args.n_topics, lexicon=lexicon,
                   n_extra=args.n_extra, min_df=args.min_df, max_df=args.max_df)
    model = fit_topics(articles, random_state=args.seed, **options)
    out = Path(args.out)
    write_csv(out / "topics.csv", model.topics)
    write_csv(out / "top_terms.csv", model.top_terms)
    write_csv(out / "doc_topics.csv", model.doc_topics)
    written = ["topics.csv", "top_terms.csv", "doc_topics.csv"]
    if args.method == "seeded":
        write_csv(out / "seed_terms.csv", model.seed_terms)
        written.append("seed_terms.csv")
    if args.stability:
        seeds = [args.seed + i for i in range(args.stability)]
        options["n_topics"] = model.n_topics  # as fitted, after any lowering
        stab = topic_stability(articles, seeds=seeds, **options)
        write_csv(out / "stability.csv", stab)
        written.append("stability.csv")
    model.save(out / "model")
    _say(args, f"wrote {', '.join(written)} and model/ to {out} ({model.n_topics} topics, "
               f"{len(articles)} documents)")
    return 0


def _df_value(text: str) -> int | float:
    """--min-df/--max-df: a whole number of documents or a share like 0.95."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected a number of documents (2) or a share (0.95), got {text!r}") from None


# ---------------------------------------------------------------------- trends
@_command
def _cmd_trends(args: argparse.Namespace) -> int:
    from civictext._io import write_csv
    from civictext.plots import excluded_note
    from civictext.themes import score_themes
    from civictext.trends import choose_freq, theme_trends

    articles = _read(args)
    scores = score_themes(articles, presence=args.presence)
    freq = choose_freq(articles) if args.freq == "auto" else args.freq
    trends = theme_trends(scores, articles, freq=freq, by=args.by, level=args.level,
                          n_boot=args.n_boot, smooth=args.smooth, random_state=args.seed)
    write_csv(args.out, trends)
    _say(args, f"wrote {args.out} ({len(trends)} rows, freq {freq}); excluded for date "
               f"precision: {trends.attrs.get('excluded', {})}. "
               + excluded_note(trends.attrs, unit="documents"))
    return 0


# --------------------------------------------------------------------- figures
@_command
def _cmd_figures(args: argparse.Namespace) -> int:
    from civictext.figures import build_figures

    kw = {} if args.freq == "auto" else {"freq": args.freq}
    manifest = build_figures(args.corpus, args.out, random_state=args.seed,
                             strict=args.strict, progress=not args.quiet,
                             dedup=not args.keep_duplicates, presence=args.presence,
                             read_options=_read_options(args), by=args.by, **kw)
    _say(args, f"wrote {len(manifest['figures'])} figures to {args.out} "
               f"(manifest: {Path(args.out) / 'manifest.json'})")
    return 0


@_command
def _cmd_run(args: argparse.Namespace) -> int:
    """The main job: read, score, fit, trend and draw; every output under --out."""
    _no_reader_options_on_dask(args)
    if args.engine == "dask":
        from civictext.distributed import run_dask

        summary = run_dask(args.path, args.out, scheduler=args.scheduler, n_workers=args.workers,
                           partition_size=int(args.partition_mb * 2**20), strict=args.strict,
                           random_state=args.seed, presence=args.presence,
                           by=args.by or None)
        _say(args, f"{summary['n_partitions']} partitions: {summary['computed']} computed, "
                   f"{summary['resumed']} resumed, {summary['failed']} failed; "
                   f"{summary['n_articles']} documents in {summary['seconds']:.0f} s")
        if summary["failed"]:
            _say(args, f"see {Path(args.out) / 'failures.csv'}; rerun the same command to retry")
            return 1
        if summary["duplicate_doc_ids"]:
            _say(args, f"{summary['duplicate_doc_ids']} doc_id values occur in more than one "
                       "partition; trends not written (see the log; give documents unique ids)")
            return 1
        _say(args, f"wrote {args.out}/articles, scores, evidence (Parquet) and {summary['trends']}")
        if not args.keep_duplicates:
            _say(args, "note: the dask engine does not drop near-duplicates yet: its trends count "
                       "every copy (as --keep-duplicates); topics and figures are not built")
        return 0
    from civictext.figures import run_all

    summary = run_all(args.path, args.out, random_state=args.seed, strict=args.strict,
                      progress=not args.quiet, dedup=not args.keep_duplicates,
                      presence=args.presence, read_options=_read_options(args),
                      by=args.by or None, n_jobs=args.jobs)
    for line in summary:
        _say(args, line)
    return 0


# --------------------------------------------------------------------- collect
@_command
def _cmd_collect(args: argparse.Namespace) -> int:
    from civictext.collect import collect

    report = collect(args.urls, args.out, delay=args.delay, timeout=args.timeout,
                     retries=args.retries, progress=not args.quiet)
    _say(args, report.summary())
    return 0


# ----------------------------------------------------------------------- dedup
@_command
def _cmd_dedup(args: argparse.Namespace) -> int:
    from civictext._io import write_csv
    from civictext.dedup import near_duplicates

    articles = _read(args)
    report = near_duplicates(articles, threshold=args.threshold, num_perm=args.num_perm,
                             shingle=args.shingle, keep=args.keep, random_state=args.seed)
    write_csv(args.out, report)
    dropped = int((~report["is_representative"]).sum())
    n_clusters = int(report.loc[report["size"] > 1, "cluster"].nunique())
    _say(args, f"wrote {args.out}: {len(report)} documents, {n_clusters} clusters of "
               f"near-duplicates; keeping the {args.keep} of each drops {dropped}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="civictext",
        description="Civic-conduct themes in Vietnamese news: read, score, trend, draw.",
    )
    p.add_argument("--version", action="version", version=f"civictext {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars or messages")
    common.add_argument("--strict", action="store_true",
                        help="stop at the first unreadable input item (default: skip it and report)")
    common.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    seed = argparse.ArgumentParser(add_help=False)
    seed.add_argument("--seed", type=int, default=DEFAULT_RANDOM_STATE,
                      help=f"random_state for every stochastic step (default {DEFAULT_RANDOM_STATE})")
    dedup = argparse.ArgumentParser(add_help=False)
    dedup.add_argument("--keep-duplicates", action="store_true",
                       help="count near-duplicate documents (syndicated copies) in trends and "
                            "figures too (default: each story once; see near_duplicates.csv)")
    engine = argparse.ArgumentParser(add_help=False)
    engine.add_argument("--engine", choices=["local", "dask"], default="local",
                        help="dask: run reading, scoring and trends in partitions on a Dask "
                             "cluster (pip install civictext[dask])")
    engine.add_argument("--scheduler", metavar="ADDRESS",
                        help="dask scheduler, e.g. tcp://host:8786 (default: a local cluster)")
    engine.add_argument("--workers", type=int, default=2,
                        help="workers of the local Dask cluster when no --scheduler (default 2)")
    engine.add_argument("--partition-mb", type=float, default=16,
                        help="MB of input files per Dask partition (default 16; bounds worker memory)")
    reader = argparse.ArgumentParser(add_help=False)
    reader.add_argument("--encoding", help="force this codec for text files (default: detect per file)")
    reader.add_argument("--field", action="append", metavar="KEY=NAME",
                        help="field name for JSON/CSV records, e.g. text=summary (repeatable)")
    reader.add_argument("--category-pattern", metavar="REGEX",
                        help="regex on file paths; group 1 is the category")
    presence = argparse.ArgumentParser(add_help=False)
    presence.add_argument("--presence", choices=["focus", "mention"], default="focus",
                          help="when a theme counts as present: focus (default: prominent in "
                               "the document: in the headline, in the lead and one more "
                               "sentence, or in 1 in 5 sentences of a 4+ sentence document) "
                               "or mention (one strong term or two weak ones, anywhere)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("ingest", parents=[common, reader], help="read a corpus, write articles.csv")
    s.add_argument("path", help="a file or folder (.txt pages, .html, .jsonl, .json, .csv; .gz too)")
    s.add_argument("--out", required=True, help="output folder")

    s = sub.add_parser("tokenize", parents=[common, reader], help="segment words, write a token table")
    s.add_argument("path")
    s.add_argument("--out", required=True, help="output CSV file")
    s.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    s.add_argument("--no-cache", action="store_true", help="do not read or write the token cache")
    s.add_argument("--pos", action="store_true", help="add a pos column (underthesea POS tags)")
    s.add_argument("--stopwords", help="file of extra stop words, one a line (added to the built-in list)")

    s = sub.add_parser("themes", parents=[common, reader, engine, presence],
                       help="score themes per document")
    s.add_argument("path")
    s.add_argument("--out", required=True,
                   help="output CSV: doc_id, theme, hits, folded_hits, n_tokens, per_1k, score,"
                        " headline_hit, sentences_hit, n_sentences, mentioned, present")
    s.add_argument("--evidence", help="also write every hit with its sentence to this CSV")
    s.add_argument("--lexicon", action="append",
                   help="lexicon file or folder: civictext/quanteda YAML or LIWC .dic "
                        "(repeatable; default: the built-in reform, conduct, satisfaction)")
    s.add_argument("--threshold", type=float, default=1.0,
                   help="mention threshold on the weighted score (default 1.0: one strong "
                        "term, or two different weak terms)")

    s = sub.add_parser("coverage", parents=[common, reader], help="lexicon term coverage report")
    s.add_argument("path")
    s.add_argument("--out", required=True,
                   help="output CSV: per term, docs, hits, share outside its theme, never_occurs")
    s.add_argument("--lexicon", action="append", help="lexicon file or folder (repeatable)")

    s = sub.add_parser("topics", parents=[common, reader, seed], help="fit topics")
    s.add_argument("path")
    s.add_argument("--out", required=True, help="output folder")
    s.add_argument("--method", choices=["nmf", "lda", "seeded"], default="seeded")
    s.add_argument("--n-topics", type=int, default=8,
                   help="number of topics (seeded: named + unnamed; default 8)")
    s.add_argument("--n-extra", type=int, help="seeded: number of unnamed topics")
    s.add_argument("--lexicon", action="append",
                   help="seeded: lexicon file (repeatable; default: built-in)")
    s.add_argument("--min-df", type=_df_value, default=2,
                   help="keep terms in at least this many documents, or this share (default 2)")
    s.add_argument("--max-df", type=_df_value, default=0.95,
                   help="keep terms in at most this many documents, or this share (default 0.95)")
    s.add_argument("--stability", type=int, default=0, metavar="N",
                   help="also refit with N seeds (from --seed) and write stability.csv")

    s = sub.add_parser("trends", parents=[common, reader, seed, presence], help="theme shares per period")
    s.add_argument("path")
    s.add_argument("--out", required=True)
    s.add_argument("--freq", choices=["auto", "M", "Q", "Y"], default="auto",
                   help="month, quarter, year, or auto: the finest well-filled one (default)")
    s.add_argument("--by", help="group by this column too (e.g. source)")
    s.add_argument("--level", type=float, default=0.90, help="bootstrap interval level")
    s.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples per period")
    s.add_argument("--smooth", type=int, help="also a trailing (backward-only) window of N periods")

    s = sub.add_parser("figures", parents=[common, reader, seed, dedup, presence],
                       help="rebuild every figure")
    s.add_argument("--corpus", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--freq", choices=["auto", "M", "Q", "Y"], default="auto",
                   help="period length (default: the finest well-filled one)")
    s.add_argument("--by", default="source",
                   help="column for the small multiples (default source, the outlet; "
                        "e.g. category)")

    s = sub.add_parser("run", parents=[common, reader, seed, engine, dedup, presence],
                       help="the main job: everything, into --out")
    s.add_argument("path")
    s.add_argument("--out", required=True)
    s.add_argument("--by", default="source",
                   help="column for per-group trends (trends_by_<BY>.csv) and small "
                        "multiples (default source, the outlet; e.g. category; '' for none)")
    s.add_argument("--jobs", type=int, default=-1,
                   help="worker processes for word segmentation (default -1: every core; "
                        "same outputs with any value)")

    s = sub.add_parser("collect", parents=[common], help="fetch news pages into a corpus folder")
    s.add_argument("urls", help="text file, one URL a line")
    s.add_argument("--out", required=True)
    s.add_argument("--delay", type=float, default=2.0, help="seconds between requests to one host")
    s.add_argument("--timeout", type=float, default=20.0)
    s.add_argument("--retries", type=int, default=3)

    s = sub.add_parser("dedup", parents=[common, reader, seed],
                       help="report near-duplicate articles (syndicated copies)")
    s.add_argument("path", help="a corpus file or folder")
    s.add_argument("--out", required=True, help="output CSV: doc_id, cluster, size, "
                   "representative, is_representative, similarity")
    s.add_argument("--threshold", type=float, default=0.8,
                   help="Jaccard similarity of word shingles (default 0.8)")
    s.add_argument("--keep", choices=["first", "longest"], default="first")
    s.add_argument("--shingle", type=int, default=3, help="words per shingle (default 3)")
    s.add_argument("--num-perm", type=int, default=128, help="MinHash permutations (default 128)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return _COMMANDS[args.command](args)
    except CivictextError as exc:
        print(f"civictext {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"civictext {args.command}: interrupted; no partial output was written",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
