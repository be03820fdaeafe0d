"""Stage 4b of the pipeline: topic models (NMF, LDA and seeded NMF) with quality checks.

:func:`fit_topics` turns an articles table into a :class:`TopicModel` whose
tables follow docs/pipeline.md ("topics"):

* ``model.doc_topics`` -- ``doc_id, topic, weight``: one row per (document,
  topic); a document's weights sum to 1;
* ``model.top_terms`` -- ``topic, rank, term, weight, is_seed``: the ``n_top_terms``
  heaviest terms of each topic (``weight`` is the term's share of the topic's
  term distribution, ``rank`` starts at 1);
* ``model.topics`` -- ``topic, label, seeded_theme, coherence_npmi, exclusivity``;
* ``model.seed_terms`` (seeded models) -- which lexicon terms were found in the
  vocabulary and in how many documents.

``model.transform(articles)`` scores new articles with the fitted vocabulary
and topics (no refitting); ``model.save(folder)`` / ``TopicModel.load(folder)``
store and restore a fitted model.

Methods
-------
``"nmf"``
    scikit-learn ``NMF`` (coordinate descent, Frobenius loss) on an
    l2-normalised tf-idf matrix, started from random factors drawn from
    ``random_state``. (An NNDSVD start gives nearly the same topics whatever
    the seed, which would hide from :func:`topic_stability` how much the
    solution depends on where the solver starts.)
``"lda"``
    scikit-learn ``LatentDirichletAllocation`` (batch variational Bayes) on raw
    term counts, priors ``1 / n_topics``.
``"seeded"``
    Keyword-assisted NMF, described next.

Seeded topics (``method="seeded"``)
-----------------------------------
Inspired by keyword-assisted topic models (keyATM; Eshima, Imai & Sasaki,
"Keyword-Assisted Topic Models", *American Journal of Political Science*
68(2), 2024, first published online 2023; arXiv:2004.05964). keyATM is a
Bayesian model in which each *keyword topic* mixes a distribution over its
keywords with an ordinary distribution over the whole vocabulary, and
*no-keyword topics* catch everything else. This module keeps that design --
one named topic per theme, anchored on the theme's lexicon terms, plus
``n_extra`` free topics -- but fits it as a constrained non-negative matrix
factorisation ``X D ~= W H`` with scikit-learn, not by Gibbs sampling. ``X`` is
the l2-normalised tf-idf matrix (n_docs, n_terms), ``D`` a diagonal matrix of
column weights, ``W`` (n_docs, n_topics) and ``H`` (n_topics, n_terms). The
loss is the generalised Kullback-Leibler divergence, whose minimiser is the
PLSA / Poisson maximum-likelihood fit (Gaussier & Goutte 2005), the
likelihood family of LDA and keyATM;
on the synthetic corpus it ranked frequent seed terms at the top of their
topic far more reliably than the Frobenius loss.

1. **Vocabulary.** The tf-idf vocabulary is pruned with ``min_df``/``max_df``
   as usual, except that a *seed term* (a lexicon term that occurs in at least
   one document) is always kept. Seed terms are matched to the analyzer's
   tokens exactly after NFC normalisation and case folding, with spaces turned
   into ``_`` ("cải cách hành chính" matches the token ``cải_cách_hành_chính``).
   A theme none of whose terms occur is dropped with a warning.
2. **Boost.** ``D`` multiplies the seed-term columns by ``seed_weight``
   (default 5) and leaves the others at 1, so the loss gives their
   reconstruction more weight -- the analogue of the extra probability
   keyATM's keyword distribution gives to keywords. The same boost is applied
   in ``transform``; ``top_terms``, coherence and exclusivity are computed from
   ``H D^-1`` (the boost divided out), so a seed term ranks high only when the
   data put it there. ``seed_weight`` trades a *topic* for a *detector*: on
   1,600 real news articles (half mentioning a seed term;
   benchmarks/eval_topics_seeded.py, numbers in benchmarks/RESULTS.md) the
   share of seed-mentioning articles whose heaviest topic was their theme's
   was 0.34-0.50 at weight 2, 0.42-0.65 at 5 and 0.85-0.92 at 20; articles
   with no seed term kept a mean weight of 0.005-0.035 on a named topic at 2
   and 5 but 0.002-0.009 at 20, where the named topic mostly re-counts the
   keywords (and *reform*'s coherence fell from 0.17 to 0.09).
3. **Hard constraints.** The named topic of theme *t* may not use another
   theme's seed terms (those entries of ``H`` are 0), and, with
   ``seed_exclusive=True`` (default), no free topic may use any seed term. The
   solver is multiplicative updates (``solver="mu"``, Lee & Seung 2001), which
   never turns a zero into a non-zero, so these zeros hold exactly through the
   fit: every occurrence of a seed term is explained by its theme's topic.
4. **Initialisation** (``init="custom"``). A named topic's row of ``H`` starts
   concentrated on its seed terms (its other entries at 1/100 of a random
   start); its column of ``W`` starts from each document's (boosted) seed-term
   mass. Free topics start from random values scaled as scikit-learn's
   ``init="random"``, drawn from ``random_state``.

*Free* (learned from the data): every topic's weights on non-seed terms, the
named topics' relative weights among their own seed terms, and every document's
topic weights. A named topic therefore grows to include the words that
co-occur with its seeds.

*Limits.* In long general-news articles a seed term is one token among
hundreds, so a named topic's heaviest terms are usually the *context* its
seeds appear in (e.g. business and city-government words for *reform*), and
the seed terms themselves may rank far down ``top_terms`` (``is_seed`` marks
them; ``seed_terms`` lists their document frequencies). A seed that is common
outside the theme (e.g. "niềm tin" in foreign news) pulls that material into
the named topic. This is a point estimate, not a posterior: there are no uncertainty
intervals and no keyATM-style keyword-mixing parameter. A seed term is
attributed to its theme wherever it occurs, whatever the context (a "thái độ"
in sports news still counts for *conduct*). Weights are shares of a tf-idf
reconstruction, not probabilities of word tokens. Seeds only work when the
analyzer keeps multi-word terms whole (civictext's :class:`~civictext.text.segmentation.Analyzer`
does for the lexicon terms); text typed without diacritics does not match
accented seeds. The named topics are a *model-based* view of the themes and
need not agree with the dictionary counts of :mod:`civictext.themes.scoring`.

Quality
-------
* ``coherence_npmi`` -- mean normalised pointwise mutual information (Bouma
  2009; Röder, Both & Hinneburg 2015) over all pairs of the topic's top terms,
  with probabilities of *document* co-occurrence in the fitting corpus (or in
  ``reference=``). A pair that never co-occurs scores -1, a pair that always
  co-occurs scores 1; a term absent from the reference corpus is left out.
  Range [-1, 1], higher is better.
* ``exclusivity`` -- mean over the topic's top terms of the term's share of
  its weight across topics, ``phi[k, w] / sum_j phi[j, w]`` with ``phi`` the
  row-normalised topic-term matrix (cf. the exclusivity half of FREX in
  Roberts et al.'s STM). Range [1/n_topics, 1].
* :func:`topic_stability` refits with several seeds, matches each run's topics
  to the first run's by the Hungarian algorithm on the cosine similarity of
  topic-term vectors (Greene, O'Callaghan & Cunningham 2014), and reports the
  similarity per topic; :func:`compare_n_topics` tabulates coherence,
  exclusivity and stability for several numbers of topics.

Reproducibility: the same data, parameters and ``random_state`` give identical
tables (one process, one machine; BLAS threading can change the last bits
across machines).

Tiny corpora: ``n_topics`` larger than the number of documents or terms is
lowered, and an integer ``min_df`` larger than the number of documents is set
to 1, each with a :class:`~civictext.errors.CivictextWarning` (and a log
record); a corpus that leaves no terms raises :class:`~civictext.errors.ModelError`
saying which parameter to change.

Saved models carry no code: :meth:`TopicModel.save` writes them with skops and
:meth:`TopicModel.load` accepts only trusted types (scikit-learn, numpy, plain
data), so a model folder from someone else cannot run code when loaded. Models
saved by civictext 0.3 and earlier are pickles: they load only with
``trusted=True`` (loading a pickle runs code).

Examples
--------
>>> import re
>>> from civictext.ingest.synthetic import generate_corpus
>>> def words(text):
...     return re.findall(r"\\w+", text.lower())
>>> articles = generate_corpus(40, random_state=0)
>>> model = fit_topics(articles, method="nmf", n_topics=3, analyzer=words)
>>> sorted(model.doc_topics.columns)
['doc_id', 'topic', 'weight']
>>> bool(model.doc_topics.groupby("doc_id")["weight"].sum().round(9).eq(1).all())
True
"""
from __future__ import annotations

import copy
import logging
import sys
import unicodedata
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from civictext.config import DEFAULT_RANDOM_STATE
from civictext.errors import CivictextWarning, ModelError
from civictext.ingest.reader import check_articles

__all__ = [
    "METHODS",
    "TopicModel",
    "fit_topics",
    "topic_stability",
    "compare_n_topics",
    "npmi_coherence",
]

log = logging.getLogger(__name__)

#: The values ``method=`` accepts.
METHODS = ("nmf", "lda", "seeded")

