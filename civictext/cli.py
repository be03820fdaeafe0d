"""The ``civictext`` command line: one sub-command per pipeline stage, plus ``run``.

    civictext ingest PATH --out DIR           read a corpus, write articles.csv
    civictext themes PATH --out FILE.csv      theme scores (+ --evidence FILE.csv)
    civictext coverage PATH --out FILE.csv    how often each lexicon term occurs
    civictext topics PATH --out DIR           fit topics, write tables and the model
    civictext trends PATH --out FILE.csv      theme shares per period (and outlet)
    civictext figures --corpus PATH --out DIR rebuild every figure + manifest.json
    civictext run PATH --out DIR              all of the above: the main job
    civictext collect URLS.txt --out DIR      fetch pages politely into a corpus

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


# --------------------------------------------------------------------- corpus
@_command
def _cmd_ingest(args: argparse.Namespace) -> int:
    from civictext._io import write_csv
    from civictext.corpus import read_corpus, write_read_report

    articles = read_corpus(args.path, strict=args.strict, progress=not args.quiet)
    out = Path(args.out)
    write_csv(out / "articles.csv", articles)
    report = write_read_report(articles, out)
    _say(args, f"wrote {out / 'articles.csv'} ({len(articles)} documents); read report: {report}")
    return 0


# -------------------------------------------------------------------- tokenize
@_command
def _cmd_tokenize(args: argparse.Namespace) -> int:
    from civictext._io import write_csv
    from civictext.corpus import read_corpus
    from civictext.tokenize import tokenize

    articles = read_corpus(args.path, strict=args.strict, progress=not args.quiet)
    tokens = tokenize(articles, n_jobs=args.jobs, cache=not args.no_cache,
                      progress=not args.quiet)
    write_csv(args.out, tokens)
    _say(args, f"wrote {args.out} ({len(tokens)} tokens from {len(articles)} documents)")
    return 0


# ---------------------------------------------------------------------- themes
@_command
def _cmd_themes(args: argparse.Namespace) -> int:
    from civictext._io import write_csv
    from civictext.corpus import read_corpus
    from civictext.lexicon import load_lexicons
    from civictext.themes import score_themes, theme_evidence

    lexicon = load_lexicons(args.lexicon or None)  # fail on a bad lexicon before reading
    articles = read_corpus(args.path, strict=args.strict, progress=not args.quiet)
    scores = score_themes(articles, lexicon, threshold=args.threshold)
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
    from civictext.corpus import read_corpus
    from civictext.lexicon import load_lexicons
    from civictext.themes import coverage_report

    lexicon = load_lexicons(args.lexicon or None)
    articles = read_corpus(args.path, strict=args.strict, progress=not args.quiet)
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
    from civictext.corpus import read_corpus
    from civictext.topics import fit_topics

    articles = read_corpus(args.path, strict=args.strict, progress=not args.quiet)
    model = fit_topics(articles, method=args.method, n_topics=args.n_topics,
                       random_state=args.seed)
    out = Path(args.out)
    write_csv(out / "topics.csv", model.topics)
    write_csv(out / "top_terms.csv", model.top_terms)
    write_csv(out / "doc_topics.csv", model.doc_topics)
    model.save(out / "model")
    _say(args, f"wrote {out}/topics.csv, top_terms.csv, doc_topics.csv and model/")
    return 0


# ---------------------------------------------------------------------- trends
@_command
def _cmd_trends(args: argparse.Namespace) -> int:
    from civictext._io import write_csv
    from civictext.corpus import read_corpus
    from civictext.themes import score_themes
    from civictext.trends import theme_trends

    articles = read_corpus(args.path, strict=args.strict, progress=not args.quiet)
    scores = score_themes(articles)
    trends = theme_trends(scores, articles, freq=args.freq, by=args.by,
                          random_state=args.seed)
    write_csv(args.out, trends)
    _say(args, f"wrote {args.out} ({len(trends)} rows); "
               f"excluded for date precision: {trends.attrs.get('excluded', {})}")
    return 0


# --------------------------------------------------------------------- figures
@_command
def _cmd_figures(args: argparse.Namespace) -> int:
    from civictext.figures import build_figures

    manifest = build_figures(args.corpus, args.out, random_state=args.seed,
                             strict=args.strict, progress=not args.quiet)
    _say(args, f"wrote {len(manifest['figures'])} figures to {args.out} "
               f"(manifest: {Path(args.out) / 'manifest.json'})")
    return 0


@_command
def _cmd_run(args: argparse.Namespace) -> int:
    """The main job: read, score, fit, trend and draw; every output under --out."""
    from civictext.figures import run_all

    summary = run_all(args.path, args.out, random_state=args.seed, strict=args.strict,
                      progress=not args.quiet)
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
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("ingest", parents=[common], help="read a corpus, write articles.csv")
    s.add_argument("path", help="a file or folder (.txt pages, .html, .jsonl, .csv)")
    s.add_argument("--out", required=True, help="output folder")

    s = sub.add_parser("tokenize", parents=[common], help="segment words, write a token table")
    s.add_argument("path")
    s.add_argument("--out", required=True, help="output CSV file")
    s.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    s.add_argument("--no-cache", action="store_true", help="do not read or write the token cache")

    s = sub.add_parser("themes", parents=[common], help="score themes per document")
    s.add_argument("path")
    s.add_argument("--out", required=True,
                   help="output CSV: doc_id, theme, hits, folded_hits, n_tokens, per_1k, score,"
                        " present")
    s.add_argument("--evidence", help="also write every hit with its sentence to this CSV")
    s.add_argument("--lexicon", action="append",
                   help="lexicon file or folder: civictext/quanteda YAML or LIWC .dic "
                        "(repeatable; default: the built-in reform, conduct, satisfaction)")
    s.add_argument("--threshold", type=float, default=1.0,
                   help="presence threshold on the weighted score (default 1.0: one strong "
                        "term, or two different weak terms)")

    s = sub.add_parser("coverage", parents=[common], help="lexicon term coverage report")
    s.add_argument("path")
    s.add_argument("--out", required=True,
                   help="output CSV: per term, docs, hits, share outside its theme, never_occurs")
    s.add_argument("--lexicon", action="append", help="lexicon file or folder (repeatable)")

    s = sub.add_parser("topics", parents=[common, seed], help="fit topics")
    s.add_argument("path")
    s.add_argument("--out", required=True, help="output folder")
    s.add_argument("--method", choices=["nmf", "lda", "seeded"], default="seeded")
    s.add_argument("--n-topics", type=int, default=8)

    s = sub.add_parser("trends", parents=[common, seed], help="theme shares per period")
    s.add_argument("path")
    s.add_argument("--out", required=True)
    s.add_argument("--freq", choices=["M", "Q", "Y"], default="M")
    s.add_argument("--by", help="group by this column too (e.g. source)")

    s = sub.add_parser("figures", parents=[common, seed], help="rebuild every figure")
    s.add_argument("--corpus", required=True)
    s.add_argument("--out", required=True)

    s = sub.add_parser("run", parents=[common, seed], help="the main job: everything, into --out")
    s.add_argument("path")
    s.add_argument("--out", required=True)

    s = sub.add_parser("collect", parents=[common], help="fetch news pages into a corpus folder")
    s.add_argument("urls", help="text file, one URL a line")
    s.add_argument("--out", required=True)
    s.add_argument("--delay", type=float, default=2.0, help="seconds between requests to one host")
    s.add_argument("--timeout", type=float, default=20.0)
    s.add_argument("--retries", type=int, default=3)
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
