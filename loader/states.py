"""The states an export window goes through, in the export runner and in the ledger.

The runner moves a window through `waiting` → `exporting` → `done`, or ends it `failed` or
`skipped`. The ledger (`circleci_raw.export_windows`) records `planned`, `created`,
`completed`, `failed` and `skipped`: `failed` and `skipped` mean the same in both.
"""

from __future__ import annotations

# export runner
WAITING = "waiting"
EXPORTING = "exporting"
DONE = "done"

# ledger
PLANNED = "planned"
CREATED = "created"
COMPLETED = "completed"

# both
FAILED = "failed"
SKIPPED = "skipped"
