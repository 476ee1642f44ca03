"""The warehouse's table names, importable without pyarrow (the DAG files name them as Airflow Assets)."""

# What a night publishes (one commit each), then what maintenance writes.
NIGHTLY_TABLES = ("articles", "entities", "quotes", "rejects", "runs", "article_signatures", "validations",
                  "source_health")
TABLES = NIGHTLY_TABLES + ("compactions",)


def asset_uri(table: str) -> str:
    """The Airflow Asset of a table: one per table, whatever warehouse a deployment points at."""
    return f"broadsheet://warehouse/{table}"
