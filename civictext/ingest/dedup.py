"""Near-duplicate articles: syndicated copies and re-posts across outlets.

Method
------
1. Each document's ``text`` is normalised (NFC, invisible characters dropped,
   one tone-mark placement: "hoá" = "hóa"), lowercased and split into words (runs of letters and digits; punctuation is
   ignored). Its *shingles* are the sets of ``shingle`` consecutive words
   (a document shorter than that has one shingle: all its words).
2. A MinHash signature of ``num_perm`` permutations is computed per document
   (datasketch, seeded with ``random_state``) and cut into the bands of a
   datasketch MinHash LSH index tuned for a Jaccard threshold 0.1 below
   ``threshold`` (at most 0.9); each band is kept as an 8-byte digest of
   datasketch's bucket key (:func:`signatures`). Two documents sharing a key in
   any band are a candidate pair: the pairs ``MinHashLSH`` proposes
   (:func:`candidate_pairs`). Signatures are computed per partition (by the
   workers on the Dask engine) and clustered corpus-wide from the keys and the
   text lengths alone (:func:`cluster`); candidate pairs are checked where the
   texts are.
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
from array import array
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import pandas as pd

from civictext.config import DEFAULT_RANDOM_STATE
from civictext.errors import CivictextError
from civictext.ingest.reader import check_articles
from civictext.text.normalize import normalize_tone_marks

__all__ = ["shingles", "near_duplicates", "drop_near_duplicates", "drop_near_duplicates_result",
           "DedupResult", "DedupSpec", "Signatures", "Clusters", "signatures", "cluster"]

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


def _require_minhash() -> Any:
    try:
        from datasketch import MinHash
    except ImportError as exc:
        raise CivictextError(f"near-duplicate detection needs datasketch ({exc}); install it "
                             f"with: pip install 'civictext[collect]'") from None
    return MinHash


@dataclass(frozen=True)
class DedupSpec:
    """The parameters of a near-duplicate pass (those of :func:`near_duplicates`)."""

    keep: str = "first"
    threshold: float = 0.8
    num_perm: int = 128
    shingle: int = 3
    random_state: int = DEFAULT_RANDOM_STATE

    def as_dict(self) -> dict[str, Any]:
        """``keep, threshold, num_perm, shingle, random_state`` as plain values."""
        return {"keep": self.keep, "threshold": float(self.threshold),
                "num_perm": int(self.num_perm), "shingle": int(self.shingle),
                "random_state": int(self.random_state)}


@dataclass
class Signatures:
    """The LSH band keys of some documents' MinHash signatures (one partition),
    and their lengths: all the corpus-wide clustering needs from a partition.

    ``n``: documents; ``rows`` (int64, shape (n_nonempty,)): positions of the
    documents that have shingles (an empty text is nobody's duplicate);
    ``bands`` (uint64, shape (n_nonempty, n_bands)): one key per LSH band, an
    8-byte BLAKE2b digest of the band's rows of the MinHash signature, bytes
    as datasketch's ``MinHashLSH`` keys its buckets (two documents share a key
    exactly when they share that datasketch bucket, barring a 2**-64 digest
    collision, which could only add a pair to the exact check); ``lengths``
    (int64, shape (n,)): characters of every text (the ``keep="longest"``
    rule).
    """

    n: int
    rows: np.ndarray
    bands: np.ndarray
    lengths: np.ndarray

    @property
    def nbytes(self) -> int:
        """Bytes of the arrays (what a worker sends to the driver)."""
        return int(self.rows.nbytes + self.bands.nbytes + self.lengths.nbytes)


def _texts(texts: Any) -> list[str]:
    return ["" if pd.isna(t) else str(t) for t in texts]


#: Texts taken from a column at a time (a Series of Arrow strings makes Python
#: strings of what it hands out: a slice at a time, not the whole column at once).
_CHUNK = 4096


def _iter_texts(texts: Any) -> Iterator[str]:
    """The texts of a sequence or Series one by one (NaN is ""), a slice at a time."""
    if isinstance(texts, pd.Series):
        for a in range(0, len(texts), _CHUNK):
            yield from _texts(texts.iloc[a:a + _CHUNK].tolist())
    else:
        yield from ("" if pd.isna(t) else str(t) for t in texts)


def _band_ranges(spec: DedupSpec) -> tuple[tuple[int, int], ...]:
    """The band boundaries of the LSH index for ``spec`` (datasketch's choice)."""
    return _band_ranges_for(float(spec.threshold), int(spec.num_perm))


@lru_cache(maxsize=16)
def _band_ranges_for(threshold: float, num_perm: int) -> tuple[tuple[int, int], ...]:
    return tuple((int(a), int(b)) for a, b in _lsh_index(threshold, num_perm).hashranges)


def signatures(texts: Any, spec: DedupSpec) -> Signatures:
    """The :class:`Signatures` of ``texts`` (a sequence or Series of str; NaN is "").

    Each MinHash signature is the one ``datasketch.MinHash(num_perm,
    seed=random_state).update_batch(shingles)`` gives: one seeded set of
    permutations shared by every document (and every partition or worker: they
    depend only on the seed), the shingles hashed with datasketch's default
    (the first 4 bytes of SHA-1, little-endian). Only its LSH band keys are
    kept.
    """
    MinHash = _require_minhash()
    n = len(texts)
    lengths = np.zeros(n, dtype=np.int64)
    num_perm, k = int(spec.num_perm), int(spec.shingle)
    ranges = _band_ranges(spec)
    template = MinHash(num_perm=num_perm, seed=int(spec.random_state))
    perms, scheme = template.permutations, template.scheme
    sha1, blake2b = hashlib.sha1, hashlib.blake2b
    rows, keys = array("q"), bytearray()  # flat buffers, not an object per document
    for i, text in enumerate(_iter_texts(texts)):
        lengths[i] = len(text)
        sh = shingles(text, k)
        if not sh:
            continue
        mh = MinHash(num_perm=num_perm, seed=int(spec.random_state), permutations=perms,
                     scheme=scheme, hashfunc=int)
        blob = "\n".join(sh).encode("utf-8")  # shingles hold no newline
        mh.update_batch(np.frombuffer(b"".join([sha1(b).digest()[:4]
                                                for b in blob.split(b"\n")]),
                                      dtype="<u4").tolist())
        hv = np.asarray(mh.hashvalues, dtype=np.uint64)
        # datasketch's bucket key of a band: the band's values, byte-swapped
        for a, b in ranges:
            keys += blake2b(bytes(hv[a:b].byteswap().data), digest_size=8).digest()
        rows.append(i)
    bands = (np.frombuffer(bytes(keys), dtype="<u8").reshape(len(rows), len(ranges))
             if rows else np.zeros((0, len(ranges)), dtype=np.uint64))
    return Signatures(n=n, rows=np.frombuffer(rows, dtype=np.int64).copy() if rows
                      else np.zeros(0, dtype=np.int64),
                      bands=bands.astype(np.uint64), lengths=lengths)


def candidate_pairs(blocks: Sequence[Signatures]) -> list[tuple[int, int]]:
    """Pairs ``(i, j)``, ``i < j`` corpus positions, that share an LSH band key:
    the pairs datasketch's ``MinHashLSH`` proposes (each document queried
    against those before it), sorted."""
    pos, bands = [], []
    start = 0
    for b in blocks:
        pos.append(b.rows + start)
        bands.append(b.bands)
        start += b.n
    if not pos or not sum(len(p) for p in pos):
        return []
    where, keys = np.concatenate(pos), np.concatenate(bands)
    pairs: set[tuple[int, int]] = set()
    for col in keys.T:
        order = np.argsort(col, kind="stable")
        sorted_keys = col[order]
        # only the buckets of two or more documents (not one array per document)
        cuts = np.flatnonzero(sorted_keys[1:] != sorted_keys[:-1]) + 1
        starts = np.concatenate(([0], cuts))
        stops = np.concatenate((cuts, [len(order)]))
        for a, b in zip(starts[stops - starts > 1].tolist(), stops[stops - starts > 1].tolist()):
            members = sorted(where[order[a:b]].tolist())
            pairs.update((members[x], members[y]) for y in range(1, len(members))
                         for x in range(y))
    return sorted(pairs)


#: ``jaccard(pairs) -> similarities``: the exact Jaccard of the shingle sets of
#: each pair of corpus positions (computed where the texts are).
PairJaccard = Callable[[list[tuple[int, int]]], list[float]]


@dataclass
class Clusters:
    """Near-duplicate clusters by corpus position (documents in input order).

    ``root`` (int64, shape (n,)): the first member of each document's cluster;
    ``representative`` (int64): the kept member; ``similarity`` (float64):
    exact Jaccard with the representative (1.0 for it); ``size`` (int64).
    """

    root: np.ndarray
    representative: np.ndarray
    similarity: np.ndarray
    size: np.ndarray

    def slice(self, start: int, stop: int) -> Clusters:
        return Clusters(*(a[start:stop] for a in (self.root, self.representative,
                                                  self.similarity, self.size)))

    @classmethod
    def concat(cls, parts: Sequence[Clusters]) -> Clusters:
        if not parts:
            return cls(*(np.zeros(0, dtype=d) for d in ("int64", "int64", "float64", "int64")))
        return cls(*(np.concatenate([getattr(p, f) for p in parts])
                     for f in ("root", "representative", "similarity", "size")))


def cluster(blocks: Sequence[Signatures], spec: DedupSpec, jaccard: PairJaccard) -> Clusters:
    """Corpus-wide clusters from the partitions' signatures, in partition order.

    Only signatures and lengths are needed here; ``jaccard`` computes the exact
    similarity of the pairs LSH proposes (and of each member with its
    representative) where the texts are: in this process for the local engine,
    on the workers for the Dask engine. Pairs are ``(i, j)`` corpus positions,
    ``i < j``. The result is that of the one-pass algorithm (module docstring):
    clusters are the connected components of the confirmed pairs, whatever the
    partitioning.
    """
    n = int(sum(b.n for b in blocks))
    lengths = (np.concatenate([b.lengths for b in blocks]) if blocks
               else np.zeros(0, dtype=np.int64))
    # union-find over the documents of confirmed pairs only (a dict, not a list of
    # every position): memory grows with the pairs, not with the corpus
    parent: dict[int, int] = {}

    def find(i: int) -> int:
        root = i
        while parent.get(root, root) != root:
            root = parent[root]
        while i != root:  # path compression
            parent[i], i = root, parent[i]
        return root

    candidates = candidate_pairs(blocks)
    known: dict[tuple[int, int], float] = {}
    if candidates:
        known = dict(zip(candidates, jaccard(candidates)))
    for (j, i), sim in known.items():
        if sim >= spec.threshold:
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
    # a cluster's root is its first member (a union keeps the smaller root)
    root = np.arange(n, dtype=np.int64)
    linked = sorted(parent)
    for i in linked:
        root[i] = find(i)
    rep = root.copy()  # keep="first": the root
    if spec.keep != "first":
        members: dict[int, list[int]] = {}
        for i in sorted(set(linked) | set(root[linked].tolist())):
            members.setdefault(int(root[i]), []).append(i)
        for r, idx in members.items():
            rep[idx] = max(idx, key=lambda i: (int(lengths[i]), -i))
    others = np.flatnonzero(rep != np.arange(n)).tolist()
    rep_of = rep[others].tolist()
    pairs = sorted({(min(i, p), max(i, p)) for i, p in zip(others, rep_of)} - set(known))
    if pairs:
        known.update(zip(pairs, jaccard(pairs)))
    similarity = np.ones(n, dtype=np.float64)
    similarity[others] = [known[(min(i, p), max(i, p))] for i, p in zip(others, rep_of)]
    size = np.bincount(root, minlength=n)[root].astype(np.int64) if n else root.copy()
    return Clusters(root=root, representative=rep, similarity=similarity, size=size)


def local_jaccard(texts_by_block: Sequence[Any], spec: DedupSpec,
                  offsets: Sequence[int] | None = None) -> PairJaccard:
    """A :data:`PairJaccard` over texts held in this process (one sequence per block)."""
    blocks = [_texts(t) for t in texts_by_block]
    starts = list(offsets) if offsets is not None else list(
        np.cumsum([0] + [len(t) for t in blocks])[:-1])
    memo: dict[int, set[str]] = {}

    def shingle_set(pos: int) -> set[str]:
        if pos not in memo:
            b = int(np.searchsorted(starts, pos, side="right")) - 1
            memo[pos] = shingles(blocks[b][pos - starts[b]], int(spec.shingle))
        return memo[pos]

    def jaccard(pairs: list[tuple[int, int]]) -> list[float]:
        return [_jaccard(shingle_set(i), shingle_set(j)) for i, j in pairs]

    return jaccard


def report_frame(ids: Sequence[Any], clusters: Clusters) -> pd.DataFrame:
    """The :func:`near_duplicates` table of ``clusters`` for documents ``ids``."""
    ids = [str(x) for x in ids]
    # clusters numbered in the order of their first member (the root)
    number = np.unique(clusters.root, return_inverse=True)[1].reshape(-1)
    rep = clusters.representative
    out = pd.DataFrame({
        "doc_id": ids,
        "cluster": number,
        "size": clusters.size,
        "representative": [ids[p] for p in rep.tolist()],
        "is_representative": rep == np.arange(len(rep)),
        "similarity": clusters.similarity,
    }, columns=["doc_id", "cluster", "size", "representative", "is_representative",
                "similarity"])
    return out.astype({"cluster": "int64", "size": "int64", "is_representative": "bool",
                       "similarity": "float64"})


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
    spec = DedupSpec(keep=keep, threshold=float(threshold), num_perm=int(num_perm),
                     shingle=int(shingle), random_state=int(random_state))
    texts = _texts(articles["text"])
    clusters = cluster([signatures(texts, spec)], spec, local_jaccard([texts], spec))
    return report_frame(articles["doc_id"].tolist(), clusters)


@dataclass
class DedupResult:
    """Near-duplicates dropped: the kept articles and the report, as separate objects.

    ``articles``: the rows of the input that represent their cluster, in input
    order, same columns (no report in ``attrs``); ``dropped``: rows removed;
    ``clusters``: the :func:`near_duplicates` table (one row per input
    document); ``params``: ``keep, threshold, num_perm, shingle,
    random_state``.
    """

    articles: pd.DataFrame
    dropped: int
    clusters: pd.DataFrame
    params: dict[str, Any]

    @classmethod
    def from_clusters(cls, articles: pd.DataFrame, clusters: pd.DataFrame,
                      spec: DedupSpec) -> DedupResult:
        """The result of keeping ``articles``' representatives in ``clusters``."""
        mask = clusters["is_representative"].to_numpy()
        kept = articles.loc[mask].reset_index(drop=True)
        kept.attrs = {}
        return cls(articles=kept, dropped=int((~mask).sum()), clusters=clusters,
                   params=spec.as_dict())


def drop_near_duplicates_result(articles: pd.DataFrame, *, keep: str = "first",
                                threshold: float = 0.8, num_perm: int = 128, shingle: int = 3,
                                random_state: int = DEFAULT_RANDOM_STATE) -> DedupResult:
    """:func:`drop_near_duplicates`, returning a :class:`DedupResult` (kept rows and
    report apart, nothing in ``attrs``).

    Parameters are those of :func:`near_duplicates`. The kept rows have a fresh
    index (0, 1, ...).

    Examples
    --------
    >>> import pandas as pd
    >>> a = "Quận Cầu Giấy đẩy mạnh cải cách hành chính và dịch vụ công trực tuyến cho người dân."
    >>> df = pd.DataFrame({"doc_id": ["a", "b"], "text": [a, a + " Ảnh minh họa."]})
    >>> res = drop_near_duplicates_result(df, keep="longest", threshold=0.7)
    >>> res.articles["doc_id"].tolist(), res.dropped, res.clusters["representative"].tolist()
    (['b'], 1, ['b', 'b'])
    """
    report = near_duplicates(articles, threshold=threshold, num_perm=num_perm, shingle=shingle,
                             keep=keep, random_state=random_state)
    spec = DedupSpec(keep=keep, threshold=float(threshold), num_perm=int(num_perm),
                     shingle=int(shingle), random_state=int(random_state))
    res = DedupResult.from_clusters(articles, report, spec)
    log.info("drop_near_duplicates: dropped %d of %d documents", res.dropped, len(articles))
    return res


def drop_near_duplicates(articles: pd.DataFrame, *, keep: str = "first", threshold: float = 0.8,
                         num_perm: int = 128, shingle: int = 3,
                         random_state: int = DEFAULT_RANDOM_STATE) -> pd.DataFrame:
    """The articles with near-duplicates removed (one kept per cluster).

    Parameters are those of :func:`near_duplicates`; ``keep`` chooses the
    survivor of each cluster ("first" in input order, or "longest" text).
    Kept for existing callers: the report travels in ``attrs``, which pandas
    copies on every operation on the frame; :func:`drop_near_duplicates_result`
    returns the same as a :class:`DedupResult` (what the pipeline uses).

    Returns
    -------
    DataFrame
        A new frame: the rows of ``articles`` that represent their cluster, in
        input order, same columns and index. ``attrs["dropped"]`` is the number of rows
        removed; ``attrs["near_duplicates"]`` the full cluster report of
        :func:`near_duplicates`; ``attrs["dedup"]`` the parameters used (the
        input's ``attrs`` are kept too).

    Examples
    --------
    >>> import pandas as pd
    >>> a = "Quận Cầu Giấy đẩy mạnh cải cách hành chính và dịch vụ công trực tuyến cho người dân."
    >>> df = pd.DataFrame({"doc_id": ["a", "b"], "text": [a, a + " Ảnh minh họa."]})
    >>> out = drop_near_duplicates(df, keep="longest", threshold=0.7)
    >>> out["doc_id"].tolist(), out.attrs["dropped"]
    (['b'], 1)
    """
    res = drop_near_duplicates_result(articles, keep=keep, threshold=threshold,
                                      num_perm=num_perm, shingle=shingle,
                                      random_state=random_state)
    mask = res.clusters["is_representative"].to_numpy()
    out = articles.loc[mask].copy()  # the input's index, as before
    out.attrs = {**dict(articles.attrs), "dropped": res.dropped,
                 "near_duplicates": res.clusters, "dedup": dict(res.params)}
    return out
