"""Write ``model_arrays.npz`` for a saved theme-model folder (default: the shipped one).

``ThemeModel.save`` writes that file itself; this script adds it to a folder saved
before it existed (the shipped model of civictext/data/models/theme_model), without
refitting anything. The model is read from its ``model.skops`` (skops, trusted types
only), saved again into a temporary folder, and only if that save reproduces every
existing file byte for byte (``model.skops``, ``vocabulary.json``, ``MODEL_CARD.md``)
and ``model.json`` up to the one new key (``arrays_sha256``) are the new
``model_arrays.npz`` and ``model.json`` copied into the folder. Running it again
changes nothing (the bytes are canonical: same model, same file). Finally the
folder is loaded both ways (arrays and skops) and the classifiers' states and the
idf weights are compared exactly.

    .venv/bin/python benchmarks/write_model_arrays.py [FOLDER] [--check]

``--check`` writes nothing and exits 1 if the folder's files are not what this
script would write.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _same_state(a, b) -> bool:
    sa, sb = a.__getstate__(), b.__getstate__()
    if list(sa) != list(sb):
        return False
    for k in sa:
        x, y = sa[k], sb[k]
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            if not (type(x) is type(y) and x.dtype == y.dtype and x.shape == y.shape
                    and x.tobytes() == y.tobytes()):
                return False
        elif not (type(x) is type(y) and x == y):
            return False
    return True


def main(argv=None) -> int:
    from civictext.themes import model as tm

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folder", nargs="?", default=str(tm.DEFAULT_MODEL_DIR))
    ap.add_argument("--check", action="store_true", help="compare only, write nothing")
    args = ap.parse_args(argv)
    folder = Path(args.folder)
    model = tm._load_theme_model(folder, arrays=False)
    with tempfile.TemporaryDirectory(prefix="civictext-arrays-") as tmp:
        new = model.save(Path(tmp) / "m")
        for name in ("model.skops", "vocabulary.json", "MODEL_CARD.md"):
            if (new / name).read_bytes() != (folder / name).read_bytes():
                print(f"{name}: saving the loaded model does not reproduce {folder / name}; "
                      "not written (refit and save the model instead)")
                return 1
        old_meta = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        new_meta = json.loads((new / "model.json").read_text(encoding="utf-8"))
        old_meta.pop("arrays_sha256", None)
        if {k: v for k, v in new_meta.items() if k != "arrays_sha256"} != old_meta:
            print("model.json: saving the loaded model changes more than arrays_sha256; "
                  "not written")
            return 1
        changed = [n for n in ("model.json", tm._ARRAYS_FILE)
                   if not (folder / n).is_file()
                   or (folder / n).read_bytes() != (new / n).read_bytes()]
        if args.check:
            print(f"{folder}: " + (f"would change {', '.join(changed)}" if changed
                                   else "up to date"))
            return 1 if changed else 0
        for n in changed:
            shutil.copyfile(new / n, folder / n)
        print(f"{folder}: " + (f"wrote {', '.join(changed)}" if changed else "up to date"))
    fast, slow = tm.load_theme_model(folder), tm._load_theme_model(folder, arrays=False)
    ok = (fast.vectorizer.idf_.tobytes() == slow.vectorizer.idf_.tobytes()
          and list(fast.classifiers) == list(slow.classifiers)
          and all(_same_state(fast.classifiers[t], slow.classifiers[t]) for t in slow.themes))
    print("arrays vs skops: " + ("identical idf weights and classifier states" if ok
                                 else "DIFFERENT"))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
