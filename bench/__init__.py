"""`make bench`: the loader and the marts against DuckDB's own speed (docs/performance.md)."""