_FORMAT = "civictext-topic-model"
#: 3: the vectorizer's vocabulary stored as two arrays (``state["vocabulary"]``:
#: its terms' UTF-8 bytes and where each ends) instead of skops' schema entries,
#: one per term for ``vocabulary`` and again for ``vocabulary_`` (95 MB of
#: ``schema.json`` on the news feed, held as a Python tree while saving).
#: 2: the same state with the vocabulary inside the vectorizer; still read.
_FORMAT_VERSION = 3
_FORMAT_VERSIONS_SKOPS = (2, 3)
_FORMAT_VERSION_PICKLE = 1  # model.joblib: read only with trusted=True
_MODEL_FILE = "model.skops"
#: How model files name civictext's own analyzer (``sidecar["analyzer"]``, the
#: stored analyzer ``kind`` and ``params["analyzer"]``): its module path before the
#: subpackage layout, kept as a label so saved models stay byte-identical and load.
_ANALYZER_LABEL = "civictext.tokenize.Analyzer"
_ANALYZER_CLASS = ("civictext.text.segmentation", "Analyzer")  # (module, qualname)
_PICKLE_FILE = "model.joblib"
_SIDECAR_FILE = "model.json"
# Seeded (KL, multiplicative updates) fits run on a dense copy of X below this many
# cells: ~5x faster on small corpora, same numbers to ~1e-15.
_DENSE_CELLS = 4_000_000
_DEFAULT_MAX_ITER = {"nmf": 400, "lda": 20, "seeded": 600}

DocTopicColumns = ["doc_id", "topic", "weight"]
TopTermColumns = ["topic", "rank", "term", "weight", "is_seed"]
TopicColumns = ["topic", "label", "seeded_theme", "coherence_npmi", "exclusivity"]


# ------------------------------------------------------------------ model
@dataclass(eq=False)
class TopicModel:
    """A fitted topic model and its tables; made by :func:`fit_topics`.

    Attributes
    ----------
    method : str
        ``"nmf"``, ``"lda"`` or ``"seeded"``.
    params : dict
        Every parameter that decided the fit (after any adjustment for a tiny
        corpus; ``params["adjustments"]`` lists those in words).
    doc_topics : DataFrame
        ``doc_id`` (str), ``topic`` (int), ``weight`` (float): one row per
        (document, topic), document order kept; a document's weights sum to 1.
        A document with no known term gets equal weights (listed in
        ``doc_topics.attrs["empty_docs"]``).
    top_terms : DataFrame
        ``topic`` (int), ``rank`` (int, from 1), ``term`` (str), ``weight``
        (float, share of the topic's term distribution), ``is_seed`` (bool).
    topics : DataFrame
        ``topic`` (int), ``label`` (str: the theme of a seeded topic, else
        ``"topic K: three, top, terms"``), ``seeded_theme`` (str, ``""`` for
        free topics), ``coherence_npmi`` (float), ``exclusivity`` (float).
    seed_terms : DataFrame
        ``theme, term, token, in_vocabulary, doc_freq``; empty unless seeded.
    vectorizer, estimator
        The fitted scikit-learn objects.
    """

    method: str
    params: dict[str, Any]
    vectorizer: Any
    estimator: Any
    column_weights: np.ndarray | None
    doc_topics: pd.DataFrame
    top_terms: pd.DataFrame
    topics: pd.DataFrame
    seed_terms: pd.DataFrame = field(default_factory=lambda: _empty_seed_table())

    def __repr__(self) -> str:
        themes = [t for t in self.topics["seeded_theme"] if t] if len(self.topics) else []
        named = f", named={themes}" if themes else ""
        return (f"TopicModel(method={self.method!r}, n_topics={self.n_topics}, "
                f"n_docs={self.params.get('n_docs')}, n_terms={self.params.get('n_terms')}"
                f"{named})")

    # -------------------------------------------------------------- views
    @property
    def n_topics(self) -> int:
        """Number of topics fitted."""
        return int(self.estimator.components_.shape[0])

    @property
    def vocabulary(self) -> np.ndarray:
        """Terms of the vocabulary, in column order; shape (n_terms,)."""
        return np.asarray(self.vectorizer.get_feature_names_out(), dtype=object)

    @property
    def topic_term(self) -> np.ndarray:
        """Topic-term distributions, rows summing to 1; shape (n_topics, n_terms).

        For seeded models the seed-term boost is divided out, so the numbers
        describe the unboosted tf-idf matrix.
        """
        return _topic_term(self.estimator.components_, self.column_weights)

    # ---------------------------------------------------------- scoring
    def transform(self, articles: pd.DataFrame) -> pd.DataFrame:
        """Topic weights of (new) articles, without refitting.

        Parameters
        ----------
        articles : DataFrame
            With ``doc_id`` and ``text`` columns (the articles table).

        Returns
        -------
        DataFrame
            ``doc_id, topic, weight`` as in :attr:`doc_topics`; a document's
            weights sum to 1. For the articles the model was fitted on this
            equals :attr:`doc_topics`.

        Examples
        --------
        >>> import re
        >>> from civictext.ingest.synthetic import generate_corpus
        >>> def words(text):
        ...     return re.findall(r"\\w+", text.lower())
        >>> model = fit_topics(generate_corpus(30), n_topics=3, analyzer=words)
        >>> model.transform(generate_corpus(5, random_state=9)).shape
        (15, 3)
        """
        doc_ids, texts = _check_articles(articles, "TopicModel.transform")
        tokens = _token_lists(self.vectorizer.analyzer, texts, _givens(articles, len(texts)))
        on_tokens = copy.copy(self.vectorizer)  # the fitted vocabulary (and idf), fed tokens
        on_tokens.set_params(analyzer=_identity)
        X = sp.csr_matrix(on_tokens.transform(tokens), dtype=np.float64)
        return _doc_topics_frame(doc_ids, _doc_topic_matrix(self, X))

    def coherence(self, reference: pd.DataFrame) -> pd.Series:
        """NPMI coherence of each topic's top terms in another corpus.

        Parameters
        ----------
        reference : DataFrame
            Articles (``doc_id``, ``text``) analysed with the model's analyzer.

        Returns
        -------
        Series
            Indexed by ``topic``, named ``coherence_npmi``.
        """
        _, texts = _check_articles(reference, "TopicModel.coherence")
        docs = _token_lists(self.vectorizer.analyzer, texts, _givens(reference, len(texts)))
        vals = _coherences([_topic_terms(self.top_terms, k) for k in range(self.n_topics)], docs)
        return pd.Series(vals, index=pd.RangeIndex(self.n_topics, name="topic"),
                         name="coherence_npmi")

    # -------------------------------------------------------- save/load
    def save(self, path: str | Path) -> Path:
        """Write the model to the folder ``path`` (created if needed).

        Two files: ``model.skops`` (the fitted vectorizer, estimator and
        tables, written with :mod:`skops.io`: no code, only data and
        scikit-learn objects) and ``model.json`` (format, civictext and
        library versions, parameters, topic labels, the analyzer and the
        SHA-256 of ``model.skops``). Both are written atomically.

        The analyzer is stored by its settings when it is civictext's own
        :class:`~civictext.text.segmentation.Analyzer`; any other callable is stored
        by name only and must be given again as ``TopicModel.load(...,
        analyzer=)``.

        Returns
        -------
        Path
            The folder.
        """
        from civictext import __version__, _safeload
        from civictext._io import sha256_file, write_json

        folder = Path(path)
        if folder.exists() and not folder.is_dir():
            raise ModelError(f"TopicModel.save: {folder} exists and is not a folder; "
                             "pass a folder path (it is created if needed)")
        analyzer = self.vectorizer.analyzer
        vectorizer = copy.copy(self.vectorizer)  # (its own attributes; the fitted parts shared)
        vectorizer.set_params(analyzer="word")  # stored apart: no callable in the file
        vocabulary = _vocabulary_state(vectorizer)
        if vocabulary is not None:  # stored as two arrays, not one schema entry per term
            vectorizer.vocabulary = None
            del vectorizer.vocabulary_
        state = {
            "format": _FORMAT, "format_version": _FORMAT_VERSION, "method": self.method,
            "params": _plain_params(self.params), "vectorizer": vectorizer,
            "vocabulary": vocabulary,
            "estimator": self.estimator, "column_weights": self.column_weights,
            "analyzer": _analyzer_state(analyzer),
            **{name: _safeload.frame_state(getattr(self, name))
               for name in ("doc_topics", "top_terms", "topics", "seed_terms")},
        }
        _safeload.dump(state, folder / _MODEL_FILE)
        sidecar = {
            "format": _FORMAT, "format_version": _FORMAT_VERSION, "model_file": _MODEL_FILE,
            "sha256": sha256_file(folder / _MODEL_FILE), "civictext": __version__,
            "versions": _versions(), "method": self.method, "params": _jsonable(self.params),
            "topics": self.topics["label"].tolist(),
            "analyzer": _describe(analyzer),
        }
        write_json(folder / _SIDECAR_FILE, sidecar)
        stale = folder / _PICKLE_FILE
        if stale.is_file():  # a pickle from an older save would sit unused beside it
            stale.unlink()
        log.info("saved topic model to %s", folder)
        return folder

    @classmethod
    def load(cls, path: str | Path, *, strict_versions: bool = False,
             analyzer: Callable[[str], list[str]] | None = None,
             trusted: bool = False) -> "TopicModel":
        """Read a model written by :meth:`save`.

        ``model.skops`` is read with skops and only trusted types (scikit-learn,
        numpy, scipy, plain data): a model file that holds anything else is
        refused, so loading a model folder cannot run code. The file named in
        ``model.json`` must lie inside the folder. Its SHA-256 is checked
        against ``model.json`` (catches accidental changes, not tampering).
        A different civictext or scikit-learn version than the one that saved
        the model gives a :class:`~civictext.errors.CivictextWarning` (a
        :class:`~civictext.errors.ModelError` with ``strict_versions=True``).

        Parameters
        ----------
        path : str or Path
            The folder given to :meth:`save` (or its ``model.json``).
        strict_versions : bool, keyword-only
            Raise instead of warn on a version mismatch.
        analyzer : callable, optional
            The analyzer to use; required when the model was fitted with a
            custom analyzer (``model.json`` names it), optional otherwise.
        trusted : bool, keyword-only
            Also read models saved by civictext 0.3 and earlier
            (``model.joblib``, a pickle). **Unpickling runs code**: pass
            ``True`` only for a model you made yourself or got from someone
            you trust, then :meth:`save` it again to convert it.
        """
        import json

        from civictext import __version__, _safeload
        from civictext._io import sha256_file

        where = "TopicModel.load"
        folder = Path(path)
        if folder.name == _SIDECAR_FILE:
            folder = folder.parent
        sidecar_path = folder / _SIDECAR_FILE
        if not sidecar_path.is_file():
            raise ModelError(f"TopicModel.load: no {_SIDECAR_FILE} in {folder}; pass the folder "
                             "that TopicModel.save wrote")
        try:
            sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise ModelError(f"TopicModel.load: {sidecar_path} is not valid JSON ({exc}); "
                             "save the model again") from None
        if not isinstance(sidecar, dict) or sidecar.get("format") != _FORMAT:
            raise ModelError(f"TopicModel.load: {sidecar_path} does not describe a civictext "
                             "topic model")
        version = sidecar.get("format_version")
        if version == _FORMAT_VERSION_PICKLE and not trusted:
            raise ModelError(f"TopicModel.load: {folder} holds a pickled model (model.joblib, "
                             "civictext 0.3 or earlier); loading a pickle runs code, so it is "
                             "refused; if you made it yourself or trust its source, load it "
                             "with trusted=True and save it again (skops, no code)")
        if version not in (*_FORMAT_VERSIONS_SKOPS, _FORMAT_VERSION_PICKLE):
            raise ModelError(f"TopicModel.load: {sidecar_path} has format version "
                             f"{version!r}; this civictext reads versions "
                             f"{', '.join(map(str, _FORMAT_VERSIONS_SKOPS))}; refit the model")
        default_file = _MODEL_FILE if version in _FORMAT_VERSIONS_SKOPS else _PICKLE_FILE
        model_path = _safeload.member(folder, sidecar.get("model_file", default_file),
                                      where=where)
        if not model_path.is_file():
            raise ModelError(f"TopicModel.load: {model_path} is missing; save the model again")
        digest = sha256_file(model_path)
        if digest != sidecar.get("sha256"):
            raise ModelError(f"TopicModel.load: {model_path} does not match the checksum in "
                             f"{sidecar_path} (got {digest[:12]}..., expected "
                             f"{str(sidecar.get('sha256'))[:12]}...): the file was changed or "
                             "replaced after saving; refit or save the model again")
        mismatches = []
        if sidecar.get("civictext") != __version__:
            mismatches.append(f"civictext {sidecar.get('civictext')} (now {__version__})")
        versions = sidecar.get("versions")
        saved_sk = versions.get("scikit-learn") if isinstance(versions, dict) else None
        now_sk = _versions()["scikit-learn"]
        if saved_sk != now_sk:
            mismatches.append(f"scikit-learn {saved_sk} (now {now_sk})")
        if mismatches:
            msg = (f"TopicModel.load: {folder} was saved with " + ", ".join(mismatches)
                   + "; it may load but give different numbers; refit it with the "
                   "installed versions to be sure")
            if strict_versions:
                raise ModelError(msg)
            warnings.warn(msg, CivictextWarning, stacklevel=2)
        if analyzer is not None and not callable(analyzer):
            raise ModelError(f"TopicModel.load: analyzer must be a callable str -> list of str, "
                             f"got {type(analyzer).__name__}")
        with warnings.catch_warnings():
            if mismatches:  # already explained above, in one message
                warnings.simplefilter("ignore")
            if version == _FORMAT_VERSION_PICKLE:
                import joblib

                state = joblib.load(model_path)  # trusted=True: the caller vouched for it
                tables = {name: state[name] for name in
                          ("doc_topics", "top_terms", "topics", "seed_terms")}
                if analyzer is not None:
                    state["vectorizer"].set_params(analyzer=analyzer)
            else:
                state = _safeload.load(model_path, where=where)
                try:
                    tables = {name: _safeload.frame_from_state(state[name]) for name in
                              ("doc_topics", "top_terms", "topics", "seed_terms")}
                    stored = _analyzer_from_state(state["analyzer"])
                    if version >= 3 and state["vocabulary"] is not None:
                        _set_vocabulary(state["vectorizer"], state["vocabulary"], model_path)
                except (KeyError, TypeError, ValueError) as exc:
                    raise ModelError(f"TopicModel.load: {model_path} lacks part of a topic model "
                                     f"({type(exc).__name__}: {exc}); save the model again"
                                     ) from None
                if analyzer is None and stored is None:
                    raise ModelError(f"TopicModel.load: {folder} was fitted with the custom "
                                     f"analyzer {sidecar.get('analyzer', '?')}, which a model "
                                     "file does not store (it would be code); pass it again: "
                                     "TopicModel.load(path, analyzer=...)")
                state["vectorizer"].set_params(analyzer=analyzer or stored)
        return cls(method=state["method"], params=state["params"],
                   vectorizer=state["vectorizer"], estimator=state["estimator"],
                   column_weights=state["column_weights"], **tables)


