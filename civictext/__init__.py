"""civictext: civic-conduct themes in Vietnamese news, over time and by outlet.

The pipeline, one subpackage per stage (each ``__init__`` says what it takes
and gives)::

    ingest -> text -> themes / topics -> trends -> viz
    (files -> articles -> tokens -> scores, topics -> shares over time -> figures)

with :mod:`civictext.pipeline` running them (on :mod:`civictext.engines`) and
:mod:`civictext.cli` the command line. The flat layout's module paths
(``civictext.corpus``, ``civictext.tokenize``, ...) still import, deprecated
(:mod:`civictext._compat`).

Quick start::

    import civictext as ct
    articles = ct.read_corpus("corpus/")
    scores = ct.score_themes(articles)
    trends = ct.theme_trends(scores, articles, freq="Y")
    ct.build_figures("corpus/", "outputs/figures")

    # the main job (civictext run): a frozen config in, every table out
    config = ct.RunConfig("corpus/", trends=ct.TrendSpec(by="source"))
    ct.run_pipeline(config, "outputs/")     # or ct.pipeline.run(config) -> RunResult

Public names are imported lazily, so ``import civictext`` is fast and loads no
segmentation model until one is needed.
"""
from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

from civictext import _compat

__version__ = "0.3.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

# public name -> module that defines it
_API = {
    # corpus
    "read_corpus": "ingest.reader",
    "read_page": "ingest.reader",
    "write_read_report": "ingest.reader",
    "list_corpus_files": "ingest.reader",
    "read_corpus_result": "ingest.reader",
    "ReadResult": "ingest.reader",
    "ReadOptions": "ingest.reader",
    "plan_corpus": "ingest.reader",
    # normalize
    "normalize_text": "text.normalize",
    "fold": "text.normalize",
    # tokenize
    "tokenize": "text.segmentation",
    "Analyzer": "text.segmentation",
    "count_tokens": "text.segmentation",
    "load_stopwords": "text.segmentation",
    "segment_text": "text.segmentation",
    # themes
    "load_lexicons": "themes.lexicon",
    "Lexicon": "themes.lexicon",
    "score_themes": "themes.scoring",
    "theme_evidence": "themes.scoring",
    "coverage_report": "themes.scoring",
    # theme model (supervised, fitted on coded documents)
    "fit_theme_model": "themes.model",
    "load_theme_model": "themes.model",
    "ThemeModel": "themes.model",
    "next_to_code": "themes.model",
    "cross_validate_measures": "themes.model",
    "cross_fit_scores": "themes.crossfit",
    # validation
    "validate": "themes.validation",
    "sample_for_coding": "themes.validation",
    "load_labelled_set": "themes.validation",
    "read_coded": "themes.validation",
    "write_coding_sheet": "themes.validation",
    # corrected shares (a coded sample)
    "corrected_mean": "trends.correction",
    "coded_only_mean": "trends.correction",
    "corrected_shares": "trends.correction",
    # topics
    "fit_topics": "topics.model",
    "TopicModel": "topics.model",
    "topic_stability": "topics.model",
    "compare_n_topics": "topics.model",
    "npmi_coherence": "topics.model",
    # trends
    "theme_trends": "trends.shares",
    "topic_trends": "trends.shares",
    "compare_periods": "trends.shares",
    "corpus_volume": "trends.shares",
    "theme_cooccurrence": "trends.shares",
    "top_terms_by_theme": "trends.shares",
    "choose_freq": "trends.shares",
    # the main job as configuration in, tables out (civictext run)
    "RunConfig": "pipeline",
    "TopicSpec": "pipeline",
    "TrendSpec": "pipeline",
    "RunResult": "pipeline",
    "run_pipeline": "pipeline",
    "write_outputs": "pipeline",
    "LocalEngine": "engines.local",
    "DaskEngine": "engines.dask",
    # figures
    "build_figures": "viz.figures",
    "figures_from_tables": "viz.figures",
    "run_all": "viz.figures",
    # corpus building
    "collect": "ingest.crawl",
    "extract_article": "ingest.crawl",
    "near_duplicates": "ingest.dedup",
    "drop_near_duplicates": "ingest.dedup",
    "drop_near_duplicates_result": "ingest.dedup",
    "DedupResult": "ingest.dedup",
    "parse_date": "ingest.dates",
    "find_publication_date": "ingest.dates",
    "DateInfo": "ingest.dates",
    # real corpora on request (ct.datasets.list(), ct.fetch_corpus)
    "fetch_corpus": "ingest.datasets",
    # scale-out (needs the dask extra)
    "run_dask": "engines.dask",
    "load_table": "engines.dask",
    # errors
    "CivictextError": "errors",
    "ParameterError": "errors",
    "ParameterTypeError": "errors",
    "CorpusError": "errors",
    "LexiconError": "errors",
    "CacheError": "errors",
    "ModelError": "errors",
    "CollectError": "errors",
    "DatasetError": "errors",
    "ValidationError": "errors",
    "TrendError": "errors",
    "CivictextWarning": "errors",
}

# public submodules reached as attributes (ct.datasets.list())
_MODULES = {"datasets": "ingest.datasets", "pipeline": "pipeline"}

__all__ = sorted(_API) + ["__version__", "datasets", "pipeline"]

# the module paths of the flat layout (civictext.corpus, civictext.tokenize, ...)
# import as the modules now at their new paths, with a DeprecationWarning
_compat.install(sys.modules[__name__], _API)


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{_MODULES[name]}")
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'civictext' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API) | set(_MODULES))
