"""Settle the coded real sample: coders' verdicts -> label files, agreement, final codes.

Reads every verdict of phases 1-8 from the committed ``coder1.csv``, ``coder2.csv`` and
``adjudicated.csv`` (the coders' sheets of those rounds were not kept; these files hold
every verdict, borderline mark, reason and note they gave, by document id) and, for a
round in :data:`SHEET_ROUNDS` whose sheets are present, that round's sheets instead
(packet item numbers, e.g. phase 9 under ``--verdicts9``, default ``/tmp/coding9``:
``verdicts_Z*.csv`` first coders, ``verdicts_W*.csv`` the blind second coders,
``adjud*.csv`` the adjudication of every document marked borderline or disputed), with
``design.csv`` and every later ``designK.csv``, whose combined inclusion probabilities
replace the earlier ones for every document. Run without sheets it rewrites the committed
files byte for byte.

Writes, under ``benchmarks/labels/coded/`` (ids and verdicts only, no text):

* ``coder1.csv``, ``coder2.csv``: each coder's verdicts as given
  (``corpus, doc_id, phase, reform, conduct, satisfaction, borderline, reason, note``);
* ``adjudicated.csv``: the settled verdicts of the adjudicated documents, with the
  rule that settled them;
* ``coded.csv``: the final codes, long (``corpus, doc_id, phase, stratum, pi, theme,
  relevant``): adjudicated where adjudicated, else the first coder's;
* ``agreement.csv``: Cohen's kappa per theme and round on the doubly coded documents
  (before settlement).

    .venv/bin/python benchmarks/coding/settle.py
"""
from __future__ import annotations

import argparse
import glob
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

THEMES = ["reform", "conduct", "satisfaction"]
HERE = Path(__file__).resolve().parents[1] / "labels" / "coded"


def _read(pattern: str) -> pd.DataFrame:
    files = sorted(glob.glob(pattern))
    if not files:
        return pd.DataFrame(columns=["item", *THEMES])
    return pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files],
                     ignore_index=True)