def _plain_params(params: Any) -> Any:
    """``params`` with numpy scalars as Python numbers (skops-safe, same values)."""
    if isinstance(params, dict):
        return {k: _plain_params(v) for k, v in params.items()}
    if isinstance(params, (list, tuple)):
        return type(params)(_plain_params(v) for v in params)
    if isinstance(params, np.generic):
        return params.item()
    return params


def _analyzer_state(analyzer: Any) -> dict[str, Any]:
    """How to rebuild the analyzer without storing code: civictext's own
    :class:`~civictext.text.segmentation.Analyzer` by its settings, the identity by name,
    anything else by name only (it must be passed again on load)."""
    if analyzer is _identity:
        return {"kind": "identity"}
    kind = type(analyzer)
    if (kind.__module__, kind.__qualname__) == _ANALYZER_CLASS:
        st = analyzer.__getstate__()
        return {"kind": _ANALYZER_LABEL,
                "state": {k: list(v) if isinstance(v, (tuple, frozenset, set)) else v
                          for k, v in st.items()},
                "tuples": [k for k, v in st.items() if isinstance(v, tuple)]}
    return {"kind": "custom", "name": _describe(analyzer)}


def _analyzer_from_state(spec: dict[str, Any]) -> Any:
    kind = spec["kind"]
    if kind == "identity":
        return _identity
    if kind == _ANALYZER_LABEL:
        from civictext.text.segmentation import Analyzer

        state = dict(spec["state"])
        for k in spec.get("tuples", []):
            if state.get(k) is not None:
                state[k] = tuple(state[k])
        obj = Analyzer.__new__(Analyzer)
        obj.__setstate__(state)
        return obj
    if kind == "custom":
        return None
    raise ModelError(f"TopicModel.load: the model's analyzer kind {kind!r} is not one civictext "
                     "writes (identity, civictext.tokenize.Analyzer, custom); the model file was "
                     "changed or written by another program: fit and save the model again")


