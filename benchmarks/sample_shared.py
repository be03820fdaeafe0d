"""Write small samples of the shared corpora as corpus folders (outside the repository).

    python benchmarks/sample_shared.py OUT_DIR [--n 300] [--files 3]

For each corpus under ``$CIVICTEXT_SHARED_CORPORA`` (default
``../shared/corpora``): the first ``n`` records of a JSON Lines corpus dealt
into ``files`` gzipped files, or every k-th file of a folder corpus, so that an
engine's partitions cross file boundaries. Used by the engine and before/after
comparisons (benchmarks/compare_runs.py). Never write OUT_DIR inside the
repository: the text belongs to its publishers.
"""
from __future__ import annotations

import argparse
import gzip
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _realcorpora import shared_root  # type: ignore[import-not-found]  # noqa: E402

JSONL = {"newsfeed": "news-feed/articles.jsonl.gz", "vnds-test": "vnds-test/articles.seg.jsonl.gz",
         "vnds-train": "vnds-train/articles.seg.jsonl.gz",
         "vn4news2020": "vn4news2020/articles.jsonl.gz"}
FOLDERS = {"dantri": "dantri-unc/articles"}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--n", type=int, default=300, help="records (or files) per corpus")
    ap.add_argument("--files", type=int, default=3, help="files per JSON Lines sample")
    ap.add_argument("--only", nargs="*", help=f"these corpora only ({', '.join([*JSONL, *FOLDERS])})")
    args = ap.parse_args(argv)
    only = set(args.only or [*JSONL, *FOLDERS])
    shared = shared_root()
    repo = Path(__file__).resolve().parents[1]
    if repo in args.out.resolve().parents or args.out.resolve() == repo:
        raise SystemExit("OUT_DIR is inside the repository; write samples elsewhere (e.g. /tmp)")
    for name, rel in {**JSONL, **FOLDERS}.items():
        if name not in only:
            continue
        src = shared / rel
        if not src.exists():
            print(f"skipped {name}: {src} not found", file=sys.stderr)
            continue
        folder = args.out / name
        folder.mkdir(parents=True, exist_ok=True)
        if name in FOLDERS:
            files = sorted(src.iterdir())
            step = max(1, len(files) // args.n)
            for f in files[::step][:args.n]:
                shutil.copyfile(f, folder / f.name)
            print(f"{name}: {min(args.n, len(files[::step]))} files under {folder}")
            continue
        outs = [gzip.open(folder / f"part-{k}.jsonl.gz", "wt", encoding="utf-8")
                for k in range(args.files)]
        with gzip.open(src, "rt", encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if i >= args.n:
                    break
                outs[i * args.files // args.n].write(line)
        for o in outs:
            o.close()
        print(f"{name}: {args.n} records in {args.files} files under {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
