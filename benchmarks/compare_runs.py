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

``--same-model``: a topic model folder whose ``model.skops`` differs (or whose
``model.json`` differs only in ``format_version``) counts as the same when both
folders load (``TopicModel.load``, this checkout's code) to the same model: the same
vocabulary (list and term -> column dict, with their types), idf, estimator state
(every array and value), column weights, parameters and tables; for comparing runs
across a model-file format change (format 2 to 3: the vocabulary stored as arrays).
Such folders are printed as notes, not differences.
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


def _same_state(a: object, b: object) -> bool:
    import numpy as np

    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and bool(  # type: ignore[union-attr]
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same_state(a[k], b[k])  # type: ignore[index]
                                          for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(  # type: ignore[arg-type]
            _same_state(x, y) for x, y in zip(a, b))  # type: ignore[call-overload]
    if hasattr(a, "__getstate__") and type(a).__module__.startswith("sklearn"):
        return _same_state(a.__getstate__(), b.__getstate__())
    return a == b or (a != a and b != b)


def _model_differences(old: Path, new: Path) -> list[str]:
    """What differs between the topic models the two folders load to ([] : the same)."""
    import warnings

    import pandas as pd

    from civictext.topics.model import TopicModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = TopicModel.load(old), TopicModel.load(new)
    out = []
    va, vb = dict(a.vectorizer.__dict__), dict(b.vectorizer.__dict__)
    for v in (va, vb):
        v.pop("analyzer", None)
    if sorted(va) != sorted(vb) or not all(_same_state(va[k], vb[k]) for k in va):
        out.append("vectorizer")
    if not _same_state(a.estimator.__getstate__(), b.estimator.__getstate__()):
        out.append("estimator")
    if not _same_state(a.column_weights, b.column_weights):
        out.append("column_weights")
    if a.params != b.params or a.method != b.method:
        out.append("params")
    for name in ("doc_topics", "top_terms", "topics", "seed_terms"):
        try:
            pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
        except AssertionError:
            out.append(name)
    return out


def compare(old: Path, new: Path, *, images: bool = False,
            replace: tuple[str, str] | None = None,
            same_model: bool = False) -> list[str]:
    """One line per difference between the outputs under ``old`` and ``new``."""
    a, b = _files(old, images), _files(new, images)
    diffs = [f"only in old: {f}" for f in sorted(a - b)]
    diffs += [f"only in new: {f}" for f in sorted(b - a)]
    for f in sorted(a & b):
        if f.endswith("manifest.json"):
            diffs += [f"{f}{d}" for d in _diff_json(_manifest(old / f), _manifest(new / f))]
        elif f.endswith(".skops"):
            if _skops_content(old / f) != _skops_content(new / f):
                folder = Path(f).parent
                if same_model and (old / folder / "model.json").is_file():
                    what = _model_differences(old / folder, new / folder)
                    if what:
                        diffs.append(f"differs (model: {', '.join(what)}): {f}")
                    else:
                        print(f"note: {f}: other bytes, the same model (--same-model)")
                else:
                    diffs.append(f"differs (content): {f}")
        elif f.endswith("model/model.json"):
            ja, jb = _model_json(old / f), _model_json(new / f)
            if same_model and ja.get("format_version") != jb.get("format_version"):
                print(f"note: {f}: format_version {ja.get('format_version')} -> "
                      f"{jb.get('format_version')} (--same-model)")
                ja.pop("format_version", None)
                jb.pop("format_version", None)
            diffs += [f"{f}{d}" for d in _diff_json(ja, jb)]
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
    ap.add_argument("--same-model", action="store_true",
                    help="a topic model file in another format counts as the same when both "
                         "load to the same model (see above)")
    args = ap.parse_args(argv)
    diffs = compare(args.old, args.new, images=args.images,
                    replace=tuple(args.replace) if args.replace else None,
                    same_model=args.same_model)
    for d in diffs:
        print(d)
    print(f"{len(diffs)} difference(s) between {args.old} and {args.new}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
