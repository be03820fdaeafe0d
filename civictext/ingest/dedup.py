"""Near-duplicate articles: syndicated copies and re-posts across outlets.

Method
------
1. Each document's ``text`` is normalised (NFC, invisible characters dropped,
   one tone-mark placement: "hoá" = "hóa"), lowercased and split into words (runs of letters and digits; punctuation is
   ignored). Its *shingles* are the sets of ``shingle`` consecutive words
   (a document shorter than that has one shingle: all its words).
2. A MinHash signature of ``num_perm`` permutations is computed per document
   (datasketch, seeded with ``random_state``) and indexed in a MinHash LSH
   index tuned for a Jaccard threshold 0.1 below ``threshold`` (at most 0.9).
   LSH only *proposes* candidate pairs quickly; every candidate pair is then checked with the exact Jaccard
   similarity of the two shingle sets, and kept when it is ``>= threshold``.
   So the result does not depend on MinHash estimation error except for pairs
   LSH fails to propose (rare above the threshold; see datasketch's docs).
3. Confirmed pairs are joined transitively (union-find) into clusters. Each
   cluster has one *representative*: the first document in input order
   (``keep="first"``) or the one with the longest text (``keep="longest"``,
   ties go to the first). ``similarity`` is the exact Jaccard of a document's
   shingles with its representative's (1.0 for the representative; it can be
   below ``threshold`` for a member joined through a chain A~B~C).

Same input and ``random_state`` give the same clusters on every run (with the
same datasketch version: its 2.x hashing scheme differs from 1.x; since pairs
are confirmed exactly, versions can differ only in a rare pair LSH misses). Clusters
are numbered from 0 in the order of their first member in the input.

Why datasketch: a maintained, widely used implementation of MinHash and LSH
(pure Python + NumPy, MIT), with a documented LSH banding scheme; writing our
own would add code to test for no gain. It is in the optional ``collect`` extra.
"""
from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from civictext.config import DEFAULT_RANDOM_STATE
from civictext.errors import CivictextError
from civictext.ingest.reader import check_articles
from civictext.text.normalize import normalize_tone_marks

__all__ = ["shingles", "near_duplicates", "drop_near_duplicates"]

log = logging.getLogger(__name__)

#: The LSH index proposes pairs from ``threshold - 0.1`` (at most 0.9), so pairs
#: just above the threshold whose MinHash estimate falls a little low are
#: still proposed; the exact Jaccard check decides.
_LSH_MARGIN = 0.1

_WORD = re.compile(r"[^\W_]+")
# zero-width characters and soft hyphens would split a word (other spaces split anyway)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


from civictext.errors import ParameterError as _ParameterError  # noqa: E402

#: Most MinHash permutations near_duplicates accepts (memory grows with them).
MAX_NUM_PERM = 4096


@lru_cache(maxsize=1 << 17)
def _norm_word(word: str) -> str:
    # one tone-mark placement ("hoá" = "hóa"), word by word: the same result as
    # normalize_text on the whole text for shingling, and much faster (words repeat)
    return normalize_tone_marks(word)


def shingles(text: str, k: int = 3) -> set[str]:
    """The set of ``k``-word shingles of ``text`` (NFC, one tone-mark placement, lowercased).

    Examples
    --------
    >>> sorted(shingles("Cải cách hành chính", k=3))
    ['cách hành chính', 'cải cách hành']
    """
    text = unicodedata.normalize("NFC", _INVISIBLE.sub("", text)).lower()
    words = list(map(_norm_word, _WORD.findall(text)))
    if not words:
        return set()
    if len(words) < k:
        return {" ".join(words)}
    # the k-word windows, joined in C (zip of shifted lists) rather than slice by slice
    return set(map(" ".join, zip(*(words[i:len(words) - k + 1 + i] for i in range(k)))))


