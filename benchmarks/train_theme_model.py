"""Train and evaluate the bundled theme model on the coded real sample (issue 15).

1. Reads the coded documents (``benchmarks/labels/coded/coded.csv``: ids, strata,
   inclusion probabilities, settled codes) from the shared corpora (only the
   coded ids are read) and adds the bundled labelled paragraphs as a fifth group
   ("labelled", ``pi = 1``).
2. **Grouped cross-validation**: each group is held out in turn; the model is
   fitted (features, calibration, threshold) on the others only and applied to it;
   the focus and mention rules are scored on the same documents. Metrics are
   design-weighted (``1 / pi``) with 95% stratified-bootstrap intervals, per held-out
   corpus and pooled over the four real corpora ("real"). Written to
   ``benchmarks/labels/coded/cv_results.csv``.
   The model is scored at both of its operating points from the same fold fits:
   ``model`` (the default "f1" threshold) and ``model_precision`` (the "precision"
   point, chosen inside each fold's training data); ``cv_predictions.csv`` has both
   verdicts.
3. The "auto" reading's measure per theme and length class
   (``choose_auto_measures``): in the held-out predictions of the four real corpora,
   the measure (model at its "f1" point, focus rule, mention rule) with the highest
   design-weighted F1 among long documents (more than ``SHORT_MAX_TOKENS`` tokens)
   and, separately, among short ones (in practice the news-feed items; the bundled
   labelled paragraphs are not used to choose, so their held-out figures for
   ``auto`` are a check). ``auto``'s held-out verdicts are added to the table as
   the measure "auto".
4. Fits the shipped model on every coded document and writes it to
   ``civictext/data/models/theme_model/`` with its model card.

    CIVICTEXT_SHARED_CORPORA=../shared/corpora .venv/bin/python benchmarks/train_theme_model.py

A check that the script runs (not a result: a few coded documents per corpus,
written outside the repository)::

    .venv/bin/python benchmarks/train_theme_model.py --limit 40 --n-boot 20 \
        --results /tmp/cvcheck --out /tmp/cvcheck/model
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcorpora import shared_root  # type: ignore[import-not-found]  # noqa: E402

from civictext.ingest.reader import read_corpus  # noqa: E402
from civictext.themes.model import (  # noqa: E402
    DEFAULT_MODEL_DIR,
    SHORT_MAX_TOKENS,
    _metrics,
    choose_auto_measures,
    cross_validate_measures,
    fit_theme_model,
    select_auto,
)
from civictext.themes.validation import load_labelled_set  # noqa: E402

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels" / "coded"
PATHS = {"vnds-train": "vnds-train/articles.seg.jsonl.gz",
         "vn4news2020": "vn4news2020/articles.jsonl.gz",
         "news-feed": "news-feed/articles.jsonl.gz",
         "dantri-unc": "dantri-unc/articles"}
THEMES = ["reform", "conduct", "satisfaction"]
#: The measures of the grouped cross-validation (cross_validate_measures), in table order.
MEASURES = ("model", "model_precision", "focus", "mention")
#: The rows of the tables: MEASURES, then the default reading chosen from them.
TABLE_MEASURES = ("auto", *MEASURES)
PRED_COLUMNS = ["group", "doc_id", "theme", "relevant", "pi", "stratum", "n_tokens", "p_model",
                "model", "model_precision", "focus", "mention", "auto"]


def coded_articles(coded: pd.DataFrame, tmp: Path) -> pd.DataFrame:
    """The articles of the coded ids, read with read_corpus from the shared corpora."""
    frames = []
    for corpus, ids in coded.groupby("corpus")["doc_id"]:
        want = set(ids)
        path = shared_root() / PATHS[corpus]
        if path.is_dir():
            arts = read_corpus(path)
        else:
            out = tmp / f"{corpus}.jsonl.gz"
            with gzip.open(path, "rt", encoding="utf-8") as src, \
                    gzip.open(out, "wt", encoding="utf-8") as dst:
                for line in src:
                    if json.loads(line).get("id") in want:
                        dst.write(line)
            arts = read_corpus(out)
        arts = arts[arts["doc_id"].astype(str).isin(want)]
        assert len(arts) == len(want), f"{corpus}: found {len(arts)} of {len(want)} coded ids"
        frames.append(arts.assign(corpus=corpus))
    return pd.concat(frames, ignore_index=True)


def training_set(coded: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The coded documents read from the shared corpora plus the bundled labelled
    paragraphs (group "labelled", ``pi = 1``): the articles and the long codes
    (``corpus, doc_id, theme, relevant, pi, stratum``) every fit here uses."""
    with tempfile.TemporaryDirectory() as tmp:
        arts = coded_articles(coded.drop_duplicates("doc_id"), Path(tmp))
    lab = load_labelled_set()
    lab_long = lab.melt(id_vars=["doc_id"], value_vars=THEMES, var_name="theme",
                        value_name="relevant").assign(corpus="labelled", pi=1.0,
                                                      stratum="labelled")
    allcoded = pd.concat([coded[["corpus", "doc_id", "theme", "relevant", "pi", "stratum"]],
                          lab_long], ignore_index=True)
    allarts = pd.concat([arts, lab.assign(corpus="labelled")], ignore_index=True)
    return allarts, allcoded


