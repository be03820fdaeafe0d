"""Draw the coded real sample (issue 15): a written stratified design over four corpora.

Population. For each shared corpus a seeded random subset (the *frame*) is read:
``vnds-train`` 20,000 of 52,625 articles, ``vn4news2020`` 20,000 of 100,225
bodies, ``news-feed`` 20,000 of 153,825 items, ``dantri-unc`` all 2,653. A frame
is a simple random sample of its corpus, so frame-weighted estimates are
unbiased for the whole corpus (the corpus-level weight is ``1 / pi_corpus``).

Strata (per corpus, mutually exclusive, assigned in this order, with the 0.2
lexicons and rules, ``n_tokens`` not needed):

* ``present``   a theme is present under the focus rule (any theme);
* ``mentioned`` a theme is mentioned (score >= 1) but present for none;
* ``keyword``   no theme mentioned, but a broad administrative word occurs
                (:data:`BROAD`: words that are not lexicon terms, chosen to
                catch relevant articles the lexicons miss);
* ``random``    everything else (plain random articles).

Allocation per corpus: 45 / 40 / 45 / 30; a stratum with fewer documents is
taken whole and the remainder goes to ``keyword``. Within a stratum documents
are drawn without replacement with equal probability, so
``pi = n_stratum / N_stratum * frame_size / corpus_size``.

A second coder codes a stratified random 160 of the 640 (40 per corpus).

Writes ``benchmarks/labels/coded/design.csv`` (ids, strata, probabilities: no
text) and the coding packets, which hold text, under ``--packets`` (default
``/tmp/coding``, outside the repository: never commit them).

    PYTHONPATH=. .venv/bin/python benchmarks/coding/draw_sample.py --seed 15
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _realcorpora import shared_root  # type: ignore[import-not-found]  # noqa: E402

from civictext.corpus import read_corpus  # noqa: E402
from civictext.themes import score_themes  # noqa: E402

FRAMES = {  # name: (relative path, frame size or None for all)
    "vnds-train": ("vnds-train/articles.seg.jsonl.gz", 20000),
    "vn4news2020": ("vn4news2020/articles.jsonl.gz", 20000),
    "news-feed": ("news-feed/articles.jsonl.gz", 20000),
    "dantri-unc": ("dantri-unc/articles", None),
}
ALLOC = {"present": 45, "mentioned": 40, "keyword": 45, "random": 30}
SECOND_PER_CORPUS = 40

#: Broad administrative words (lower case, NFC): not lexicon terms themselves.
BROAD = [
    "hành chính", "thủ tục", "công chức", "viên chức", "biên chế", "công vụ",
    "bộ máy", "tinh giản", "sáp nhập", "dịch vụ công", "một cửa", "cổng thông tin",
    "trực tuyến", "chính quyền điện tử", "chính phủ điện tử", "chính phủ số",
    "chuyển đổi số", "kỷ luật", "kỷ cương", "ứng xử", "đạo đức", "thái độ",
    "phiền hà", "nhũng nhiễu", "hách dịch", "tiêu cực", "phong bì", "bôi trơn",
    "vòi tiền", "hài lòng", "khảo sát", "đánh giá", "chỉ số", "phản ánh",
    "kiến nghị", "khiếu nại", "tiếp công dân", "đường dây nóng", "góp ý",
    "giấy phép", "hồ sơ", "sổ đỏ", "cấp phép", "doanh nghiệp phản ánh",
]
_BROAD_RE = re.compile("|".join(re.escape(w) for w in BROAD))


def _frame(name: str, rng: np.random.Generator, tmp: Path) -> tuple[pd.DataFrame, int]:
    rel, size = FRAMES[name]
    path = shared_root() / rel
    if size is None:
        arts = read_corpus(path)
        return arts, len(arts)
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        lines = fh.readlines()
    keep = np.sort(rng.choice(len(lines), size=size, replace=False))
    out = tmp / f"{name}.jsonl.gz"
    with gzip.open(out, "wt", encoding="utf-8") as fh:
        fh.writelines(lines[i] for i in keep)
    return read_corpus(out), len(lines)


def strata(arts: pd.DataFrame) -> pd.Series:
    ids = arts["doc_id"].astype(str)
    sc = score_themes(arts, n_tokens=pd.Series(1, index=ids.values))
    present = sc.groupby("doc_id")["present"].any()
    mentioned = sc.groupby("doc_id")["mentioned"].any()
    broad = pd.Series([bool(_BROAD_RE.search(t.lower())) for t in arts["text"]], index=ids.values)
    out = pd.Series("random", index=ids.values)
    out[broad.reindex(ids.values).values] = "keyword"
    out[mentioned.reindex(ids.values).values] = "mentioned"
    out[present.reindex(ids.values).values] = "present"
    return out


def draw(st: pd.Series, rng: np.random.Generator) -> pd.DataFrame:
    sizes = st.value_counts()
    want = dict(ALLOC)
    for s in ("present", "mentioned", "random"):
        have = int(sizes.get(s, 0))
        if have < want[s]:
            want["keyword"] += want[s] - have
            want[s] = have
    rows = []
    for s, n in want.items():
        pool = np.sort(st.index[st.values == s].to_numpy())
        n = min(n, len(pool))
        picked = rng.choice(pool, size=n, replace=False)
        for d in picked:
            rows.append({"doc_id": d, "stratum": s, "N_stratum": len(pool), "n_stratum": n})
    return pd.DataFrame(rows)


def excerpt(text: str, limit: int = 3200) -> str:
    if len(text) <= limit:
        return text
    head = text[: limit - 600]
    cut = head.rfind(" ")
    head = head[:cut] if cut > 0 else head
    rest = text[len(head):]
    # later sentences with a broad administrative word, so the coder sees what the rest is about
    sents = [s.strip() for s in re.split(r"(?<=[.!?…])\s+|\n+", rest) if s.strip()]
    later = [s for s in sents if _BROAD_RE.search(s.lower())][:4]
    tail = " […] ".join(later)
    return f"{head} […]" + (f"\n[later in the article:] {tail}" if tail else "") + \
        f"\n[article length: {len(text)} characters]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--packets", default="/tmp/coding")
    ap.add_argument("--n-coders", type=int, default=4)
    ap.add_argument("--n-second", type=int, default=2)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    packets = Path(args.packets)
    packets.mkdir(parents=True, exist_ok=True)
    tmp = packets / "frames"
    tmp.mkdir(exist_ok=True)
    design, texts = [], {}
    for name in FRAMES:
        arts, corpus_size = _frame(name, rng, tmp)
        st = strata(arts)
        d = draw(st, rng)
        d.insert(0, "corpus", name)
        d["frame_size"] = len(arts)
        d["corpus_size"] = corpus_size
        d["pi"] = d["n_stratum"] / d["N_stratum"] * len(arts) / corpus_size
        design.append(d)
        by_id = arts.set_index(arts["doc_id"].astype(str))
        for doc in d["doc_id"]:
            r = by_id.loc[doc]
            texts[(name, doc)] = (str(r.get("title", "") or ""), str(r["text"]))
        print(name, len(arts), st.value_counts().to_dict(), flush=True)
    design = pd.concat(design, ignore_index=True)
    # coder assignment: shuffled, item numbers are packet-local (no ids, strata or corpus shown)
    order = rng.permutation(len(design))
    design["item"] = ""
    design["coder1_packet"] = ""
    for k, i in enumerate(order):
        design.loc[i, "coder1_packet"] = f"A{k % args.n_coders + 1}"
        design.loc[i, "item"] = f"{k + 1:04d}"
    second = []
    for name, g in design.groupby("corpus", sort=True):
        second.extend(rng.choice(g.index.to_numpy(), size=min(SECOND_PER_CORPUS, len(g)), replace=False))
    second = rng.permutation(np.array(second))
    design["coder2_packet"] = ""
    for k, i in enumerate(second):
        design.loc[i, "coder2_packet"] = f"B{k % args.n_second + 1}"
    for col, packs in (("coder1_packet", design["coder1_packet"].unique()),
                       ("coder2_packet", [p for p in design["coder2_packet"].unique() if p])):
        for p in sorted(packs):
            sub = design[design[col] == p].sort_values("item")
            with open(packets / f"packet_{p}.txt", "w", encoding="utf-8") as fh:
                for _, r in sub.iterrows():
                    title, text = texts[(r["corpus"], r["doc_id"])]
                    shown = text if not title or text.startswith(title) else f"{title}\n\n{text}"
                    fh.write(f"===== ITEM {r['item']} =====\n{excerpt(shown)}\n\n")
    out = Path(__file__).resolve().parents[1] / "labels" / "coded" / "design.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    cols = ["corpus", "doc_id", "item", "stratum", "N_stratum", "n_stratum", "frame_size",
            "corpus_size", "pi", "coder1_packet", "coder2_packet"]
    design[cols].to_csv(out, index=False)
    print(design.groupby(["corpus", "stratum"]).size().to_string())
    print(f"wrote {out} and packets in {packets}")


if __name__ == "__main__":
    main()