# --------------------------------------------------------------- fitting
def fit_topics(
    articles: pd.DataFrame,
    *,
    method: str = "nmf",
    n_topics: int = 10,
    random_state: int | None = DEFAULT_RANDOM_STATE,
    analyzer: Callable[[str], list[str]] | None = None,
    lexicon: Any = None,
    n_extra: int | None = None,
    seed_weight: float = 5.0,
    seed_exclusive: bool = True,
    min_df: int | float = 2,
    max_df: int | float = 0.95,
    n_top_terms: int = 10,
    max_iter: int | None = None,
    reference: pd.DataFrame | None = None,
    rows: Any = None,
) -> TopicModel:
    """Fit a topic model to the ``text`` of an articles table.

    Parameters
    ----------
    articles : DataFrame
        With ``doc_id`` (unique) and ``text`` columns (docs/pipeline.md).
    method : {"nmf", "lda", "seeded"}, keyword-only
        See the module docstring; ``"seeded"`` guides one named topic per
        lexicon theme.
    n_topics : int, keyword-only
        Number of topics (for ``"seeded"``: named + extra, unless ``n_extra``
        is given). Lowered, with a warning, when the corpus has fewer
        documents or terms.
    random_state : int or None, keyword-only
        Seed of every random step; the same seed gives identical tables.
    analyzer : callable str -> list of str, keyword-only
        Tokenizer for the vectorizer; default
        ``civictext.text.segmentation.Analyzer()``. Must be picklable to save the model.
        An analyzer with an ``analyze_many(texts, givens)`` method (civictext's
        ``Analyzer``) is given all texts at once: documents already in the
        token cache (after ``count_tokens``/``score_themes``/``tokenize``) are
        not segmented again.
    lexicon : Lexicon, DataFrame or mapping, keyword-only
        Seeds for ``"seeded"``: a :class:`~civictext.themes.lexicon.Lexicon`, a
        DataFrame with ``theme, term`` columns, or ``{theme: [terms]}``;
        default ``civictext.themes.lexicon.load_lexicons()``. Ignored otherwise.
    n_extra : int, keyword-only
        Seeded only: number of unnamed topics (default ``n_topics`` minus the
        number of themes).
    seed_weight : float, keyword-only
        Seeded only: factor (>= 1) applied to seed-term columns (see the
        module docstring for what raising it does).
    seed_exclusive : bool, keyword-only
        Seeded only: forbid free topics from using seed terms.
    min_df, max_df : int or float, keyword-only
        Keep terms in at least ``min_df`` and at most ``max_df`` documents
        (a float is a share of documents), as in scikit-learn.
    n_top_terms : int, keyword-only
        Terms listed per topic in ``top_terms`` and used for coherence and
        exclusivity.
    max_iter : int, keyword-only
        Solver iterations (default 400 for NMF, 20 for LDA, 600 for seeded).
    reference : DataFrame, optional, keyword-only
        Articles on which to compute NPMI coherence instead of ``articles``.
    rows : sequence of int, optional, keyword-only
        Positions of the documents to fit on in ``articles``, in order (default:
        every row). The same model as ``fit_topics(articles.iloc[rows])``, without
        a copy of their texts (``civictext run`` fits the near-duplicates' survivors
        this way). With ``rows``, ``articles`` may also be a table kept elsewhere: an
        object with ``columns``, ``len()`` and ``take(positions, columns)``
        returning those rows as a DataFrame (``civictext run`` passes its articles
        table this way when their texts are on disk, :mod:`civictext.engines.spill`),
        read a slice of rows at a time.

    Returns
    -------
    TopicModel
        With ``doc_topics``, ``top_terms``, ``topics`` (see :class:`TopicModel`).

    Raises
    ------
    ModelError
        Unknown method, invalid parameters, missing columns, or no terms left.

    Examples
    --------
    >>> import re
    >>> from civictext.ingest.synthetic import generate_corpus
    >>> def words(text):
    ...     return re.findall(r"\\w+", text.lower())
    >>> seeds = {"conduct": ["ứng", "xử"], "satisfaction": ["hài", "lòng"]}
    >>> m = fit_topics(generate_corpus(60), method="seeded", n_topics=4,
    ...                analyzer=words, lexicon=seeds)
    >>> m.topics["seeded_theme"].tolist()
    ['conduct', 'satisfaction', '', '']
    """
    design = _prepare(articles, method=method, analyzer=analyzer, lexicon=lexicon,
                      min_df=min_df, max_df=max_df, seed_weight=seed_weight, where="fit_topics",
                      rows=rows)
    k = _resolve_n_topics(design, n_topics, n_extra, "fit_topics")
    ref_docs = None
    if reference is not None:
        _, ref_texts = _check_articles(reference, "fit_topics(reference=...)")
        ref_analyzer = design.vectorizer.build_analyzer()
        ref_docs = [set(ref_analyzer(t)) for t in ref_texts]
    return _fit(design, n_topics=k, random_state=random_state, seed_exclusive=seed_exclusive,
                n_top_terms=n_top_terms, max_iter=max_iter, reference_docs=ref_docs)


@dataclass
class _Design:
    """Everything about a corpus that does not depend on the seed or on k."""

    method: str
    doc_ids: list[str]
    X: sp.csr_matrix                  # (n_docs, n_terms) unboosted
    vectorizer: Any
    vocab: np.ndarray                 # (n_terms,)
    column_weights: np.ndarray | None  # (n_terms,) or None
    seeds: dict[str, np.ndarray]      # theme -> column indices
    seed_table: pd.DataFrame
    params: dict[str, Any]
    adjustments: list[str]

    @property
    def Xw(self) -> sp.csr_matrix:
        if self.column_weights is None:
            return self.X
        return sp.csr_matrix(self.X @ sp.diags(self.column_weights))


def _prepare(articles: pd.DataFrame, *, method: str, analyzer: Callable | None, lexicon: Any,
             min_df: int | float, max_df: int | float, seed_weight: float,
             where: str, rows: Any = None) -> _Design:
    if method not in METHODS:
        raise ModelError(f"{where}: method={method!r} is not one of {', '.join(METHODS)}")
    if rows is None:
        check_articles(articles, where, error=ModelError)
        doc_ids = articles["doc_id"].astype(str).tolist()
    else:
        rows = _check_rows(articles, rows, where)
        doc_ids = _take(articles, rows, ["doc_id"])["doc_id"].astype(str).tolist()
    n_docs = len(doc_ids)
    if n_docs < 2:
        raise ModelError(f"{where}: got {n_docs} document(s); a topic model needs at least 2 "
                         "documents with text")
    adjustments: list[str] = []
    _check_df(min_df, "min_df", where)
    _check_df(max_df, "max_df", where)
    if isinstance(min_df, (int, np.integer)) and min_df > n_docs:
        adjustments.append(_adjust(where, f"min_df={min_df} is more than the {n_docs} documents; "
                                          "using min_df=1"))
        min_df = 1
    if method == "seeded" and not seed_weight >= 1:
        raise ModelError(f"{where}: seed_weight must be a number >= 1, got {seed_weight!r}")
    if analyzer is None:
        from civictext.text.segmentation import (
            Analyzer,  # lazy: loads the segmenter only when needed
        )

        analyzer = Analyzer()
    elif not callable(analyzer):
        raise ModelError(f"{where}: analyzer must be a callable str -> list of str, got "
                         f"{type(analyzer).__name__}")

    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    # the documents' tokens are counted as they come, a slice of documents at a
    # time: no list of every document's tokens (nor of every text) is held
    tally = [0]
    counter = CountVectorizer(analyzer=_identity, lowercase=False)
    try:
        counts = counter.fit_transform(_token_stream(analyzer, articles, tally, rows))
    except ValueError:  # "empty vocabulary"
        if tally[0]:
            raise
        counts = None
    if tally[0] == 0 or counts is None:
        raise ModelError(f"{where}: the analyzer produced no tokens from the {n_docs} texts; "
                         "check that the 'text' column is filled and that the analyzer works "
                         "(e.g. analyzer('cải cách hành chính'))")
    all_terms = counter.get_feature_names_out()
    doc_freq = _document_frequency(counts)
    lo = min_df if isinstance(min_df, (int, np.integer)) else min_df * n_docs
    hi = max_df if isinstance(max_df, (int, np.integer)) else max_df * n_docs
    if hi < lo:
        raise ModelError(f"{where}: max_df={max_df} allows fewer documents ({hi:g}) than "
                         f"min_df={min_df} requires ({lo:g}) for {n_docs} documents; lower "
                         "min_df or raise max_df")
    keep = (doc_freq >= lo) & (doc_freq <= hi)

    seeds: dict[str, np.ndarray] = {}
    seed_table = _empty_seed_table()
    if method == "seeded":
        seed_pairs = _lexicon_pairs(lexicon, where)
        seed_table, seed_cols_all = _match_seeds(seed_pairs, all_terms, doc_freq)
        keep[seed_cols_all] = True
    vocab = all_terms[keep]
    if len(vocab) == 0:
        raise ModelError(f"{where}: no terms remain after min_df={min_df} and max_df={max_df} "
                         f"({len(all_terms)} distinct tokens in {n_docs} documents); lower "
                         "min_df or raise max_df")
    vec_cls = CountVectorizer if method == "lda" else TfidfVectorizer
    vectorizer = vec_cls(analyzer=_identity, lowercase=False, vocabulary=list(vocab))
    # fitted on each document's vocabulary tokens as the counts give them back (the
    # counts of a document's tokens are all the vectorizer takes from them)
    in_vocab = sp.csr_matrix(counts[:, np.flatnonzero(keep)])
    del counts
    X = sp.csr_matrix(vectorizer.fit_transform(_count_tokens(in_vocab, vocab)),
                      dtype=np.float64)
    del in_vocab
    vectorizer.set_params(analyzer=analyzer)  # fitted on the tokens; raw text from now on

    column_weights = None
    if method == "seeded":
        col_of = {t: i for i, t in enumerate(vocab)}
        for theme, sub in seed_table[seed_table["in_vocabulary"]].groupby("theme", sort=False):
            seeds[theme] = np.array(sorted({col_of[t] for t in sub["token"]}), dtype=np.intp)
        missing = [t for t in dict.fromkeys(seed_table["theme"]) if t not in seeds]
        for theme in missing:
            n_terms = int((seed_table["theme"] == theme).sum())
            adjustments.append(_adjust(where, f"theme {theme!r}: none of its {n_terms} terms "
                                              "occurs in the corpus; it gets no named topic"))
        if not seeds:
            raise ModelError(f"{where}: none of the {len(seed_table)} lexicon terms occurs among "
                             "the analyzer's tokens; check that the analyzer keeps multi-word "
                             "terms whole with '_' (cải_cách_hành_chính) or pass another "
                             "lexicon=")
        column_weights = np.ones(len(vocab))
        for cols in seeds.values():
            column_weights[cols] = float(seed_weight)
    params = {"method": method, "min_df": min_df, "max_df": max_df, "n_docs": n_docs,
              "n_terms": int(len(vocab)), "analyzer": _describe(analyzer)}
    if method == "seeded":
        params.update(seed_weight=float(seed_weight),
                      themes={t: int(len(c)) for t, c in seeds.items()})
    return _Design(method=method, doc_ids=doc_ids, X=X, vectorizer=vectorizer, vocab=vocab,
                   column_weights=column_weights, seeds=seeds, seed_table=seed_table,
                   params=params, adjustments=adjustments)


def _document_frequency(counts: sp.csr_matrix) -> np.ndarray:
    """The number of documents (rows) in which each column of a count matrix is
    positive: ``(counts > 0).sum(axis=0)``, the same int64 integers.

    Counted from the column indices (``np.bincount``) without the boolean copy of
    the matrix (~5 bytes per non-zero) when that gives the same numbers: every
    stored entry positive and at most one entry per (row, column). A matrix with
    repeated entries is summed first (``sum_duplicates``, in place: the same
    matrix); one with stored zeros or negative values takes the comparison.
    CountVectorizer's output is canonical with positive counts (its rows come
    from one counter per document), so the run takes the bincount.
    """
    if not counts.has_canonical_format:
        counts.sum_duplicates()
    if counts.nnz and counts.data.min() <= 0:
        return np.asarray((counts > 0).sum(axis=0)).ravel()
    return np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.int64, copy=False)


