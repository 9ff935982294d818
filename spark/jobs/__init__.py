"""The Spark jobs. Each module is runnable with ``spark-submit spark/jobs/<module>.py [options]``
and through ``softcart analyze <job>``; each exposes ``run(spark, lake, ...)`` returning a result
object and ``report(result, console)``.

| job            | module          | reads (default)          | writes                                   |
| -------------- | --------------- | ------------------------ | ---------------------------------------- |
| `search-terms` | search_terms.py | `raw/searchterms/`       | `results/search_terms/`                  |
| `sales`        | sales.py        | `sales/`                 | `results/sales/<aggregate>/`             |
| `forecast`     | forecast.py     | `sales/` (or `--model`)  | `models/sales_*`, `results/forecast/...` |
"""

JOBS = {"search-terms": "search_terms", "sales": "sales", "forecast": "forecast"}


class JobInputMissing(RuntimeError):
    """The job's input is not there (no export yet, wrong --input or --model)."""
