"""civictext: civic-conduct themes in Vietnamese news, over time and by outlet.

The pipeline, one module per stage::

    corpus -> normalize -> tokenize -> themes / topics -> trends -> plots -> figures

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
from typing import Any

__version__ = "0.3.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

# public name -> module that defines it
_API = {
    # corpus
    "read_corpus": "corpus",
    "read_page": "corpus",
    "write_read_report": "corpus",
    "list_corpus_files": "corpus",
    "read_corpus_result": "corpus",
    "ReadResult": "corpus",
    "ReadOptions": "corpus",
    "plan_corpus": "corpus",
    # normalize
    "normalize_text": "normalize",
    "fold": "normalize",
    # tokenize
    "tokenize": "tokenize",
    "Analyzer": "tokenize",
    "count_tokens": "tokenize",
    "load_stopwords": "tokenize",
    "segment_text": "tokenize",
    # themes
    "load_lexicons": "lexicon",
    "Lexicon": "lexicon",
    "score_themes": "themes",
    "theme_evidence": "themes",
    "coverage_report": "themes",
    # theme model (supervised, fitted on coded documents)
    "fit_theme_model": "theme_model",
    "load_theme_model": "theme_model",
    "ThemeModel": "theme_model",
    "next_to_code": "theme_model",
    "cross_validate_measures": "theme_model",
    # validation
    "validate": "validation",
    "sample_for_coding": "validation",
    "load_labelled_set": "validation",
    "read_coded": "validation",
    "write_coding_sheet": "validation",
    # corrected shares (a coded sample)
    "corrected_mean": "correction",
    "coded_only_mean": "correction",
    "corrected_shares": "correction",
    # topics
    "fit_topics": "topics",
    "TopicModel": "topics",
    "topic_stability": "topics",
    "compare_n_topics": "topics",
    "npmi_coherence": "topics",
    # trends
    "theme_trends": "trends",
    "topic_trends": "trends",
    "compare_periods": "trends",
    "corpus_volume": "trends",
    "theme_cooccurrence": "trends",
    "top_terms_by_theme": "trends",
    "choose_freq": "trends",
    # the main job as configuration in, tables out (civictext run)
    "RunConfig": "pipeline",
    "TopicSpec": "pipeline",
    "TrendSpec": "pipeline",
    "RunResult": "pipeline",
    "run_pipeline": "pipeline",
    "write_outputs": "pipeline",
    "LocalEngine": "engines",
    "DaskEngine": "distributed",
    # figures
    "build_figures": "figures",
    "figures_from_tables": "figures",
    "run_all": "figures",
    # corpus building
    "collect": "crawl",
    "extract_article": "crawl",
    "near_duplicates": "dedup",
    "drop_near_duplicates": "dedup",
    "drop_near_duplicates_result": "dedup",
    "DedupResult": "dedup",
    "parse_date": "dates",
    "find_publication_date": "dates",
    "DateInfo": "dates",
    # real corpora on request (ct.datasets.list(), ct.fetch_corpus)
    "fetch_corpus": "datasets",
    # scale-out (needs the dask extra)
    "run_dask": "distributed",
    "load_table": "distributed",
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
_MODULES = {"datasets", "pipeline"}

__all__ = sorted(_API) + ["__version__", "datasets", "pipeline"]


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(f"{__name__}.{name}")
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'civictext' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API) | _MODULES)