def _resolve_n_topics(design: _Design, n_topics: int, n_extra: int | None, where: str) -> int:
    n_docs, n_terms = design.X.shape
    limit = min(n_docs, n_terms)
    if design.method != "seeded":
        if not isinstance(n_topics, (int, np.integer)) or n_topics < 1:
            raise ModelError(f"{where}: n_topics must be a whole number >= 1, got {n_topics!r}")
        if n_topics > limit:
            design.adjustments.append(_adjust(
                where, f"n_topics={n_topics} is more than the corpus supports ({n_docs} documents,"
                       f" {n_terms} terms); using n_topics={limit}"))
            return limit
        return int(n_topics)
    n_named = len(design.seeds)
    if n_extra is None:
        if not isinstance(n_topics, (int, np.integer)) or n_topics < n_named:
            raise ModelError(f"{where}: n_topics={n_topics!r} is smaller than the {n_named} "
                             f"seeded themes ({', '.join(design.seeds)}); raise n_topics or pass "
                             "n_extra (the number of unnamed topics)")
        n_extra = int(n_topics) - n_named
    elif not isinstance(n_extra, (int, np.integer)) or n_extra < 0:
        raise ModelError(f"{where}: n_extra must be a whole number >= 0, got {n_extra!r}")
    room = max(limit - n_named, 0)
    if n_extra > room:
        design.adjustments.append(_adjust(
            where, f"n_extra={n_extra} unnamed topics is more than the corpus supports beside "
                   f"the {n_named} named ones ({n_docs} documents, {n_terms} terms); using "
                   f"n_extra={room}"))
        n_extra = room
    return n_named + int(n_extra)


def _fit(design: _Design, *, n_topics: int, random_state: int | None, seed_exclusive: bool,
         n_top_terms: int, max_iter: int | None,
         reference_docs: list[set[str]] | None = None) -> TopicModel:
    if not isinstance(n_top_terms, (int, np.integer)) or n_top_terms < 1:
        raise ModelError(f"n_top_terms must be a whole number >= 1, got {n_top_terms!r}")
    method = design.method
    iters = int(max_iter) if max_iter is not None else _DEFAULT_MAX_ITER[method]
    if iters < 1:
        raise ModelError(f"max_iter must be >= 1, got {max_iter!r}")
    Xw = design.Xw
    if method == "lda":
        from sklearn.decomposition import LatentDirichletAllocation

        est = LatentDirichletAllocation(n_components=n_topics, learning_method="batch",
                                        max_iter=iters, random_state=random_state)
        est.fit(Xw)
    elif method == "nmf":
        from sklearn.decomposition import NMF

        est = NMF(n_components=n_topics, init="random", solver="cd", max_iter=iters,
                  random_state=random_state)
        est.fit(Xw)
    else:
        from sklearn.decomposition import NMF

        W0, H0 = _seeded_init(design, Xw, n_topics, random_state, seed_exclusive)
        est = NMF(n_components=n_topics, init="custom", solver="mu", beta_loss="kullback-leibler",
                  max_iter=iters, random_state=random_state)
        with _fast_kl_steps():
            est.fit(_maybe_dense(Xw), W=W0, H=H0)
    # the weighted design is not needed after the fit (the document weights below
    # weight design.X again, the same product): not held through them
    del Xw

    params = dict(design.params, n_topics=int(n_topics), random_state=random_state,
                  max_iter=iters, n_top_terms=int(n_top_terms),
                  adjustments=list(design.adjustments))
    if method == "seeded":
        params.update(seed_exclusive=bool(seed_exclusive),
                      n_extra=int(n_topics - len(design.seeds)))
    model = TopicModel(method=method, params=params, vectorizer=design.vectorizer,
                       estimator=est, column_weights=design.column_weights,
                       doc_topics=pd.DataFrame(columns=DocTopicColumns),
                       top_terms=pd.DataFrame(columns=TopTermColumns),
                       topics=pd.DataFrame(columns=TopicColumns),
                       seed_terms=design.seed_table)
    model.doc_topics = _doc_topics_frame(design.doc_ids, _doc_topic_matrix(model, design.X))
    phi = model.topic_term
    seed_cols = (np.concatenate(list(design.seeds.values())) if design.seeds
                 else np.array([], dtype=np.intp))
    model.top_terms = _top_terms_frame(phi, design.vocab, n_top_terms, seed_cols)
    themes = list(design.seeds) + [""] * (n_topics - len(design.seeds))
    topic_terms = [_topic_terms(model.top_terms, k) for k in range(n_topics)]
    if reference_docs is None:
        coh = _design_coherences(design, topic_terms)
    else:
        coh = _coherences(topic_terms, reference_docs)
    model.topics = pd.DataFrame({
        "topic": np.arange(n_topics),
        "label": [th or _free_label(k, _topic_terms(model.top_terms, k))
                  for k, th in enumerate(themes)],
        "seeded_theme": themes,
        "coherence_npmi": np.asarray(coh, dtype=float),
        "exclusivity": _exclusivity(phi, n_top_terms),
    })
    return model


def _seeded_init(design: _Design, Xw: sp.csr_matrix, k: int, random_state: int | None,
                 exclusive: bool) -> tuple[np.ndarray, np.ndarray]:
    """Custom NMF start: named rows of H on their seeds; forbidden entries exactly 0."""
    from sklearn.utils import check_random_state

    rng = check_random_state(random_state)
    n_docs, n_terms = Xw.shape
    avg = np.sqrt(Xw.mean() / k)
    H = avg * np.abs(rng.standard_normal((k, n_terms)))
    W = avg * np.abs(rng.standard_normal((n_docs, k)))
    all_seeds = np.unique(np.concatenate(list(design.seeds.values())))
    for i, cols in enumerate(design.seeds.values()):
        others = np.setdiff1d(all_seeds, cols)
        H[i] *= 0.01                           # a named topic starts on its seeds ...
        H[i, cols] = avg * np.sqrt(n_terms / len(cols))  # same norm as a random row
        H[i, others] = 0.0                     # ... and never uses another theme's seeds
        mass = np.asarray(Xw[:, cols].sum(axis=1)).ravel()
        W[:, i] = avg * 0.01 + (mass / mass.max() if mass.max() > 0 else 0.0) * avg
    if exclusive and k > len(design.seeds):
        H[len(design.seeds):, all_seeds] = 0.0  # free topics never use seed terms
    return W.astype(Xw.dtype), H.astype(Xw.dtype)


