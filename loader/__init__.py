"""circleci-costs loader: the CircleCI Usage Export in DuckDB, the dlt way.

One package per job:

- `loader.source`: the dlt source (`usage_export`), its resources, the CSV reader, the ledgers
  of export windows and loaded files, the pipeline, and the files path.
- `loader.circleci_api`: the Usage Export API path: HTTP client, rate limits, export runner,
  downloads, settings resolution and the API load.
- `loader.cli`: `python -m loader`, the demo and the summary.

Shared by all: `loader.schema` (the published export contract, the one module the simulator
imports), `loader.settings` (every default), `loader.states`, `loader.windows`,
`loader.errors` and `loader.redact`.
"""
