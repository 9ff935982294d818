"""Big-data analytics: the marts exported to a Parquet data lake, and Spark jobs over it.

- :mod:`softcart.lake.export`: ``softcart export`` (warehouse marts and file inputs -> Parquet lake)
- :mod:`spark.jobs`: the Spark jobs (``spark-submit spark/jobs/X.py`` or ``softcart analyze X``)
- :mod:`softcart.lake.store`: where the lake is (a local path or a URL) and how to reach it
- :mod:`spark.session`: the one way a job builds its Spark session from the settings
"""