class _SparseDot:
    """scikit-learn's ``_nmf._special_sparse_dot`` (``W @ H`` only where ``X`` is
    nonzero, the core of every multiplicative-update step with the KL loss on a
    sparse matrix), computing the same numbers faster.

    scikit-learn recomputes ``X.nonzero()`` at every step, gathers rows of the
    strided view ``H.T`` and builds the result through a COO matrix that is
    then sorted into CSR. Here the positions are taken once per matrix, ``H.T``
    is made contiguous once per step, and the result is built on ``X``'s own
    CSR structure. Every product and every row sum is the same operation on the
    same numbers, in the same batches, so the values are bit for bit those of
    scikit-learn (tested against it); matrices whose structure would not give
    the same layout (unsorted or duplicate indices, stored zeros) and dense ones
    go to scikit-learn's function. It is most of a seeded fit's time; on Dân trí
    the fit took 0.75-0.95x the CPU time with it (benchmarks/RESULTS.md).
    """

    def __init__(self, original: Callable) -> None:
        self.original = original
        self.key: tuple | None = None
        self.ii = self.jj = None

    def __call__(self, W: np.ndarray, H: np.ndarray, X: Any) -> Any:
        if not (sp.issparse(X) and X.format == "csr" and X.has_canonical_format
                and X.nnz and np.all(X.data != 0)):
            return self.original(W, H, X)
        from sklearn.utils._sparse import _align_api_if_sparse

        # the matrix itself is kept, so the key cannot be another matrix's
        key = (X, X.indices, X.indptr, X.nnz)
        if (self.key is None or any(a is not b for a, b in zip(key[:3], self.key[:3]))
                or key[3] != self.key[3]):
            self.ii, self.jj = X.nonzero()
            self.key = key
        ii, jj = self.ii, self.jj
        n_vals = ii.shape[0]
        dot_vals = np.empty(n_vals)
        n_components = W.shape[1]
        HT = np.ascontiguousarray(H.T)
        batch_size = max(n_components, n_vals // n_components)
        for start in range(0, n_vals, batch_size):
            batch = slice(start, start + batch_size)
            dot_vals[batch] = np.multiply(W[ii[batch], :], HT[jj[batch], :]).sum(axis=1)
        WH = sp.csr_array((dot_vals, X.indices.copy(), X.indptr.copy()), shape=X.shape)
        return _align_api_if_sparse(WH)


@contextmanager
def _fast_kl_steps() -> Iterator[None]:
    """Use :class:`_SparseDot` inside scikit-learn's NMF for the ``with`` block."""
    from sklearn.decomposition import _nmf

    original = getattr(_nmf, "_special_sparse_dot", None)
    # nested (already in place), or a scikit-learn without this private helper: the
    # library's own step is used (the same numbers, only slower)
    if original is None or isinstance(original, _SparseDot):
        yield
        return
    _nmf._special_sparse_dot = _SparseDot(original)
    try:
        yield
    finally:
        _nmf._special_sparse_dot = original


def _maybe_dense(X: sp.csr_matrix) -> sp.csr_matrix | np.ndarray:
    return X.toarray() if X.shape[0] * X.shape[1] <= _DENSE_CELLS else X


# ------------------------------------------------------------- the tables
def _topic_term(components: np.ndarray, column_weights: np.ndarray | None) -> np.ndarray:
    comp = np.asarray(components, dtype=float)
    if column_weights is not None:
        comp = comp / column_weights[None, :]
    sums = comp.sum(axis=1, keepdims=True)
    return np.divide(comp, sums, out=np.zeros_like(comp), where=sums > 0)


def _doc_topic_matrix(model: TopicModel, X: sp.spmatrix) -> tuple[np.ndarray, np.ndarray]:
    """Rows summing to 1, shape (n_docs, n_topics), and the empty-document mask.

    A document with no vocabulary term (or a zero reconstruction) gets equal weights.
    """
    X = sp.csr_matrix(X, dtype=np.float64)
    if model.column_weights is not None:
        X = sp.csr_matrix(X @ sp.diags(model.column_weights))
    k = model.estimator.components_.shape[0]
    if X.nnz == 0:  # no document has a vocabulary term: nothing to fit (and the
        theta = np.zeros((X.shape[0], k))  # solver would divide by a zero error)
    else:
        with _fast_kl_steps():
            theta = np.asarray(model.estimator.transform(
                _maybe_dense(X) if model.method == "seeded" else X), dtype=float)
    sums = theta.sum(axis=1, keepdims=True)
    empty = (sums[:, 0] <= 0) | (np.asarray(X.sum(axis=1)).ravel() == 0)
    theta = np.divide(theta, sums, out=np.zeros_like(theta), where=sums > 0)
    theta[empty] = 1.0 / theta.shape[1]
    return theta, empty


def _vocabulary_state(vectorizer: Any) -> dict[str, np.ndarray] | None:
    """A fitted vectorizer's vocabulary as ``{"utf8": uint8, "ends": int64}`` arrays
    (the terms' UTF-8 bytes one after another, and where each term ends), when it
    is what :func:`fit_topics` makes: ``vocabulary`` a list of strings and
    ``vocabulary_`` the same terms numbered 0, 1, ... in that order. None
    otherwise (the vectorizer is then stored whole, as in format 2)."""
    terms = getattr(vectorizer, "vocabulary", None)
    fitted = getattr(vectorizer, "vocabulary_", None)
    if not (isinstance(terms, list) and type(fitted) is dict and len(terms) == len(fitted)):
        return None
    if not all(type(t) is str for t in terms) or not all(type(t) is str for t in fitted):
        return None
    if list(fitted.items()) != list(zip(terms, range(len(terms)))) \
            or not all(type(i) is int for i in fitted.values()):
        return None
    encoded = [t.encode("utf-8", "surrogatepass") for t in terms]
    return {"utf8": np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(),
            "ends": np.cumsum([len(e) for e in encoded], dtype=np.int64)}


def _set_vocabulary(vectorizer: Any, stored: Any, path: Path) -> None:
    """Put back the vocabulary :func:`_vocabulary_state` stored (``vocabulary``, the
    list of terms, and ``vocabulary_``, term -> column), after checking the arrays."""
    ok = isinstance(stored, dict) and set(stored) == {"utf8", "ends"}
    utf8, ends = (stored.get("utf8"), stored.get("ends")) if ok else (None, None)
    ok = (ok and isinstance(utf8, np.ndarray) and isinstance(ends, np.ndarray)
          and utf8.dtype == np.uint8 and ends.dtype == np.int64 and utf8.ndim == ends.ndim == 1
          and (not len(ends) or (ends[0] >= 0 and ends[-1] == len(utf8)
                                 and bool(np.all(np.diff(ends) >= 0)))))
    if not ok or utf8 is None or ends is None:
        raise ModelError(f"TopicModel.load: {path}: the stored vocabulary is not two arrays of "
                         "term bytes and ends; save the model again")
    data = utf8.tobytes()
    starts = [0, *ends[:-1].tolist()]
    try:
        terms = [data[a:b].decode("utf-8", "surrogatepass")
                 for a, b in zip(starts, ends.tolist())]
    except UnicodeDecodeError:
        raise ModelError(f"TopicModel.load: {path}: the stored vocabulary is not UTF-8 text; "
                         "save the model again") from None
    fitted = {t: i for i, t in enumerate(terms)}
    if len(fitted) != len(terms):
        raise ModelError(f"TopicModel.load: {path}: the stored vocabulary repeats a term; "
                         "save the model again")
    vectorizer.vocabulary = terms
    vectorizer.vocabulary_ = fitted


def _doc_topics_frame(doc_ids: list[str], result: tuple[np.ndarray, np.ndarray]) -> pd.DataFrame:
    theta, empty_mask = result
    n_docs, k = theta.shape
    out = pd.DataFrame({
        "doc_id": np.repeat(np.asarray(doc_ids, dtype=object), k),
        "topic": np.tile(np.arange(k), n_docs),
        "weight": theta.ravel(),
    })
    out["doc_id"] = out["doc_id"].astype(str)
    empty = [d for d, e in zip(doc_ids, empty_mask) if e]
    out.attrs["empty_docs"] = empty
    if empty:
        log.info("%d document(s) have no term of the vocabulary and get equal topic weights: %s",
                 len(empty), ", ".join(empty[:5]))
    return out


def _top_terms_frame(phi: np.ndarray, vocab: np.ndarray, n: int,
                     seed_cols: np.ndarray) -> pd.DataFrame:
    is_seed = np.zeros(phi.shape[1], dtype=bool)
    is_seed[seed_cols] = True
    rows = []
    for k in range(phi.shape[0]):
        order = np.lexsort((np.arange(phi.shape[1]), -phi[k]))  # ties: vocabulary order
        order = [j for j in order[:n] if phi[k, j] > 0]
        for rank, j in enumerate(order, start=1):
            rows.append((k, rank, str(vocab[j]), float(phi[k, j]), bool(is_seed[j])))
    out = pd.DataFrame(rows, columns=TopTermColumns)
    return out.astype({"topic": "int64", "rank": "int64", "weight": "float64", "is_seed": bool})


def _topic_terms(top_terms: pd.DataFrame, k: int) -> list[str]:
    return top_terms.loc[top_terms["topic"] == k].sort_values("rank")["term"].tolist()


def _free_label(k: int, terms: list[str], n: int = 3) -> str:
    return f"topic {k}: " + ", ".join(terms[:n]) if terms else f"topic {k}"


def _exclusivity(phi: np.ndarray, n: int) -> np.ndarray:
    totals = phi.sum(axis=0, keepdims=True)
    share = np.divide(phi, totals, out=np.zeros_like(phi), where=totals > 0)
    out = np.empty(phi.shape[0])
    for k in range(phi.shape[0]):
        top = np.lexsort((np.arange(phi.shape[1]), -phi[k]))[:n]
        top = top[phi[k, top] > 0]
        out[k] = share[k, top].mean() if len(top) else np.nan
    return out


# ------------------------------------------------------------ coherence
def npmi_coherence(terms: Sequence[str], documents: Iterable[Iterable[str]]) -> float:
    """Mean NPMI over all pairs of ``terms``, from document co-occurrence.

    ``NPMI(a, b) = log(p(a, b) / (p(a) p(b))) / -log p(a, b)``, where ``p`` is
    the share of documents containing the term(s). A pair that never
    co-occurs scores -1; a pair in every document scores 1; pairs with a term
    absent from every document are left out (NaN when no pair is left, or
    fewer than 2 terms are given).

    Parameters
    ----------
    terms : sequence of str
        E.g. a topic's top terms.
    documents : iterable of iterables of str
        Each document's tokens (a set is enough).

    Returns
    -------
    float

    Examples
    --------
    >>> docs = [{"a", "b"}, {"a", "b"}, {"a"}, {"c"}]
    >>> round(npmi_coherence(["a", "b"], docs), 4)  # log(2/1.5) / log 2
    0.415
    """
    return _coherences([terms], documents)[0]


def _coherences(term_lists: Sequence[Sequence[str]],
                documents: Iterable[Iterable[str]]) -> list[float]:
    """:func:`npmi_coherence` of each list of terms in the same documents, from one
    binary (documents x terms) CSC matrix over all the lists' distinct terms: the
    documents are read once, not once per list (a topic model's topics), and each
    list's NPMI is that of its own columns (the same counts, so the same numbers)."""
    lists = [list(dict.fromkeys(terms)) for terms in term_lists]
    col_of: dict[Any, int] = {}
    for terms in lists:
        for t in terms:
            col_of.setdefault(t, len(col_of))
    rows, cols = [], []
    n_docs = 0
    for i, doc in enumerate(documents):
        n_docs += 1
        for t in set(doc):
            j = col_of.get(t)
            if j is not None:
                rows.append(i)
                cols.append(j)
    if n_docs == 0:
        raise ModelError("npmi_coherence: got no documents")
    B = sp.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_docs, len(col_of)))
    return [_npmi_mean(B, [col_of[t] for t in terms]) for terms in lists]


def _design_coherences(design: _Design, term_lists: list[list[str]]) -> list[float]:
    """NPMI coherence of each list of vocabulary terms in the fitting corpus (the
    design's documents): one binary CSC matrix of only the columns the lists use,
    sliced from ``design.X`` (whose positive entries are the documents' terms), not
    a binary float copy and a CSC copy of the whole matrix (~29 bytes per non-zero
    at their peak). Binary columns give the same counts in any layout, so the same
    numbers as the whole matrix."""
    col_of = {t: i for i, t in enumerate(design.vocab)}
    used = sorted({col_of[t] for terms in term_lists for t in terms})
    B = (design.X[:, used] > 0).astype(np.float64).tocsc()
    at = {c: i for i, c in enumerate(used)}
    return [_npmi_mean(B, [at[col_of[t]] for t in terms]) for terms in term_lists]


