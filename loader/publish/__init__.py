"""The published read-only copy of the marts, and what a writer says when a reader holds it.

DuckDB allows one writer or many readers per file: BI tools and the report read the published
copy (Parquet plus a small DuckDB file of views, swapped in atomically after every successful
build), never the database a refresh writes.
"""
