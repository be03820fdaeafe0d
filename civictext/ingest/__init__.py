"""Stage 1, ingest: files on disk (or URLs) -> the ``articles`` table.

Takes a corpus folder (``.txt`` pages, ``.csv``/``.jsonl``/``.json`` tables,
``.html``) or a list of URLs; gives one row per article::

    articles: doc_id, kind, parent_id, source, source_tag, url, title, kicker,
              lead, headings, captions, byline, text, published, date_precision,
              date_evidence, category, path, format, segmented, tokens_given

(``ct.read_corpus``; ``ct.read_corpus_result`` adds the read report: ``files``
``path, format, encoding, records, skipped, reason`` and ``skipped`` ``path,
line, reason``.) Text is NFC-normalised on the way in; raw files are never
written to.

Modules, in reading order:

* :mod:`~civictext.ingest.reader`: ``plan_corpus`` (which files, in which order,
  with which ``manifest.csv`` entry) and ``read_corpus`` / ``read_files``.
* :mod:`~civictext.ingest.pages`: one scraped page -> article and teaser parts;
  the HTML rules shared with the crawler.
* :mod:`~civictext.ingest.encodings`: UTF-8 / windows-1258 detection.
* :mod:`~civictext.ingest.dates`: every date (one time-zone policy, one year range).
* :mod:`~civictext.ingest.crawl`: ``ct.collect`` (URLs -> a corpus folder the
  reader reads) and ``ct.extract_article``.
* :mod:`~civictext.ingest.dedup`: near-duplicate clusters (MinHash) ->
  ``near_duplicates`` (``cluster, doc_id, ...``) and the kept articles.
* :mod:`~civictext.ingest.datasets`: the registry of real corpora
  (``ct.datasets.list()``, ``ct.fetch_corpus``).
* :mod:`~civictext.ingest.synthetic`: generated corpora with a known answer
  (examples, tests, benchmarks).

Next stage: :mod:`civictext.text`.
"""