def markdown(cv: pd.DataFrame, heldout: str) -> str:
    sub = cv[cv["heldout"] == heldout]
    lines = ["| theme | measure | precision | 95% CI | recall | 95% CI | F1 | 95% CI |",
             "|---|---|---|---|---|---|---|---|"]
    f = lambda x: "n/a" if not np.isfinite(x) else f"{x:.2f}"  # noqa: E731
    for t in THEMES:
        for m in TABLE_MEASURES:
            r = sub[(sub.theme == t) & (sub.measure == m)]
            if r.empty:
                continue
            r = r.iloc[0]
            lines.append(f"| {t} | {m} | {f(r.precision_w)} | {f(r.precision_lo)}-"
                         f"{f(r.precision_hi)} | {f(r.recall_w)} | {f(r.recall_lo)}-"
                         f"{f(r.recall_hi)} | {f(r.f1_w)} | {f(r.f1_lo)}-{f(r.f1_hi)} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(DEFAULT_MODEL_DIR))
    ap.add_argument("--reuse-cv", action="store_true",
                    help="read cv_results.csv of an earlier run instead of cross-validating "
                         "again (only the shipped model is refitted)")
    ap.add_argument("--results", default=str(LABELS),
                    help="folder of cv_results.csv and cv_predictions.csv (default: "
                         "benchmarks/labels/coded)")
    ap.add_argument("--limit", type=int, default=None, metavar="N",
                    help="a check that the script runs, not a result: only N coded documents "
                         "per corpus (drawn with --seed); needs --results and --out outside "
                         "the repository")
    args = ap.parse_args()
    results = Path(args.results)
    if args.limit is not None and (results.resolve() == LABELS.resolve()
                                   or Path(args.out).resolve() == DEFAULT_MODEL_DIR.resolve()):
        ap.error("--limit writes a check, not the results: give --results and --out folders "
                 "outside the repository")
    coded = pd.read_csv(LABELS / "coded.csv", dtype={"doc_id": str, "stratum": str})
    if args.limit is not None:
        rng = np.random.default_rng(args.seed)
        keep = set()
        for _, ids in coded.drop_duplicates("doc_id").groupby("corpus")["doc_id"]:
            ids = sorted(ids)
            keep |= set(rng.choice(ids, size=min(args.limit, len(ids)), replace=False))
        coded = coded[coded["doc_id"].isin(keep)]
    results.mkdir(parents=True, exist_ok=True)
    allarts, allcoded = training_set(coded)
    if args.reuse_cv:
        cv = pd.read_csv(results / "cv_results.csv")
        cv = cv[cv["measure"] != "auto"]
    else:
        cv, pred = cross_validate_measures(allarts, allcoded, n_boot=args.n_boot,
                                           random_state=args.seed, return_predictions=True)
        real = pred[pred["group"] != "labelled"]
        pooled = []
        for measure in MEASURES:
            m = real.assign(pred=real[measure].fillna(False).astype(int))
            pooled.append(_metrics(m, measure, "real", n_boot=args.n_boot,
                                   random_state=args.seed))
        cv = pd.concat([cv[cv["heldout"] != "all"], *pooled], ignore_index=True)
        pred.reindex(columns=PRED_COLUMNS[:-1]).sort_values(["group", "doc_id", "theme"]).to_csv(
            results / "cv_predictions.csv", index=False, float_format="%.6g")
    # the default reading is chosen and scored from the predictions as written, so that
    # --reuse-cv gives the same figures as the run that wrote them
    pred = pd.read_csv(results / "cv_predictions.csv", dtype={"doc_id": str, "stratum": str})
    pred = pred.drop(columns=["auto"], errors="ignore")
    # the default reading: chosen on the real corpora's held-out verdicts only
    auto, choice = choose_auto_measures(pred[pred["group"] != "labelled"],
                                        short_max_tokens=SHORT_MAX_TOKENS)
    pred["auto"] = select_auto(pred["theme"], pred["n_tokens"],
                               {m: pred[m] for m in ("model", "focus", "mention")},
                               lambda t, cls: auto[cls][t], SHORT_MAX_TOKENS)
    rows = []
    for heldout, sub in [*pred.groupby("group", sort=True),
                         ("real", pred[pred["group"] != "labelled"])]:
        rows.append(_metrics(sub.assign(pred=sub["auto"].astype(int)), "auto", str(heldout),
                             n_boot=args.n_boot, random_state=args.seed))
    cv = pd.concat([cv, *rows], ignore_index=True)
    cv.to_csv(results / "cv_results.csv", index=False, float_format="%.4f")
    cv = pd.read_csv(results / "cv_results.csv")  # the tables below: the figures as written
    pred.reindex(columns=PRED_COLUMNS).to_csv(results / "cv_predictions.csv", index=False,
                                              float_format="%.6g")
    choice.to_csv(results / "auto_choice.csv", index=False, float_format="%.4f")
    use = {t: auto["long"][t] == "model" for t in THEMES}
    print("pooled over the four real corpora, each held out in turn:")
    print(markdown(cv, "real"))
    print("\nbundled labelled paragraphs, held out:")
    print(markdown(cv, "labelled"))
    print(f"\nauto's measures (long: more than {SHORT_MAX_TOKENS} tokens):", auto)
    model = fit_theme_model(allarts, allcoded, random_state=args.seed)
    model.use_model = use
    model.auto_measures = auto
    model.short_max_tokens = SHORT_MAX_TOKENS
    n_labelled = int((allarts["corpus"] == "labelled").sum())
    model.info["training_note"] = (
        f"{coded['doc_id'].nunique()} real documents from vnds-train, vn4news2020, news-feed and "
        f"dantri-unc (a stratified probability sample, benchmarks/labels/coded/README.md), coded "
        f"against docs/codebook.md, plus the {n_labelled} bundled labelled paragraphs.")
    model.info["grouped_cv"] = (
        "Each corpus held out in turn (fitted on the others), design-weighted, pooled over the "
        "four real corpora (`model`: the default operating point, f1; `model_precision`: the "
        "precision point of the same fold fits):\n\n" + markdown(cv, "real")
        + "\n\nThe bundled labelled paragraphs (short texts), held out:\n\n"
        + markdown(cv, "labelled")
        + f"\n\n`auto` is each theme's measure per length class (texts of at most "
        f"{SHORT_MAX_TOKENS} tokens are short), chosen by held-out F1 on the real corpora "
        "(`benchmarks/labels/coded/auto_choice.csv`); the labelled paragraphs were not used "
        "to choose it.")
    model.save(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