def add_phase(design: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The design with a later phase's new items (``recoded == "1"`` in ``path``, a
    ``design3.csv``-like table covering every coded document) and that phase's
    combined inclusion probabilities for every document; a document drawn in the
    phase (``n_stratum > 0``) is resampled within, so recorded in, its stratum there."""
    later = pd.read_csv(path, dtype=str, keep_default_na=False)
    new = later[later["recoded"] == "1"].assign(phase1_stratum="")
    design = pd.concat([design, new.reindex(columns=design.columns, fill_value="")],
                       ignore_index=True)
    combined = later.set_index(["corpus", "doc_id"])
    idx = pd.MultiIndex.from_arrays([design["corpus"], design["doc_id"]])
    assert combined["pi"].reindex(idx).notna().all(), f"{path.name} lacks a coded document"
    design["pi"] = combined["pi"].reindex(idx).to_numpy()
    drawn = combined["n_stratum"].reindex(idx).astype(int).to_numpy() > 0
    design["stratum"] = np.where(drawn, combined["stratum"].reindex(idx).to_numpy(),
                                 design["stratum"])
    return design


#: coding rounds whose coders' sheets are read from a folder (phase: (option default,
#: first coders' packet letters, second coders' letters)); every earlier round's verdicts
#: are read from the committed ``coder1.csv``, ``coder2.csv`` and ``adjudicated.csv``
#: (the sheets of phases 1-8 were not kept; these files hold every verdict they gave)
SHEET_ROUNDS = {9: ("/tmp/coding9", "Z", "W")}
_SHEET_COLS = {"first": ["item", *THEMES, "borderline", "reason", "note"],
               "adjudicated": ["item", *THEMES, "changed", "rule", "note"]}


def committed(name: str, items: pd.Series, kind: str) -> pd.DataFrame:
    """The verdicts of a committed label file (``coder1.csv``, ``coder2.csv`` or
    ``adjudicated.csv``) as the coders' sheets give them: by packet item number
    (``items``: (corpus, doc_id) -> item), with the file's ``phase``."""
    df = pd.read_csv(HERE / name, dtype=str, keep_default_na=False)
    idx = pd.MultiIndex.from_arrays([df["corpus"], df["doc_id"]])
    df["item"] = items.reindex(idx).to_numpy()
    assert df["item"].notna().all(), f"{name}: a document the designs do not hold"
    return df[[*_SHEET_COLS[kind], "phase"]]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for k, (default, _, _) in SHEET_ROUNDS.items():
        ap.add_argument(f"--verdicts{k}", default=default, help=f"phase {k}'s sheets")
    ap.add_argument("--out", default=str(HERE),
                    help="folder of the label files written (default: the committed ones)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    design = pd.read_csv(HERE / "design.csv", dtype=str, keep_default_na=False)
    for k in range(3, 10):  # later phases, when drawn
        if (HERE / f"design{k}.csv").exists():
            design = add_phase(design, HERE / f"design{k}.csv")
    items = design.set_index(["corpus", "doc_id"])["item"]
    phase_of = design.set_index("item")["phase"]
    tables = {"first": committed("coder1.csv", items, "first"),
              "second": committed("coder2.csv", items, "first"),
              "adjudicated": committed("adjudicated.csv", items, "adjudicated")}
    for k, (_, xs1, xs2) in SHEET_ROUNDS.items():  # a round's sheets replace its committed rows
        folder = Path(getattr(args, f"verdicts{k}"))
        sheets = {"first": [str(folder / f"verdicts_{x}*.csv") for x in xs1],
                  "second": [str(folder / f"verdicts_{x}*.csv") for x in xs2],
                  "adjudicated": [str(folder / "adjud*.csv")]}
        if not glob.glob(sheets["first"][0]):
            continue
        for kind, patterns in sheets.items():
            raw = pd.concat([_read(p) for p in patterns], ignore_index=True)
            raw = raw.reindex(columns=_SHEET_COLS["adjudicated" if kind == "adjudicated"
                                                  else "first"], fill_value="")
            raw["phase"] = raw["item"].map(phase_of)
            old = tables[kind]
            tables[kind] = pd.concat([old[old["phase"] != str(k)], raw], ignore_index=True)
    first, second, adj = (tables[k].drop(columns="phase")
                          for k in ("first", "second", "adjudicated"))
    for name, df in (("first", first), ("second", second), ("adjudicated", adj)):
        dup = df["item"].duplicated()
        assert not dup.any(), f"{name}: item {df.loc[dup, 'item'].iloc[0]} twice"
        for t in THEMES:
            assert df[t].isin(["0", "1"]).all(), f"{name}: non 0/1 value in {t}"
    missing = set(design["item"]) - set(first["item"])
    assert not missing, f"{len(missing)} items have no first-coder verdict, e.g. {min(missing)}"
    key = design.set_index("item")
    cols = ["corpus", "doc_id", "phase", *THEMES, "borderline", "reason", "note"]

    def with_ids(df: pd.DataFrame) -> pd.DataFrame:
        out = df.join(key[["corpus", "doc_id", "phase"]], on="item")
        return out.reindex(columns=cols).sort_values(["phase", "corpus", "doc_id"])

    with_ids(first).to_csv(out / "coder1.csv", index=False)
    with_ids(second).to_csv(out / "coder2.csv", index=False)
    a = adj.join(key[["corpus", "doc_id", "phase"]], on="item")
    a.reindex(columns=["corpus", "doc_id", "phase", *THEMES, "changed", "rule", "note"]).sort_values(
        ["phase", "corpus", "doc_id"]).to_csv(out / "adjudicated.csv", index=False)

    rows = []
    both = first.merge(second, on="item", suffixes=("_1", "_2")).join(key["phase"], on="item")
    for phase, g in [("all", both)] + list(both.groupby("phase")):
        for t in THEMES:
            x, y = g[f"{t}_1"].astype(int), g[f"{t}_2"].astype(int)
            rows.append({"round": phase, "theme": t, "n": len(g), "coder1_positive": int(x.sum()),
                         "coder2_positive": int(y.sum()), "agree": float((x == y).mean()),
                         "kappa": float(cohen_kappa_score(x, y)) if x.nunique() + y.nunique() > 2
                         else float("nan")})
    agree = pd.DataFrame(rows)
    agree.to_csv(out / "agreement.csv", index=False, float_format="%.4f")

    final = first.set_index("item")[THEMES].copy()
    settled = adj.set_index("item")[THEMES]
    final.loc[settled.index, THEMES] = settled
    # a disagreement the adjudicators did not see (not borderline for either coder) is
    # settled for the first coder only if the second coder agrees; report any left
    dis = both[(both[[f"{t}_1" for t in THEMES]].to_numpy()
                != both[[f"{t}_2" for t in THEMES]].to_numpy()).any(axis=1)]
    unsettled = sorted(set(dis["item"]) - set(settled.index))
    final = final.join(key[["corpus", "doc_id", "phase", "stratum", "pi"]])
    long = final.reset_index().melt(id_vars=["item", "corpus", "doc_id", "phase", "stratum", "pi"],
                                    value_vars=THEMES, var_name="theme", value_name="relevant")
    long = long.drop(columns="item").sort_values(["phase", "corpus", "doc_id", "theme"])
    long.to_csv(out / "coded.csv", index=False)
    print(agree.to_string(index=False))
    print("final positives:", long.groupby("theme")["relevant"].apply(
        lambda s: int(s.astype(int).sum())).to_dict(), "documents:", final.shape[0])
    if unsettled:
        print(f"WARNING: {len(unsettled)} disputed items not adjudicated: {unsettled}")


if __name__ == "__main__":
    main()
