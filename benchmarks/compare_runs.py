"""Compare every output of two ``civictext run`` (or ``figures``) folders.

    python benchmarks/compare_runs.py OLD_OUT NEW_OUT

Every file under either folder is compared by bytes, except ``manifest.json``
(compared as JSON without ``timings``, the only part that differs between two
runs), a saved topic model's ``model.skops`` (compared by the contents of its
arrays and its schema with member names and ids replaced, and its ``model.json``
without the zip's SHA-256: files saved before civictext's canonical model files
named members by Python object id, new in every process; canonical files are
byte-identical for the same model) and PNG/SVG images (drawn from the CSVs next to them;
compared only with ``--images``). Prints one line per difference and exits 1 when there is
any, 0 when the outputs are the same.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _files(root: Path, images: bool) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() and (images or p.suffix not in {".png", ".svg"})
            and ".civictext" not in p.name}


def _manifest(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop("timings", None)
    return data


def _diff_json(a: object, b: object, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                out.append(f"{where}/{k}: only in {'new' if k not in a else 'old'}")
            else:
                out += _diff_json(a[k], b[k], f"{where}/{k}")
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _diff_json(x, y, f"{where}[{i}]")]
    return [] if a == b else [f"{where}: {json.dumps(a, ensure_ascii=False)[:200]} -> "
                              f"{json.dumps(b, ensure_ascii=False)[:200]}"]


def _bytes(path: Path, replace: tuple[str, str] | None) -> bytes:
    data = path.read_bytes()
    return data.replace(replace[0].encode(), replace[1].encode()) if replace else data


def _skops_content(path: Path) -> tuple:
    """A .skops zip's content without the per-process object ids in its member names."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        schema = z.read("schema.json").decode("utf-8")
        arrays = sorted(z.read(n) for n in names if n.endswith(".npy"))
    # member names are object ids (skops) or 1, 2, ... (civictext's canonical files)
    schema = re.sub(r'"file": "[^"]+\.(npy|npz|bin)"', r'"file": "<\1>"', schema)
    schema = re.sub(r'"__id__": \d+', '"__id__": 0', schema)
    return re.sub(r"\s+", " ", schema), arrays


def _model_json(path: Path) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    for entry in data.get("files", {}).values() if isinstance(data.get("files"), dict) else []:
        if isinstance(entry, dict):
            entry.pop("sha256", None)
    data.pop("sha256", None)
    return data


def compare(old: Path, new: Path, *, images: bool = False,
            replace: tuple[str, str] | None = None) -> list[str]:
    """One line per difference between the outputs under ``old`` and ``new``."""
    a, b = _files(old, images), _files(new, images)
    diffs = [f"only in old: {f}" for f in sorted(a - b)]
    diffs += [f"only in new: {f}" for f in sorted(b - a)]
    for f in sorted(a & b):
        if f.endswith("manifest.json"):
            diffs += [f"{f}{d}" for d in _diff_json(_manifest(old / f), _manifest(new / f))]
        elif f.endswith(".skops"):
            if _skops_content(old / f) != _skops_content(new / f):
                diffs.append(f"differs (content): {f}")
        elif f.endswith("model/model.json"):
            diffs += [f"{f}{d}" for d in _diff_json(_model_json(old / f), _model_json(new / f))]
        elif _bytes(old / f, replace) != (new / f).read_bytes():
            diffs.append(f"differs: {f}")
    return diffs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", type=Path)
    ap.add_argument("new", type=Path)
    ap.add_argument("--images", action="store_true", help="also compare PNG and SVG bytes")
    ap.add_argument("--replace", nargs=2, metavar=("OLD_TEXT", "NEW_TEXT"),
                    help="in OLD's files, read OLD_TEXT as NEW_TEXT first (e.g. the two "
                         "checkouts' package folders: coverage.csv names the lexicon files "
                         "by absolute path)")
    args = ap.parse_args(argv)
    diffs = compare(args.old, args.new, images=args.images,
                    replace=tuple(args.replace) if args.replace else None)
    for d in diffs:
        print(d)
    print(f"{len(diffs)} difference(s) between {args.old} and {args.new}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