def _npmi_mean(B: sp.csc_matrix, cols: list[int]) -> float:
    """Mean pairwise NPMI of columns ``cols`` of the binary doc-term matrix ``B``."""
    if len(cols) < 2:
        return float("nan")
    sub = B[:, cols]
    n = B.shape[0]
    p = np.asarray(sub.sum(axis=0)).ravel() / n
    pij = (sub.T @ sub).toarray() / n
    iu = np.triu_indices(len(cols), k=1)
    pa, pb, pab = p[iu[0]], p[iu[1]], pij[iu]
    vals = np.full(len(pab), np.nan)
    ok = (pa > 0) & (pb > 0)
    vals[ok & (pab == 0)] = -1.0
    vals[ok & (pab >= 1)] = 1.0
    mid = ok & (pab > 0) & (pab < 1)
    vals[mid] = np.log(pab[mid] / (pa[mid] * pb[mid])) / -np.log(pab[mid])
    return float(np.nanmean(vals)) if np.isfinite(vals).any() else float("nan")


# ------------------------------------------------------------- stability
def topic_stability(
    articles: pd.DataFrame,
    *,
    seeds: Sequence[int] = (0, 1, 2, 3, 4),
    method: str = "nmf",
    n_topics: int = 10,
    analyzer: Callable[[str], list[str]] | None = None,
    lexicon: Any = None,
    n_extra: int | None = None,
    seed_weight: float = 5.0,
    seed_exclusive: bool = True,
    min_df: int | float = 2,
    max_df: int | float = 0.95,
    n_top_terms: int = 10,
    max_iter: int | None = None,
) -> pd.DataFrame:
    """How much each topic changes when the model is refitted with other seeds.

    The corpus is vectorised once; a model is fitted for every seed in
    ``seeds``. Each run's topics are matched one-to-one to the first run's
    (the reference) by the Hungarian algorithm
    (``scipy.optimize.linear_sum_assignment``) maximising the total cosine
    similarity of topic-term vectors; the table reports, per reference topic,
    the similarity of its matches.

    Parameters
    ----------
    articles : DataFrame
        With ``doc_id`` and ``text``.
    seeds : sequence of int, keyword-only
        ``random_state`` of each run (at least 2); the first is the reference.
    method, n_topics, analyzer, lexicon, n_extra, seed_weight, seed_exclusive, min_df, \
max_df, n_top_terms, max_iter
        As in :func:`fit_topics`.

    Returns
    -------
    DataFrame
        One row per topic of the reference run: ``topic, label, seeded_theme``,
        ``similarity_mean``, ``similarity_min`` (cosine similarity of the topic
        and its matches over the other runs, 1 = identical),
        ``top_terms_jaccard`` (mean Jaccard overlap of the top-term sets) and
        ``n_runs``. ``df.attrs["pairs"]`` lists every match as a dict
        ``{seed, topic, matched_topic, similarity, jaccard}``.

    Examples
    --------
    >>> import re
    >>> from civictext.ingest.synthetic import generate_corpus
    >>> def words(text):
    ...     return re.findall(r"\\w+", text.lower())
    >>> st = topic_stability(generate_corpus(40), seeds=(0, 1), n_topics=3, analyzer=words)
    >>> list(st.columns)[:4]
    ['topic', 'label', 'seeded_theme', 'similarity_mean']
    """
    seeds = _check_seeds(seeds, "topic_stability")
    design = _prepare(articles, method=method, analyzer=analyzer, lexicon=lexicon,
                      min_df=min_df, max_df=max_df, seed_weight=seed_weight,
                      where="topic_stability")
    k = _resolve_n_topics(design, n_topics, n_extra, "topic_stability")
    models = [_fit(design, n_topics=k, random_state=s, seed_exclusive=seed_exclusive,
                   n_top_terms=n_top_terms, max_iter=max_iter) for s in seeds]
    return _stability_table(models, seeds)


def _stability_table(models: list[TopicModel], seeds: list[int]) -> pd.DataFrame:
    from scipy.optimize import linear_sum_assignment

    ref = models[0]
    ref_phi = ref.topic_term
    ref_sets = [set(_topic_terms(ref.top_terms, k)) for k in range(ref.n_topics)]
    pairs = []
    for seed, other in zip(seeds[1:], models[1:]):
        sim = _cosine(ref_phi, other.topic_term)
        rows, cols = linear_sum_assignment(sim, maximize=True)
        for r, c in zip(rows, cols):
            other_set = set(_topic_terms(other.top_terms, int(c)))
            union = ref_sets[r] | other_set
            pairs.append({"seed": int(seed), "topic": int(r), "matched_topic": int(c),
                          "similarity": float(sim[r, c]),
                          "jaccard": len(ref_sets[r] & other_set) / len(union) if union else 1.0})
    long = pd.DataFrame(pairs, columns=["seed", "topic", "matched_topic", "similarity", "jaccard"])
    agg = long.groupby("topic").agg(similarity_mean=("similarity", "mean"),
                                    similarity_min=("similarity", "min"),
                                    top_terms_jaccard=("jaccard", "mean"))
    out = ref.topics[["topic", "label", "seeded_theme"]].merge(
        agg, left_on="topic", right_index=True, how="left")
    out["n_runs"] = len(models)
    out = out.reset_index(drop=True)
    out.attrs["pairs"] = pairs
    return out


def _cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    na = np.linalg.norm(a, axis=1, keepdims=True)
    nb = np.linalg.norm(b, axis=1, keepdims=True)
    a = np.divide(a, na, out=np.zeros_like(a), where=na > 0)
    b = np.divide(b, nb, out=np.zeros_like(b), where=nb > 0)
    return a @ b.T


def compare_n_topics(
    articles: pd.DataFrame,
    ks: Sequence[int] = (5, 10, 15, 20),
    *,
    seeds: Sequence[int] = (0, 1, 2),
    method: str = "nmf",
    analyzer: Callable[[str], list[str]] | None = None,
    lexicon: Any = None,
    seed_weight: float = 5.0,
    seed_exclusive: bool = True,
    min_df: int | float = 2,
    max_df: int | float = 0.95,
    n_top_terms: int = 10,
    max_iter: int | None = None,
) -> pd.DataFrame:
    """Coherence, exclusivity and stability for several numbers of topics.

    The corpus is vectorised once. For each ``k`` in ``ks`` a model is fitted
    per seed; coherence and exclusivity are the means over the topics of the
    first seed's model, stability as in :func:`topic_stability`.

    Parameters
    ----------
    articles : DataFrame
        With ``doc_id`` and ``text``.
    ks : sequence of int
        Numbers of topics to try (for ``"seeded"``: named + extra).
    seeds : sequence of int, keyword-only
        At least 2; the first is the reference run.
    method, analyzer, lexicon, seed_weight, seed_exclusive, min_df, max_df, n_top_terms, \
max_iter
        As in :func:`fit_topics`.

    Returns
    -------
    DataFrame
        One row per ``k``: ``n_topics`` (asked), ``n_topics_fitted`` (after
        any lowering for a small corpus), ``coherence_npmi``, ``exclusivity``,
        ``stability_mean`` (mean over topics of ``similarity_mean``) and
        ``stability_min`` (the least stable topic's ``similarity_min``).

    Examples
    --------
    >>> import re
    >>> from civictext.ingest.synthetic import generate_corpus
    >>> def words(text):
    ...     return re.findall(r"\\w+", text.lower())
    >>> cmp = compare_n_topics(generate_corpus(40), ks=(2, 3), seeds=(0, 1), analyzer=words)
    >>> cmp["n_topics"].tolist()
    [2, 3]
    """
    seeds = _check_seeds(seeds, "compare_n_topics")
    if isinstance(ks, (int, np.integer)) or len(ks) == 0:
        raise ModelError(f"compare_n_topics: ks must be a non-empty list of numbers of topics, "
                         f"got {ks!r}")
    design = _prepare(articles, method=method, analyzer=analyzer, lexicon=lexicon,
                      min_df=min_df, max_df=max_df, seed_weight=seed_weight,
                      where="compare_n_topics")
    base_adjustments = list(design.adjustments)
    rows = []
    for k in ks:
        design.adjustments = list(base_adjustments)
        if method == "seeded" and isinstance(k, (int, np.integer)) and k < len(design.seeds):
            raise ModelError(f"compare_n_topics: k={k} is smaller than the {len(design.seeds)} "
                             "seeded themes; use larger ks")
        k_fit = _resolve_n_topics(design, k, None, "compare_n_topics")
        models = [_fit(design, n_topics=k_fit, random_state=s, seed_exclusive=seed_exclusive,
                       n_top_terms=n_top_terms, max_iter=max_iter) for s in seeds]
        stab = _stability_table(models, seeds)
        rows.append({"n_topics": int(k), "n_topics_fitted": int(k_fit),
                     "coherence_npmi": float(models[0].topics["coherence_npmi"].mean()),
                     "exclusivity": float(models[0].topics["exclusivity"].mean()),
                     "stability_mean": float(stab["similarity_mean"].mean()),
                     "stability_min": float(stab["similarity_min"].min())})
    return pd.DataFrame(rows)


# ------------------------------------------------------------ input checks
def _check_articles(articles: Any, where: str) -> tuple[list[str], list[str]]:
    check_articles(articles, where, error=ModelError)
    ids = articles["doc_id"].astype(str)
    texts = articles["text"].fillna("").astype(str).tolist()
    return ids.tolist(), texts


