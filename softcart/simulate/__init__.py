"""``softcart simulate``: a live shop's workload against the sources (docs/ingestion.md)."""
