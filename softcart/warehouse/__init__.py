"""The warehouse: running dbt with the project's settings (dbt_runner), planning the scheduled build
from the warehouse's own log (build_plan), and loading raw straight from a dataset's files for the
dbt tests and benchmarks (raw_loader). The models themselves are in dbt_project/."""