def _check_rows(articles: Any, rows: Any, where: str) -> np.ndarray:
    """``check_articles`` of ``articles.iloc[rows]`` (the same errors and warning)
    without a copy of the rows' texts: their "not a string" test a slice at a time;
    ``rows`` as an int array."""
    if _is_row_source(articles) and "text" in articles.columns:
        try:
            pos = np.asarray(rows, dtype=np.intp).ravel()
        except (TypeError, ValueError):
            raise ModelError(f"{where}: rows must be positions (integers) in articles, got "
                             f"{type(rows).__name__}") from None
        if len(pos) and (pos.min() < -len(articles) or pos.max() >= len(articles)):
            raise ModelError(f"{where}: rows has positions outside the {len(articles)} rows "
                             "of articles")
        no_text = np.zeros(len(pos), dtype=bool)
        for a in range(0, len(pos), _CHUNK):
            part = _take(articles, pos[a:a + _CHUNK], ["text"])["text"]
            no_text[a:a + len(part)] = ~part.map(lambda v: isinstance(v, str)).astype(bool)
        # the rows' ids and, for the text test, "" or None: what check_articles reads
        ids = _take(articles, pos, ["doc_id"])["doc_id"].reset_index(drop=True)
        probe = pd.DataFrame({"doc_id": ids, "text": np.where(no_text, None, "").astype(object)})
        check_articles(probe, where, error=ModelError)
        return pos
    check_articles(articles, where, error=ModelError)  # its message: not a table, no column
    raise ModelError(f"{where}: articles must be a table with a 'text' column "  # pragma: no cover
                     "(read_corpus gives one)")


def _is_row_source(articles: Any) -> bool:
    """A DataFrame, or a table kept elsewhere (``columns``, ``len()``, ``take``)."""
    return isinstance(articles, pd.DataFrame) or (
        hasattr(articles, "take") and hasattr(articles, "columns") and hasattr(articles, "__len__"))


def _take(articles: Any, pos: Any, columns: list[str]) -> pd.DataFrame:
    """The rows at positions ``pos`` of ``articles`` with ``columns``."""
    if isinstance(articles, pd.DataFrame):
        return articles[columns].iloc[pos]
    return articles.take(pos, columns)


def _token_lists(analyzer: Callable[[str], list[str]], texts: list[str],
                 givens: list[str | None]) -> list[list[str]]:
    """Each text's tokens, as fit, transform and coherence all see them.

    civictext's Analyzer reads documents already segmented (by count_tokens,
    tokenize or score_themes) from the token cache; pre-segmented rows
    (read_corpus ``segmented=True``) keep their own segmentation.
    """
    use_given = callable(getattr(analyzer, "given", None))
    if callable(getattr(analyzer, "analyze_many", None)):
        return [list(t) for t in analyzer.analyze_many(texts, givens if use_given else None)]
    return [list(analyzer.given(t, g)) if use_given and g else list(analyzer(t))
            for t, g in zip(texts, givens)]


#: Documents tokenized at a time when a topic model is fitted.
_CHUNK = 4096


def _token_stream(analyzer: Callable[[str], list[str]], articles: pd.DataFrame,
                  tally: list[int], rows: Any = None) -> Iterator[list[str]]:
    """:func:`_token_lists` of the articles' texts (of the rows at positions ``rows``,
    default all), a slice of documents at a time (Arrow-backed text columns become
    Python strings only a slice at a time); ``tally[0]`` counts the tokens given out."""
    cols = [c for c in ("text", "segmented", "tokens_given") if c in articles.columns]
    frame = articles[cols] if isinstance(articles, pd.DataFrame) else articles
    n = len(frame) if rows is None else len(rows)
    for a in range(0, n, _CHUNK):
        part = (frame.iloc[a:a + _CHUNK] if rows is None
                else _take(frame, rows[a:a + _CHUNK], cols))
        texts = part["text"].fillna("").astype(str).tolist()
        for tokens in _token_lists(analyzer, texts, _givens(part, len(texts))):
            tally[0] += len(tokens)
            yield tokens


def _count_tokens(counts: sp.csr_matrix, terms: np.ndarray) -> Iterator[list[str]]:
    """Each row of a document-term count matrix as tokens: every term repeated
    its count times (the order of a document's tokens does not change its row)."""
    terms = np.asarray(terms, dtype=object)
    indptr, indices, data = counts.indptr, counts.indices, counts.data
    for a in range(0, counts.shape[0], _CHUNK):
        b = min(a + _CHUNK, counts.shape[0])
        lo, hi = int(indptr[a]), int(indptr[b])
        flat = terms[np.repeat(indices[lo:hi], data[lo:hi])].tolist()
        ends = np.concatenate(([0], np.cumsum(data[lo:hi])))[indptr[a:b + 1] - lo].tolist()
        for s, e in zip(ends[:-1], ends[1:]):
            yield flat[s:e]


def _givens(articles: pd.DataFrame, n: int) -> list[str | None]:
    """``tokens_given`` of pre-segmented rows, else None (see tokenize._givens)."""
    if "tokens_given" not in articles.columns:
        return [None] * n
    seg = (articles["segmented"].fillna(False).astype(bool).tolist()
           if "segmented" in articles.columns else [True] * n)
    return [g if f and isinstance(g, str) and g else None
            for f, g in zip(seg, articles["tokens_given"].tolist())]


def _check_df(value: Any, name: str, where: str) -> None:
    ok = (isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1) or (
        isinstance(value, (float, np.floating)) and 0.0 < value <= 1.0)
    if not ok:
        raise ModelError(f"{where}: {name} must be a whole number of documents >= 1 or a share "
                         f"of documents in (0, 1], got {value!r}")


def _check_seeds(seeds: Sequence[int], where: str) -> list[int]:
    from civictext._check import MAX_STABILITY_SEEDS, SEED_MAX, integer

    seeds = list(seeds) if not isinstance(seeds, (int, np.integer)) else [seeds]
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ModelError(f"{where}: seeds must hold at least 2 different random states, got "
                         f"{seeds!r}")
    if len(seeds) > MAX_STABILITY_SEEDS:
        raise ModelError(f"{where}: {len(seeds)} seeds ask for {len(seeds)} topic-model fits; "
                         f"give at most {MAX_STABILITY_SEEDS}")
    return [integer(s, "seeds", where, lo=0, hi=SEED_MAX) for s in seeds]


def _lexicon_pairs(lexicon: Any, where: str) -> list[tuple[str, str]]:
    """(theme, term) pairs from a Lexicon, a DataFrame or a mapping, in order."""
    if lexicon is None:
        from civictext.themes.lexicon import load_lexicons  # lazy: only seeded fits need it

        lexicon = load_lexicons()
    table = getattr(lexicon, "terms", lexicon)
    if isinstance(table, pd.DataFrame):
        if not {"theme", "term"} <= set(table.columns):
            raise ModelError(f"{where}: lexicon table needs 'theme' and 'term' columns, got "
                             f"{list(table.columns)}")
        pairs = list(zip(table["theme"].astype(str), table["term"].astype(str)))
    elif isinstance(table, Mapping):
        pairs = []
        for theme, terms in table.items():
            if isinstance(terms, str):
                terms = [terms]
            pairs.extend((str(theme), str(t)) for t in terms)
    else:
        raise ModelError(f"{where}: lexicon must be a Lexicon, a DataFrame with theme/term "
                         f"columns or a mapping {{theme: [terms]}}, got {type(lexicon).__name__}")
    pairs = [(th, te) for th, te in pairs if te.strip()]
    if not pairs:
        raise ModelError(f"{where}: the lexicon has no terms; method='seeded' needs seed terms")
    return pairs


def _seed_key(term: str) -> str:
    from civictext.text.normalize import normalize_text

    return "_".join(normalize_text(term).split()).casefold()


def _match_seeds(pairs: list[tuple[str, str]], all_terms: np.ndarray,
                 doc_freq: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    by_key: dict[str, list[int]] = {}
    for j, t in enumerate(all_terms):
        by_key.setdefault(unicodedata.normalize("NFC", str(t)).casefold(), []).append(j)
    rows, cols = [], []
    for theme, term in dict.fromkeys(pairs):
        hits = by_key.get(_seed_key(term), [])
        if not hits:
            rows.append((theme, term, "", False, 0))
        for j in hits:
            rows.append((theme, term, str(all_terms[j]), True, int(doc_freq[j])))
            cols.append(j)
    table = pd.DataFrame(rows, columns=["theme", "term", "token", "in_vocabulary", "doc_freq"])
    return table, np.asarray(sorted(set(cols)), dtype=np.intp)


def _empty_seed_table() -> pd.DataFrame:
    return pd.DataFrame({"theme": pd.Series(dtype=str), "term": pd.Series(dtype=str),
                         "token": pd.Series(dtype=str), "in_vocabulary": pd.Series(dtype=bool),
                         "doc_freq": pd.Series(dtype="int64")})


# ----------------------------------------------------------------- misc
def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _adjust(where: str, msg: str) -> str:
    text = f"{where}: {msg}"
    log.warning(text)
    warnings.warn(text, CivictextWarning, stacklevel=4)
    return msg


def _describe(analyzer: Any) -> str:
    """``module.name`` of a function, or of the class of a callable object."""
    obj = analyzer if hasattr(analyzer, "__qualname__") else type(analyzer)
    if (getattr(obj, "__module__", None), obj.__qualname__) == _ANALYZER_CLASS:
        return _ANALYZER_LABEL
    return f"{getattr(obj, '__module__', '?')}.{obj.__qualname__}"


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {"python": sys.version.split()[0]}
    for name in ("scikit-learn", "numpy", "scipy", "pandas", "joblib"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:  # pragma: no cover
            out[name] = "not installed"
    return out


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    return repr(obj)
