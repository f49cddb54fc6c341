"""Scale-out: the batch jobs run per partition of a Parquet dataset, locally or on Dask.

``engine.run_job`` is the abstraction; ``risk``, ``tariff``, ``ingest`` (and ``parcels``)
wrap each domain's batch function as a ``PartitionJob``. See docs/scale-out.md.
"""
