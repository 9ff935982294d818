"""The Parquet data lake: where it is and how to reach it (store), and the export that writes the
marts into it (export). No Spark here: the Spark jobs (spark/) read what this layer writes."""
