"""Pre-segmented input: reading, scoring and evidence against json-load + NFC.

The issue-17 target: ``read_corpus`` + ``score_themes`` + ``theme_evidence`` on
VNDS test (``articles.seg.jsonl.gz``, 22,642 word-segmented articles) within
5x the time it takes to ``json``-load the file and NFC-normalise its text.
Both are measured in this one process, baseline first and last (the mean of
the two is the denominator); CPU time (``time.process_time``) and wall time.
No token cache may be written for this input (checked: the cache folder is a
fresh temporary one and must stay empty of entries).

With ``--check`` the token counts are also computed by the per-sentence
reference path (``civictext.text.segmentation._doc_tokens`` on each document, the
slow path this benchmark's fast path replaced) and compared document by
document. ``--old REV`` scores the same records with the code of commit REV
(``git archive`` into a temporary folder, a subprocess, not timed) and compares
``p_model`` (bit for bit), ``present_model`` and ``present`` of every
(doc_id, theme); ``--write``/``--compare`` keep and reuse such a table.

    CIVICTEXT_SHARED_CORPORA=/work/shared/corpora .venv/bin/python benchmarks/bench_presegmented.py
    ... --limit 3000 --check
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = Path(os.environ.get("CIVICTEXT_SHARED_CORPORA", "/work/shared/corpora"))


def baseline(path: Path, limit: int | None) -> int:
    """json-load every record and NFC-normalise its string fields (the text)."""
    n = 0
    with gzip.open(path, "rb") as fh:
        for line in fh:
            rec = json.loads(line)
            for v in rec.values():
                if isinstance(v, str):
                    unicodedata.normalize("NFC", v)
            n += 1
            if limit is not None and n >= limit:
                break
    return n


def clock(f, *a, **k):
    c, w = time.process_time(), time.perf_counter()
    out = f(*a, **k)
    return time.process_time() - c, time.perf_counter() - w, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=str(SHARED / "vnds-test" / "articles.seg.jsonl.gz"))
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--check", action="store_true",
                    help="compare token counts with the per-sentence reference path")
    ap.add_argument("--presence", default=None,
                    help="score_themes(presence=...); default: score_themes' own default")
    ap.add_argument("--profile", default=None, help="write a cProfile of the timed part here")
    ap.add_argument("--old", default=None, metavar="REV",
                    help="also score the same records with the code of commit REV (git archive, "
                         "a subprocess, not timed) and compare p_model, present_model and "
                         "present of every (doc_id, theme) bit for bit")
    ap.add_argument("--compare", default=None, metavar="TSV",
                    help="compare with scores written earlier by --write (or by --old)")
    ap.add_argument("--write", default=None, metavar="TSV", help="write the scores compared")
    args = ap.parse_args(argv)
    path = Path(args.corpus)
    os.environ["CIVICTEXT_CACHE"] = tempfile.mkdtemp(prefix="civictext-preseg-")

    import importlib

    import civictext as ct
    tk = importlib.import_module("civictext.text.segmentation")
    from civictext.themes.lexicon import load_lexicons

    lex = load_lexicons()
    tk.default_compounds()
    # underthesea's CRF must not run on this input (the theme model's headline
    # features included): every call of civictext's segmenter is counted
    crf = [0]
    syllables = tk._Segmenter.syllables

    def counting(self, sentence):
        crf[0] += 1
        return syllables(self, sentence)

    tk._Segmenter.syllables = counting
    b1 = clock(baseline, path, args.limit)

    def work():
        arts = ct.read_corpus(path, limit=args.limit)
        t0 = time.process_time()
        kw = {} if args.presence is None else {"presence": args.presence}
        scores = ct.score_themes(arts, lex, **kw)
        t1 = time.process_time()
        ev = ct.theme_evidence(arts, lex)
        return arts, scores, ev, t0, t1

    if args.profile:
        import cProfile
        prof = cProfile.Profile()
        c, w, out = clock(prof.runcall, work)
        prof.dump_stats(args.profile)
    else:
        c, w, out = clock(work)
    arts, scores, ev, t0, t1 = out
    b2 = clock(baseline, path, args.limit)
    base_c, base_w = (b1[0] + b2[0]) / 2, (b1[1] + b2[1]) / 2
    entries = sum(f.stat().st_size for f in Path(os.environ["CIVICTEXT_CACHE"]).rglob("*")
                  if f.is_file())
    print(f"corpus {path} ({len(arts):,} articles, {int(arts['text'].str.len().sum()):,} chars; "
          f"segmented: {int(arts['segmented'].sum()):,})")
    print(f"baseline json-load + NFC: CPU {b1[0]:.2f} / {b2[0]:.2f} s, wall {b1[1]:.2f} / {b2[1]:.2f} s")
    print(f"presence: {args.presence or 'default'}")
    print(f"read + score + evidence: CPU {c:.2f} s (score_themes {t1 - t0:.2f} s), wall {w:.2f} s")
    print(f"token cache written: {entries:,} bytes; CRF segmenter calls: {crf[0]:,}")
    print(f"RATIO CPU {c / base_c:.2f}x, wall {w / base_w:.2f}x (target <= 5x)")
    status = 0
    if args.write or args.compare or args.old:
        mine = _score_lines(scores)
        if args.write:
            Path(args.write).write_text(mine, encoding="utf-8")
        ref = (Path(args.compare).read_text(encoding="utf-8") if args.compare
               else _old_scores(args.old, path, args.limit, args.presence))
        if ref is not None:
            a, b = ref.splitlines(), mine.splitlines()
            diff = sum(x != y for x, y in zip(a, b)) + abs(len(a) - len(b))
            print(f"scores vs {'the reference file' if args.compare else args.old}: "
                  f"{len(b):,} (doc_id, theme) rows, {diff} differ "
                  f"(p_model bits, present_model, present)")
            if diff and len(a) == len(b):
                print(_differences(a, b))
            status = 1 if diff else 0
    if args.check:
        counts = ct.count_tokens(arts, cache=False)
        settings = tk._settings(None, False)
        texts = arts["text"].tolist()
        givens = tk._givens(arts, texts)
        bad = 0
        for i, (t, g) in enumerate(zip(texts, givens)):
            ref = int((tk._doc_tokens(t, settings, g).kind != 2).sum())
            if ref != counts.iloc[i]:
                bad += 1
                if bad <= 5:
                    print("  differs:", arts["doc_id"].iloc[i], ref, counts.iloc[i])
        print(f"token counts vs the per-sentence path: {len(texts) - bad:,} identical, {bad} differ")
        return 1 if bad else status
    return status


def _differences(ref: list[str], mine: list[str]) -> str:
    """How the scores moved, row by row (the same (doc_id, theme) order)."""
    dp, flips, pflips, keys = [], {}, 0, 0
    for x, y in zip(ref, mine):
        rx, ry = x.split("\t"), y.split("\t")
        if rx[:2] != ry[:2]:
            keys += 1
            continue
        d = abs(float.fromhex(ry[2]) - float.fromhex(rx[2]))
        if d:
            dp.append(d)
        if rx[3] != ry[3]:
            k = (rx[1], "to present" if ry[3] == "True" else "to absent")
            flips[k] = flips.get(k, 0) + 1
        pflips += rx[4] != ry[4]
    mean = sum(dp) / len(ref) if ref else 0.0
    per: dict[str, list[int]] = {}
    for x, y in zip(ref, mine):
        rx, ry = x.split("\t"), y.split("\t")
        c = per.setdefault(rx[1], [0, 0])
        c[0] += rx[3] == "True"
        c[1] += ry[3] == "True"
    lines = [f"  p_model differs on {len(dp):,} of {len(ref):,} rows; max |diff| "
             f"{max(dp, default=0.0):.4f}, mean |diff| over all rows {mean:.5f}",
             f"  present_model flips: {sum(flips.values())} "
             + (", ".join(f"{t} {w}: {n}" for (t, w), n in sorted(flips.items())) or ""),
             "  documents with present_model, reference -> now: "
             + ", ".join(f"{t} {c[0]:,} -> {c[1]:,}" for t, c in sorted(per.items())),
             f"  present flips: {pflips}" + (f"; rows with other keys: {keys}" if keys else "")]
    return "\n".join(lines)


def _score_lines(scores) -> str:
    """One line per (doc_id, theme): p_model as float.hex, present_model, present."""
    cols = scores[["doc_id", "theme", "p_model", "present_model", "present"]]
    return "".join(f"{r.doc_id}\t{r.theme}\t{float(r.p_model).hex()}\t{bool(r.present_model)}"
                   f"\t{bool(r.present)}\n" for r in cols.itertuples(index=False))


OLD = r"""
import sys
import civictext as ct
from civictext.themes.lexicon import load_lexicons
path, limit, presence = sys.argv[1], sys.argv[2], sys.argv[3]
arts = ct.read_corpus(path, limit=int(limit) if limit else None)
kw = {"presence": presence} if presence else {}
s = ct.score_themes(arts, load_lexicons(), **kw)
for r in s[["doc_id", "theme", "p_model", "present_model", "present"]].itertuples(index=False):
    sys.stdout.write(f"{r.doc_id}\t{r.theme}\t{float(r.p_model).hex()}\t{bool(r.present_model)}"
                     f"\t{bool(r.present)}\n")
"""


def _old_scores(rev: str | None, path: Path, limit: int | None, presence: str | None):
    """The scores of the code of commit ``rev`` on the same records (not timed)."""
    import subprocess

    if not rev:
        return None
    with tempfile.TemporaryDirectory(prefix="civictext-old-") as tmp:
        arch = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "civictext"],
                              check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=arch, check=True)
        env = dict(os.environ, PYTHONPATH=tmp, CIVICTEXT_CACHE=tempfile.mkdtemp(dir=tmp))
        out = subprocess.run([sys.executable, "-c", OLD, str(path), str(limit or ""),
                              presence or ""], env=env, cwd=tmp, check=True,
                             capture_output=True, text=True)
    return out.stdout


if __name__ == "__main__":
    raise SystemExit(main())