def _check(articles: pd.DataFrame, threshold: float, num_perm: int, shingle: int,
           keep: str, func: str) -> None:
    check_articles(articles, func)
    if not 0.0 < float(threshold) <= 1.0:  # also NaN
        raise _ParameterError(f"{func}: threshold must be in (0, 1], got {threshold!r}")
    if int(num_perm) < 16:
        raise _ParameterError(f"{func}: num_perm must be at least 16, got {num_perm!r}")
    if int(num_perm) > MAX_NUM_PERM:
        raise _ParameterError(f"{func}: num_perm must be at most {MAX_NUM_PERM} (more only "
                              f"costs memory and time), got {num_perm!r}")
    if int(shingle) < 1:
        raise _ParameterError(f"{func}: shingle must be a positive number of words, got {shingle!r}")
    if keep not in ("first", "longest"):
        raise _ParameterError(f"{func}: keep must be 'first' or 'longest', got {keep!r}")


def _jaccard(a: set[str], b: set[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def _lsh_index(threshold: float, num_perm: int) -> Any:
    """An LSH index whose candidate threshold is a little below ``threshold``
    (fewer missed pairs; candidates are checked exactly anyway)."""
    from datasketch import MinHashLSH  # imported by _clusters first, with a clear error

    t = min(max(threshold - _LSH_MARGIN, 0.05), 0.9)
    while True:
        try:
            return MinHashLSH(threshold=t, num_perm=num_perm)
        except ValueError:  # too few bands for this threshold and num_perm
            if t <= 0.05:
                raise
            t = max(t - 0.05, 0.05)


def _clusters(sets: list[set[str]], *, threshold: float, num_perm: int,
              random_state: int) -> list[int]:
    """Union-find root (an input position) for every document."""
    try:
        from datasketch import MinHash
    except ImportError as exc:
        raise CivictextError(f"near-duplicate detection needs datasketch ({exc}); install it "
                             f"with: pip install 'civictext[collect]'") from None

    parent = list(range(len(sets)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    lsh = _lsh_index(threshold, num_perm)
    # One MinHash's permutations (seeded), shared by every document's MinHash
    # instead of being drawn again for each one; the shingles hashed here with
    # datasketch's own default (the first 4 bytes of SHA-1, little-endian), so
    # each signature is the one MinHash(num_perm, seed).update_batch gives.
    template = MinHash(num_perm=num_perm, seed=random_state)
    perms, scheme = template.permutations, template.scheme
    sha1 = hashlib.sha1
    for i, sh in enumerate(sets):
        if not sh:
            continue  # an empty text is nobody's duplicate
        mh = MinHash(num_perm=num_perm, seed=random_state, permutations=perms, scheme=scheme,
                     hashfunc=int)
        blob = "\n".join(sh).encode("utf-8")  # shingles hold no newline
        mh.update_batch(np.frombuffer(b"".join([sha1(b).digest()[:4]
                                                for b in blob.split(b"\n")]),
                                      dtype="<u4").tolist())
        for j in sorted(int(c) for c in lsh.query(mh)):
            if _jaccard(sh, sets[j]) >= threshold:
                ri, rj = find(i), find(j)
                if ri != rj:
                    parent[max(ri, rj)] = min(ri, rj)
        lsh.insert(str(i), mh)
    return [find(i) for i in range(len(sets))]


def near_duplicates(articles: pd.DataFrame, *, threshold: float = 0.8, num_perm: int = 128,
                    shingle: int = 3, keep: str = "first",
                    random_state: int = DEFAULT_RANDOM_STATE) -> pd.DataFrame:
    """Cluster near-duplicate documents (MinHash LSH + exact Jaccard check).

    Parameters
    ----------
    articles : DataFrame
        At least ``doc_id`` (unique) and ``text`` (the articles table of
        :func:`civictext.ingest.reader.read_corpus`).
    threshold : float
        Jaccard similarity of word shingles at or above which two documents
        are near-duplicates (default 0.8).
    num_perm : int
        MinHash permutations (more: fewer missed pairs, slower).
    shingle : int
        Words per shingle.
    keep : {"first", "longest"}
        Which member represents its cluster.
    random_state : int
        Seed of the MinHash permutations.

    Returns
    -------
    DataFrame
        One row per document, in input order:
        ``doc_id``; ``cluster`` (int, from 0); ``size`` (documents in the
        cluster, 1 for a unique one); ``representative`` (doc_id of the kept
        member); ``is_representative`` (bool); ``similarity`` (exact Jaccard of
        shingles with the representative, float).

    Examples
    --------
    >>> import pandas as pd
    >>> a = "Quận Cầu Giấy đẩy mạnh cải cách hành chính và dịch vụ công trực tuyến cho người dân."
    >>> df = pd.DataFrame({"doc_id": ["a", "b", "c"],
    ...                    "text": [a, a + " Ảnh minh họa.", "Đội tuyển thắng 2-0."]})
    >>> near_duplicates(df, threshold=0.7)[["doc_id", "cluster", "size"]].values.tolist()
    [['a', 0, 2], ['b', 0, 2], ['c', 1, 1]]
    """
    _check(articles, threshold, num_perm, shingle, keep, "near_duplicates")
    ids = [str(x) for x in articles["doc_id"]]
    texts = ["" if pd.isna(t) else str(t) for t in articles["text"]]
    sets = [shingles(t, int(shingle)) for t in texts]
    roots = _clusters(sets, threshold=float(threshold), num_perm=int(num_perm),
                      random_state=int(random_state))
    members: dict[int, list[int]] = {}
    for i, r in enumerate(roots):
        members.setdefault(r, []).append(i)
    number = {r: n for n, r in enumerate(sorted(members))}  # roots are first members
    rep_of: dict[int, int] = {}
    for r, idx in members.items():
        rep_of[r] = idx[0] if keep == "first" else max(idx, key=lambda i: (len(texts[i]), -i))
    rows = []
    for i, r in enumerate(roots):
        rep = rep_of[r]
        rows.append({
            "doc_id": ids[i],
            "cluster": number[r],
            "size": len(members[r]),
            "representative": ids[rep],
            "is_representative": i == rep,
            "similarity": 1.0 if i == rep else _jaccard(sets[i], sets[rep]),
        })
    out = pd.DataFrame(rows, columns=["doc_id", "cluster", "size", "representative",
                                      "is_representative", "similarity"])
    return out.astype({"cluster": "int64", "size": "int64", "is_representative": "bool",
                       "similarity": "float64"})


def drop_near_duplicates(articles: pd.DataFrame, *, keep: str = "first", threshold: float = 0.8,
                         num_perm: int = 128, shingle: int = 3,
                         random_state: int = DEFAULT_RANDOM_STATE) -> pd.DataFrame:
    """The articles with near-duplicates removed (one kept per cluster).

    Parameters are those of :func:`near_duplicates`; ``keep`` chooses the
    survivor of each cluster ("first" in input order, or "longest" text).

    Returns
    -------
    DataFrame
        A new frame: the rows of ``articles`` that represent their cluster, in
        input order, same columns. ``attrs["dropped"]`` is the number of rows
        removed; ``attrs["near_duplicates"]`` the full cluster report of
        :func:`near_duplicates`; ``attrs["dedup"]`` the parameters used.

    Examples
    --------
    >>> import pandas as pd
    >>> a = "Quận Cầu Giấy đẩy mạnh cải cách hành chính và dịch vụ công trực tuyến cho người dân."
    >>> df = pd.DataFrame({"doc_id": ["a", "b"], "text": [a, a + " Ảnh minh họa."]})
    >>> out = drop_near_duplicates(df, keep="longest", threshold=0.7)
    >>> out["doc_id"].tolist(), out.attrs["dropped"]
    (['b'], 1)
    """
    report = near_duplicates(articles, threshold=threshold, num_perm=num_perm, shingle=shingle,
                             keep=keep, random_state=random_state)
    mask = report["is_representative"].to_numpy()
    out = articles.loc[mask].copy()
    out.attrs = dict(articles.attrs)
    out.attrs["dropped"] = int((~mask).sum())
    out.attrs["near_duplicates"] = report
    out.attrs["dedup"] = {"keep": keep, "threshold": float(threshold), "num_perm": int(num_perm),
                          "shingle": int(shingle), "random_state": int(random_state)}
    log.info("drop_near_duplicates: dropped %d of %d documents", out.attrs["dropped"], len(articles))
    return out

