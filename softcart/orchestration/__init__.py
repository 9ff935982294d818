"""Code the Airflow DAGs (dags/) call that belongs to no other layer: the course's web-log steps."""
