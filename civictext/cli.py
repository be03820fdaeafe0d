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
import contextlib
import logging
import sys
from pathlib import Path
from typing import Callable, Sequence

from civictext import __version__
from civictext._check import MAX_STABILITY_SEEDS
from civictext.config import DEFAULT_RANDOM_STATE
from civictext.errors import CivictextError

log = logging.getLogger(__name__)

_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def _command(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    _COMMANDS[func.__name__.removeprefix("_cmd_").replace("_", "-")] = func
    return func


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line on stderr (exit 2), like every other civictext error."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}; see {self.prog} --help\n")


def _int_in(lo: int | None, hi: int | None, *, also: tuple[int, ...] = ()) -> Callable[[str], int]:
    """An argparse type: a whole number in [lo, hi] (or one of ``also``)."""
    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if v in also:
            return v
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            allowed = " or ".join([*(str(a) for a in also),
                                   f"{lo if lo is not None else '...'} to "
                                   f"{hi if hi is not None else '...'}"])
            raise argparse.ArgumentTypeError(f"expected {allowed}, got {text!r}")
        return v
    parse.__name__ = "whole number"
    return parse


def _float_in(lo: float | None, hi: float | None, *, lo_open: bool = False,
              hi_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number in the range (NaN and inf refused)."""
    from civictext import _check

    def parse(text: str) -> float:
        try:
            v = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        try:
            return _check.number(v, "the value", "", lo=lo, hi=hi, lo_open=lo_open,
                                 hi_open=hi_open)
        except CivictextError:
            raise argparse.ArgumentTypeError(
                f"expected a finite number {_check._range_text(lo, hi, lo_open, hi_open)}, "
                f"got {text!r}") from None
    parse.__name__ = "number"
    return parse


def _regex(text: str) -> str:
    from civictext import _check

    try:
        _check.regex(text, "", "")
    except CivictextError as exc:
        raise argparse.ArgumentTypeError(str(exc).split(": ", 1)[-1].strip()) from None
    return text


def _max_jobs() -> int:
    from civictext._check import max_jobs

    return max_jobs()


_SEED = _int_in(0, 2**32 - 1)


def _check_out(args: argparse.Namespace, kind: str, *inputs, name: str = "--out",
               value: str | None = None) -> None:
    """Refuse an output that is, or is inside, an input (before any computing)."""
    from civictext._paths import check_output

    check_output(args.out if value is None else value, inputs,
                 where=None, kind=kind, name=name)


# commands writing into an --out folder: locked while they run; the local ones
# also remove what an earlier run wrote there and this one did not (dask resumes
# from its partitions, collect from its saved pages: lock only)
# commands writing one --out file (and themes' --evidence): locked while they run,
# temporaries of a killed run removed
_FILE_OUTPUTS = {"tokenize", "themes", "coverage", "trends", "dedup"}
_FOLDER_OUTPUTS = {"ingest": "path", "topics": "path", "figures": "corpus", "run": "path",
                   "collect": "urls"}


@contextlib.contextmanager
def _held_output(args: argparse.Namespace):
    if args.command not in _FOLDER_OUTPUTS:
        from civictext._paths import check_output, output_file

        files = [(n, f) for n, f in (("--out", getattr(args, "out", None)),
                                     ("--evidence", getattr(args, "evidence", None)))
                 if f and args.command in _FILE_OUTPUTS]
        with contextlib.ExitStack() as stack:
            for name, f in files:
                # before the lock file is created beside it: never inside an input
                check_output(f, [args.path], where=None, kind="file", name=name)
                stack.enter_context(output_file(f, where=None))
            yield
        return
    from civictext._paths import check_output, output_folder

    # before the folder is created: never create it inside an input
    check_output(args.out, [getattr(args, _FOLDER_OUTPUTS[args.command])], where=None,
                 kind="folder", name="--out")
    supersede = args.command == "run" or (args.command != "collect"
                                          and getattr(args, "engine", "local") == "local")
    with output_folder(args.out, where=None, supersede=supersede, command=args.command):
        yield


def _presence(args: argparse.Namespace) -> str:
    """--presence, defaulting to the package default (on both engines)."""
    if args.presence is not None:
        return args.presence
    from civictext.themes.scoring import DEFAULT_PRESENCE

    return DEFAULT_PRESENCE


def _point(args: argparse.Namespace) -> str:
    """--operating-point (default "f1", the model's F1-optimal threshold)."""
    return getattr(args, "operating_point", None) or "f1"


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
               "category_pattern": getattr(args, "category_pattern", None),
               "max_file_mb": getattr(args, "max_file_mb", None)}
    return {k: v for k, v in options.items() if v}


def _read(args: argparse.Namespace, path: str | None = None, *, allow_empty: bool = False):
    """The corpus at ``path`` (default ``args.path``), read with the command's options;
    no document at all is an error (an empty or wrong folder), not empty outputs."""
    from civictext.errors import CorpusError
    from civictext.ingest.reader import read_corpus

    path = path or args.path
    articles = read_corpus(path, strict=args.strict, progress=not args.quiet,
                           **_read_options(args))
    if len(articles) == 0 and not allow_empty:
        files = articles.attrs.get("files", [])
        n_ignored = sum(str(f.get("reason", "")).startswith("ignored") for f in files)
        raise CorpusError(f"no documents read from {path}: {len(files)} file(s), "
                          f"{n_ignored} of an unsupported type, {len(files) - n_ignored} "
                          f"unreadable or empty; give a folder of .txt, .html, .jsonl, .json "
                          "or .csv files (see civictext ingest --help)")
    return articles


def _coded_options(args: argparse.Namespace) -> dict:
    """``coded=``/``pooled=`` from --coded and --pooled-correction (only when given)."""
    cross_fit = getattr(args, "cross_fit", None)
    if getattr(args, "coded", None) is None:
        if getattr(args, "pooled_correction", False):
            raise CivictextError("--pooled-correction needs --coded CODING.csv (the coded sample)")
        if cross_fit is not None:
            raise CivictextError("--cross-fit needs --coded CODING.csv (the coded sample the "
                                 "theme model is fitted on)")
        return {}
    out = {"coded": args.coded, "pooled": bool(getattr(args, "pooled_correction", False))}
    if cross_fit is not None:
        out["cross_fit"] = cross_fit
    return out


_CODED_FIX = ("give the coded sample: a CSV with doc_id, theme, relevant and pi, or a filled "
              "coding sheet (doc_id and one 0/1 column per theme) with its key file")


def _check_file_arguments(args: argparse.Namespace) -> None:
    """Read the small files a command uses late (--coded, --model) before any
    work on the corpus, so a wrong path or a wrong table fails in a second, not
    after reading and segmenting the corpus. Raises CivictextError naming the
    argument and the file."""
    _coded_options(args)  # --pooled-correction without --coded
    coded = getattr(args, "coded", None)
    if coded is not None and args.command in ("trends", "figures", "run"):
        from civictext.errors import ValidationError
        from civictext.themes.lexicon import load_lexicons
        from civictext.themes.validation import read_coded

        try:  # the themes these commands score: the bundled lexicon's
            read_coded(coded, themes=load_lexicons().themes)
        except ValidationError as exc:
            msg = str(exc).removeprefix("read_coded: ")
            if msg.endswith(" not found"):
                msg += f"; check the path ({_CODED_FIX})"
            raise ValidationError(f"--coded {msg}") from None
    model = getattr(args, "model", None)
    cross_fit = getattr(args, "cross_fit", None)
    if cross_fit is not None:
        from civictext.themes.crossfit import check_cross_fit

        if model is not None:
            raise CivictextError("--cross-fit fits its own theme models on --coded; drop "
                                 "--model (or drop --cross-fit to score with that model)")
        if _presence(args) not in ("auto", "model"):
            raise CivictextError(f"--cross-fit gives the theme model's cross-fitted verdicts; "
                                 f"it needs --presence model or auto, not "
                                 f"{_presence(args)!r} (the {_presence(args)} rule needs no "
                                 f"cross-fitting)")
        # folds and codes per fold, before reading the corpus
        check_cross_fit(coded, folds=cross_fit, random_state=args.seed, where=args.command,
                        name="--cross-fit")
    loaded = None
    if model is not None:
        from civictext.themes.model import load_theme_model

        loaded = load_theme_model(model)  # a missing folder, a foreign or altered model file
    point = _point(args)
    if point != "f1":
        from civictext.themes.scoring import MODEL_PRESENCE

        if model is None and _presence(args) not in MODEL_PRESENCE:
            raise CivictextError(f"--operating-point {point} chooses the theme model's "
                                 f"threshold, but --presence {_presence(args)} uses no theme "
                                 f"model; use --presence model or auto, or give --model DIR")
        if cross_fit is None:
            from civictext.themes.model import _resolve_model

            # a model saved before operating points existed has "f1" only: say to refit
            (loaded or _resolve_model(None)).thresholds_at(point,
                                                           where=f"--operating-point {point}")


def _no_reader_options_on_dask(args: argparse.Namespace) -> None:
    if getattr(args, "engine", "local") == "dask" and _read_options(args):
        raise CivictextError("--encoding, --field and --category-pattern are not supported with "
                             "--engine dask yet; convert the corpus with 'civictext ingest' "
                             "(it writes articles.csv) and run on that file")


# --------------------------------------------------------------------- corpus
@_command
def _cmd_ingest(args: argparse.Namespace) -> int:
    from civictext._io import write_csv
    from civictext.ingest.reader import write_read_report

    _check_out(args, "folder", args.path)
    articles = _read(args, allow_empty=True)  # the read report says why nothing was read
    out = Path(args.out)
    write_csv(out / "articles.csv", articles)
    report = write_read_report(articles, out)
    files = [f for f in articles.attrs.get("files", []) if not f["reason"].startswith("ignored")]
    n_skipped = len(articles.attrs.get("skipped", []))
    _say(args, f"wrote {out / 'articles.csv'} ({len(articles)} documents); read report: {report}")
    # counts are printed even with --quiet: a run must always say what it skipped
    n_renamed = len(articles.attrs.get("renamed", []))
    print(f"read {len(articles)} documents from {len(files)} file(s); skipped {n_skipped} "
          f"item(s){' (see ' + str(report) + ')' if n_skipped else ''}"
          + (f"; renamed {n_renamed} repeated doc_id(s) (see {out / 'renamed_ids.csv'})"
             if n_renamed else ""), flush=True)
    return 0


# -------------------------------------------------------------------- tokenize
@_command
def _cmd_tokenize(args: argparse.Namespace) -> int:
    from civictext._io import write_csv
    from civictext.text.segmentation import load_stopwords, tokenize

    _check_out(args, "file", args.path, args.stopwords)
    stopwords = load_stopwords(args.stopwords) if args.stopwords else None  # before reading
    articles = _read(args)
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
    inputs = [args.path, *(args.lexicon or [])]
    _check_out(args, "file", *inputs)
    if args.evidence:
        _check_out(args, "file", *inputs, args.out, name="--evidence", value=args.evidence)
    if args.engine == "dask" and getattr(args, "model", None):
        raise CivictextError("--model is not supported with 'civictext themes --engine dask' "
                             "yet (it would be ignored); use --engine local, or 'civictext run "
                             "--engine dask --model DIR'")
    if args.engine == "dask" and _point(args) != "f1":
        raise CivictextError("--operating-point is not supported with 'civictext themes "
                             "--engine dask' yet (it would be ignored); use --engine local, or "
                             "'civictext run --engine dask --operating-point ...'")
    if args.engine == "dask" and args.threshold != 1.0:
        raise CivictextError("--threshold is not supported with --engine dask yet (it would be "
                             "ignored); use --engine local, or filter scores.csv on 'score'")
    if args.engine == "dask":
        from civictext.engines.dask import load_table, run_dask

        parts = Path(f"{args.out}.parts")
        summary = run_dask(args.path, parts, scheduler=args.scheduler, n_workers=args.workers,
                           partition_size=int(args.partition_mb * 2**20),
                           lexicon=args.lexicon or None, strict=args.strict, trends=False,
                           presence=_presence(args))
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

    from civictext.themes.lexicon import load_lexicons
    from civictext.themes.scoring import score_themes, theme_evidence

    lexicon = load_lexicons(args.lexicon or None)  # fail on a bad lexicon before reading
    _check_file_arguments(args)
    articles = _read(args)
    scores = score_themes(articles, lexicon, threshold=args.threshold, presence=_presence(args),
                          model=args.model, operating_point=_point(args))
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
    from civictext.themes.lexicon import load_lexicons
    from civictext.themes.scoring import coverage_report

    _check_out(args, "file", args.path, *(args.lexicon or []))
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
    from civictext.topics.model import fit_topics, topic_stability

    _check_out(args, "folder", args.path, *(args.lexicon or []))
    articles = _read(args)
    lexicon = None
    if args.method == "seeded":
        from civictext.themes.lexicon import load_lexicons

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
        v: int | float = int(text)
    except ValueError:
        try:
            v = float(text)
        except ValueError:
            v = float("nan")
        if not 0.0 <= v <= 1.0:  # also NaN
            raise argparse.ArgumentTypeError(
                f"expected a number of documents (2) or a share from 0 to 1 (0.95), "
                f"got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"expected a number of documents >= 0, got {text!r}")
    return v


# ---------------------------------------------------------------------- trends
@_command
def _cmd_trends(args: argparse.Namespace) -> int:
    from civictext._io import write_csv
    from civictext.themes.scoring import score_themes
    from civictext.trends.shares import choose_freq, theme_trends
    from civictext.viz.plots import excluded_note

    _check_out(args, "file", args.path)
    _check_file_arguments(args)
    articles = _read(args)
    coded_kw = _coded_options(args)
    if coded_kw.pop("cross_fit", None) is not None:
        from civictext.themes.crossfit import cross_fit_scores

        scores = cross_fit_scores(articles, args.coded, folds=args.cross_fit,
                                  random_state=args.seed, operating_point=_point(args))
        coded_kw["measure"] = "p_model"  # as run and figures do (pipeline._trend_tables)
    else:
        scores = score_themes(articles, presence=_presence(args), model=args.model,
                              operating_point=_point(args))
    freq = choose_freq(articles) if args.freq == "auto" else args.freq
    trends = theme_trends(scores, articles, freq=freq, by=args.by, level=args.level,
                          n_boot=args.n_boot, smooth=args.smooth, random_state=args.seed,
                          **coded_kw)
    write_csv(args.out, trends)
    _say(args, f"wrote {args.out} ({len(trends)} rows, freq {freq}); excluded for date "
               f"precision: {trends.attrs.get('excluded', {})}. "
               + excluded_note(trends.attrs, unit="documents"))
    return 0


# --------------------------------------------------------------------- figures
@_command
def _cmd_figures(args: argparse.Namespace) -> int:
    from civictext.viz.figures import build_figures

    _check_out(args, "folder", args.corpus)
    _check_file_arguments(args)
    kw = {} if args.freq == "auto" else {"freq": args.freq}
    manifest = build_figures(args.corpus, args.out, random_state=args.seed,
                             strict=args.strict, progress=not args.quiet,
                             dedup=not args.keep_duplicates, presence=_presence(args),
                             read_options=_read_options(args), by=args.by,
                             theme_model=args.model, operating_point=_point(args), **kw,
                             **_coded_options(args))
    _say(args, f"wrote {len(manifest['figures'])} figures to {args.out} "
               f"(manifest: {Path(args.out) / 'manifest.json'})")
    return 0


@_command
def _cmd_run(args: argparse.Namespace) -> int:
    """The main job: read, score, fit, trend and draw; every output under --out.

    Both engines write the same outputs (pipeline.run_pipeline); the Dask
    engine runs the partitions of the reader plan on a cluster."""
    from civictext.pipeline import config_from_kwargs, run_pipeline

    _check_out(args, "folder", args.path)
    _check_file_arguments(args)
    size = max(1, int(args.partition_mb * 2**20))
    if args.engine == "dask":
        from civictext.engines.dask import DaskEngine

        engine = DaskEngine(scheduler=args.scheduler, n_workers=args.workers,
                            partition_size=size)
    else:
        from civictext.engines.local import LocalEngine

        engine = LocalEngine(partition_size=size, progress=not args.quiet)
    config = config_from_kwargs(args.path, strict=args.strict, read_options=_read_options(args),
                                random_state=args.seed, progress=not args.quiet,
                                dedup=not args.keep_duplicates, presence=_presence(args),
                                by=args.by or None, theme_model=args.model, n_jobs=args.jobs,
                                operating_point=_point(args), engine=engine,
                                **_coded_options(args))
    for line in run_pipeline(config, args.out):
        _say(args, line)
    return 0


# ----------------------------------------------------------------- train-model
@_command
def _cmd_train_model(args: argparse.Namespace) -> int:
    """Fit a theme model on coded documents of a corpus and save it."""
    from civictext.themes.model import fit_theme_model

    _check_out(args, "folder", args.corpus, args.coded)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CivictextError(f"--out {out} is a file; give a folder for the model")
    from civictext.themes.lexicon import load_lexicons
    from civictext.themes.model import coded_long

    # a wrong coded file fails before reading (the themes fit_theme_model reads)
    coded_long(args.coded, load_lexicons().themes, where="train-model --coded")
    articles = _read(args, args.corpus)
    model = fit_theme_model(articles, args.coded, random_state=args.seed, C=args.C,
                            precision_target=args.precision_target)
    model.save(out)
    per = model.info["trained_on"]["per_theme"]
    prec = model.operating_points["precision"]
    _say(args, f"wrote {out} (model.skops, model_arrays.npz, model.json, MODEL_CARD.md); "
               + "; ".join(f"{t}: {per[t]['positives']} of {per[t]['n']} coded positive, "
                           f"threshold {model.thresholds[t]:.3f} (precision point "
                           f"{prec[t]['threshold']:.3f}"
                           + ("" if prec[t]["reached"] else ", target not reached") + ")"
                           for t in model.themes))
    return 0


# --------------------------------------------------------------------- collect
@_command
def _cmd_collect(args: argparse.Namespace) -> int:
    from civictext.ingest.crawl import collect

    _check_out(args, "folder", args.urls)
    report = collect(args.urls, args.out, delay=args.delay, timeout=args.timeout,
                     retries=args.retries, progress=not args.quiet, max_mb=args.max_mb,
                     max_crawl_delay=args.max_crawl_delay)
    _say(args, report.summary())
    return 0


# ----------------------------------------------------------------------- dedup
@_command
def _cmd_dedup(args: argparse.Namespace) -> int:
    from civictext._io import write_csv
    from civictext.ingest.dedup import near_duplicates

    _check_out(args, "file", args.path)
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
    p = _Parser(
        prog="civictext",
        description="Civic-conduct themes in Vietnamese news: read, score, trend, draw.",
    )
    p.add_argument("--version", action="version", version=f"civictext {__version__}")
    common = _Parser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars or messages")
    common.add_argument("--strict", action="store_true",
                        help="stop at the first unreadable input item (default: skip it and report)")
    common.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    seed = _Parser(add_help=False)
    seed.add_argument("--seed", type=_SEED, default=DEFAULT_RANDOM_STATE,
                      help=f"random_state for every stochastic step (default {DEFAULT_RANDOM_STATE})")
    dedup = _Parser(add_help=False)
    dedup.add_argument("--keep-duplicates", action="store_true",
                       help="count near-duplicate documents (syndicated copies) in trends and "
                            "figures too (default: each story once; see near_duplicates.csv)")
    engine = _Parser(add_help=False)
    engine.add_argument("--engine", choices=["local", "dask"], default="local",
                        help="dask: read and score the corpus in partitions on a Dask "
                             "cluster (pip install civictext[dask]); the outputs are the "
                             "local engine's")
    engine.add_argument("--scheduler", metavar="ADDRESS",
                        help="dask scheduler, e.g. tcp://host:8786 (default: a local cluster)")
    engine.add_argument("--workers", type=_int_in(1, 256), default=2,
                        help="workers of the local Dask cluster when no --scheduler (default 2)")
    engine.add_argument("--partition-mb", type=_float_in(0, 65536, lo_open=True), default=16,
                        help="MB of input (uncompressed) per partition (default 16; bounds the "
                             "memory of a Dask worker, and of the local run: each partition's "
                             "texts go to a temporary folder once it is scored)")
    reader = _Parser(add_help=False)
    reader.add_argument("--encoding", help="force this codec for text files (default: detect per file)")
    reader.add_argument("--field", action="append", metavar="KEY=NAME",
                        help="field name for JSON/CSV records, e.g. text=summary (repeatable)")
    reader.add_argument("--category-pattern", metavar="REGEX", type=_regex,
                        help="regex on file paths; group 1 is the category")
    reader.add_argument("--max-file-mb", type=_float_in(0, 1e7, lo_open=True), metavar="MB",
                        help="most MB read from one file after decompression (default 4096); "
                             "the rest of a larger file is skipped and reported")
    presence = _Parser(add_help=False)
    presence.add_argument("--presence", choices=["auto", "focus", "mention", "model"],
                          default=None,
                          help="when a theme counts as present: auto (default: per theme, "
                               "the measure that did best on held-out corpora, chosen apart "
                               "for texts of at most 100 tokens; the model card lists them), "
                               "focus "
                               "(prominent in "
                               "the document: in the headline, in the lead and one more "
                               "sentence, or in 1 in 5 sentences of a 4+ sentence document), "
                               "mention (one strong term or two weak ones, anywhere) or model "
                               "(the supervised theme model for every theme, see --model)")
    presence.add_argument("--model", metavar="DIR",
                          help="theme model folder (from train-model) for --presence model/auto "
                               "(default: the model shipped with civictext); adds p_model and "
                               "present_model to scores.csv")
    presence.add_argument("--operating-point", choices=["f1", "precision"], default=None,
                          help="the theme model's threshold for present_model (and present "
                               "where the model decides it): f1 (default: its out-of-fold "
                               "F1 optimum, recall-heavy, for shares) or precision (the "
                               "lowest threshold whose out-of-fold precision reached its "
                               "target, 0.85 unless trained with --precision-target: for "
                               "lists of articles to read); p_model does not change")
    corrected = _Parser(add_help=False)
    corrected.add_argument("--coded", metavar="CODING.csv",
                           help="a coded sample (doc_id, theme, relevant, pi; or a filled "
                                "coding sheet .csv/.xlsx with its .key.csv): adds shares "
                                "corrected for measurement error (share_corrected, "
                                "corrected_lo/hi, n_coded)")
    corrected.add_argument("--cross-fit", metavar="K", type=int, default=None,
                           help="with --coded: fit the theme model K times on the coded sample "
                                "(each time without one of K folds) and score every document "
                                "with the model that did not see it, so the corrected shares "
                                "are valid when the model is fitted on the same codes; the "
                                "correction starts from the cross-fitted probability p_model "
                                "(K fits; 5 is usual; replaces --model)")
    corrected.add_argument("--pooled-correction", action="store_true",
                           help="with --coded: one error rate for all periods and groups "
                                "(assumes it is the same everywhere; default: per cell)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("ingest", parents=[common, reader], help="read a corpus, write articles.csv")
    s.add_argument("path", help="a file or folder (.txt pages, .html, .jsonl, .json, .csv; .gz too)")
    s.add_argument("--out", required=True, help="output folder")

    s = sub.add_parser("tokenize", parents=[common, reader], help="segment words, write a token table")
    s.add_argument("path")
    s.add_argument("--out", required=True, help="output CSV file")
    s.add_argument("--jobs", type=_int_in(1, _max_jobs(), also=(-1,)), default=1,
                   help="worker processes (default 1; -1: one per core)")
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
    s.add_argument("--threshold", type=_float_in(0, 1e6, lo_open=True), default=1.0,
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
    s.add_argument("--n-topics", type=_int_in(1, 1000), default=8,
                   help="number of topics (seeded: named + unnamed; default 8)")
    s.add_argument("--n-extra", type=_int_in(0, 1000), help="seeded: number of unnamed topics")
    s.add_argument("--lexicon", action="append",
                   help="seeded: lexicon file (repeatable; default: built-in)")
    s.add_argument("--min-df", type=_df_value, default=2,
                   help="keep terms in at least this many documents, or this share (default 2)")
    s.add_argument("--max-df", type=_df_value, default=0.95,
                   help="keep terms in at most this many documents, or this share (default 0.95)")
    s.add_argument("--stability", type=_int_in(2, MAX_STABILITY_SEEDS, also=(0,)), default=0,
                   metavar="N",
                   help="also refit with N seeds (from --seed) and write stability.csv")

    s = sub.add_parser("trends", parents=[common, reader, seed, presence, corrected],
                       help="theme shares per period")
    s.add_argument("path")
    s.add_argument("--out", required=True)
    s.add_argument("--freq", choices=["auto", "M", "Q", "Y"], default="auto",
                   help="month, quarter, year, or auto: the finest well-filled one (default)")
    s.add_argument("--by", help="group by this column too (e.g. source)")
    s.add_argument("--level", type=_float_in(0, 1, lo_open=True, hi_open=True), default=0.90, help="bootstrap interval level")
    s.add_argument("--n-boot", type=_int_in(0, 100_000), default=1000, help="bootstrap resamples per period")
    s.add_argument("--smooth", type=_int_in(1, 1000), help="also a trailing (backward-only) window of N periods")

    s = sub.add_parser("figures", parents=[common, reader, seed, dedup, presence, corrected],
                       help="rebuild every figure")
    s.add_argument("--corpus", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--freq", choices=["auto", "M", "Q", "Y"], default="auto",
                   help="period length (default: the finest well-filled one)")
    s.add_argument("--by", default="source",
                   help="column for the small multiples (default source, the outlet; "
                        "e.g. category)")

    s = sub.add_parser("run", parents=[common, reader, seed, engine, dedup, presence, corrected],
                       help="the main job: everything, into --out")
    s.add_argument("path")
    s.add_argument("--out", required=True)
    s.add_argument("--by", default="source",
                   help="column for per-group trends (trends_by_<BY>.csv) and small "
                        "multiples (default source, the outlet; e.g. category; '' for none)")
    s.add_argument("--jobs", type=int, default=-1,
                   help="worker processes for word segmentation (default -1: every core; "
                        "same outputs with any value)")

    s = sub.add_parser("train-model", parents=[common, reader, seed],
                       help="fit a theme model on coded documents")
    s.add_argument("coded", help="coded CSV: doc_id, theme, relevant, pi (or one 0/1 column per "
                                 "theme), as read from a filled coding sheet")
    s.add_argument("--corpus", required=True, help="the corpus the coded documents come from")
    s.add_argument("--out", required=True, help="output folder for the model")
    s.add_argument("--C", type=_float_in(0, 1e6, lo_open=True), default=None,
                   help="inverse L2 regularisation of the classifiers (default: chosen per "
                        "theme by cross-validation on the coded documents)")
    s.add_argument("--precision-target", type=_float_in(0, 1, lo_open=True), default=0.85,
                   metavar="P",
                   help="out-of-fold precision of the model's 'precision' operating point "
                        "(default 0.85; see --operating-point)")

    s = sub.add_parser("collect", parents=[common], help="fetch news pages into a corpus folder")
    s.add_argument("urls", help="text file, one URL a line")
    s.add_argument("--out", required=True)
    s.add_argument("--delay", type=_float_in(0, 3600), default=2.0, help="seconds between requests to one host")
    s.add_argument("--timeout", type=_float_in(0, 3600, lo_open=True), default=20.0,
                   help="seconds for the whole of one fetch (connect and body; default 20)")
    s.add_argument("--retries", type=_int_in(0, 20), default=3)
    s.add_argument("--max-mb", type=_float_in(0, 1e5, lo_open=True), default=32.0,
                   help="largest page body saved, in MB (default 32; larger: reported, not saved)")
    s.add_argument("--max-crawl-delay", type=_float_in(0, 86400), default=60.0,
                   help="longest robots.txt Crawl-delay honoured, in seconds (default 60); "
                        "a host asking for more is skipped and reported")

    s = sub.add_parser("dedup", parents=[common, reader, seed],
                       help="report near-duplicate articles (syndicated copies)")
    s.add_argument("path", help="a corpus file or folder")
    s.add_argument("--out", required=True, help="output CSV: doc_id, cluster, size, "
                   "representative, is_representative, similarity")
    s.add_argument("--threshold", type=_float_in(0, 1, lo_open=True), default=0.8,
                   help="Jaccard similarity of word shingles (default 0.8)")
    s.add_argument("--keep", choices=["first", "longest"], default="first")
    s.add_argument("--shingle", type=_int_in(1, 100), default=3, help="words per shingle (default 3)")
    s.add_argument("--num-perm", type=_int_in(16, 4096), default=128, help="MinHash permutations (default 128)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # a usage error (one line printed) or --help/--version
        return exc.code if isinstance(exc.code, int) else 2
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        with _held_output(args):
            return _COMMANDS[args.command](args)
    except CivictextError as exc:
        print(f"civictext {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"civictext {args.command}: interrupted; files already written are complete "
              "(each is written whole or not at all), later ones are missing: rerun the "
              "command", file=sys.stderr)
        return 130
    except OSError as exc:  # an output that cannot be written, a disk full, ...
        name = str(getattr(exc, "filename", None) or "")
        if Path(name).name.startswith(".") and name.endswith(".tmp"):
            name = str(Path(name).parent)  # atomic_write's hidden temporary: name the folder
        where = f" {name}" if name else ""
        print(f"civictext {args.command}: error:{where}: {exc.strerror or exc}; check the "
              "path and its permissions", file=sys.stderr)
        if args.verbose:
            log.exception("details")
        return 2
    except MemoryError:
        print(f"civictext {args.command}: error: out of memory; read a smaller corpus "
              "(split it) or use --engine dask", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug: still one line, the traceback with --verbose
        print(f"civictext {args.command}: internal error ({type(exc).__name__}: "
              f"{_one_line(exc)}); please report it; rerun with --verbose for the traceback",
              file=sys.stderr)
        if args.verbose:
            log.exception("traceback")
        return 1


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


if __name__ == "__main__":
    raise SystemExit(main())
