"""Where the per-partition work runs: the same function, scheduled locally or on Dask.

An engine takes a :class:`~civictext.ingest.reader.ReadPlan` (files in reading
order) and runs :func:`~civictext.engines.local.process_partition` (read ->
normalise -> count -> score -> evidence) on groups of consecutive files; the
results are combined in plan order, so every table is what one read of the whole
corpus gives.

Modules:

* :mod:`~civictext.engines.local`: the partition function, ``combine`` and
  ``LocalEngine`` (this process).
* :mod:`~civictext.engines.dask`: ``DaskEngine`` (a Dask cluster) and
  ``run_dask`` / ``load_table`` (resumable partitioned scoring to Parquet);
  needs the ``dask`` extra.
"""

from civictext._compat import forward as _forward

# civictext.engines was a module: its names still read through the package (deprecated)
__getattr__, __dir__ = _forward(__name__)
