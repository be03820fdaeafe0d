# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     notebook_metadata_filter: kernelspec,jupytext
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python (civictext)
#     language: python
#     name: civictext
# ---

# %% [markdown]
# # 5. Reproduce every figure
#
# One call rebuilds every figure of the project from a corpus:
# `ct.build_figures(CORPUS, OUT, random_state=SEED)` is exactly what
# `civictext figures --corpus CORPUS --out OUT --seed SEED` runs. For each figure
# it writes a PNG, an SVG and a CSV holding exactly the numbers plotted, plus a
# `manifest.json` with the corpus fingerprint, the package and dependency
# versions, the parameters and the seed. The same corpus and seed give the same
# CSVs and manifest, byte for byte.
#
# This notebook runs it and then shows each figure next to its data.
#
# **A real corpus:** set `DATASET` to a name from `ct.datasets.list()` (e.g.
# `"news-feed"`): `ct.fetch_corpus` downloads it once (or uses a local copy)
# and records the SHA-256 of what it received, which the manifest repeats
# (`corpus.dataset`). `LIMIT` reads only the first items; it is recorded in the
# manifest's `read_options`.

# %% tags=["parameters"]
CORPUS = "../corpus"  # a file or folder of your own; not used when DATASET is set
DATASET = None  # a real corpus by name, e.g. "news-feed" (see ct.datasets.list())
LIMIT = None  # read at most this many items (None: all)
OUT = "../outputs/notebooks/05_figures"
SEED = 0
CHECK_REBUILD = True  # build a second time and compare bytes (doubles the run time)

# %%
import json
from pathlib import Path

import pandas as pd
from IPython.display import Image, Markdown, display

import civictext as ct
from civictext.viz import plots

out = Path(OUT)
corpus = ct.fetch_corpus(DATASET) if DATASET else CORPUS
read_options = {"limit": LIMIT} if LIMIT else None
manifest = ct.build_figures(corpus, out, random_state=SEED, progress=True,
                            read_options=read_options)
print(f"{manifest['corpus']['documents']} documents read from {corpus}; "
      f"{len(manifest['figures'])} figures written to {out.resolve()}")
if manifest.get("skipped"):
    print("skipped:", manifest["skipped"])

# %% [markdown]
# ## The manifest
#
# What a reader needs to check that a figure came from this corpus and this code.

# %%
saved = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
print(json.dumps({k: v for k, v in saved.items() if k != "figures"}, ensure_ascii=False, indent=1))

# %% [markdown]
# ## Each figure and the numbers behind it

# %%
for fig in manifest["figures"]:
    display(Markdown(f"### {fig['name']}\n\n{fig.get('caption', '')}"))
    display(Image(filename=str(out / fig["png"])))
    numbers = pd.read_csv(out / fig["csv"], dtype={"period": str})
    display(plots.table(numbers, n=12, nowrap=[c for c in ("period", "term", "theme") if c in numbers],
                        percent=[c for c in ("share", "share_lo", "share_hi") if c in numbers]))

# %% [markdown]
# ## Check: rebuilding gives the same numbers
#
# Build again into a second folder and compare the CSVs and the manifest byte
# for byte (the manifest holds no timestamps or absolute paths).

# %%
if CHECK_REBUILD:
    again = ct.build_figures(corpus, out / "rebuild", random_state=SEED, read_options=read_options)
    same = {name: (out / name).read_bytes() == (out / "rebuild" / name).read_bytes()
            for name in [fig["csv"] for fig in manifest["figures"]] + ["manifest.json"]}
    display(pd.Series(same, name="identical bytes").to_frame())
    assert all(same.values()), "a figure's numbers changed between two builds"
