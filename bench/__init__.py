"""`make bench`: the loader and the marts measured against DuckDB's own speed (see docs/performance.md)."""
