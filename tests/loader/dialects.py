r"""Export text in the two dialects real parts come in, written by hand for the reader's tests.

`backslash`: unenclosed fields, `\,` `\\` and an escaped line break, NULL as `\N`.
`rfc4180`: double-quoted fields where needed (or all of them), `""` inside, NULL as `\N`.
"""

from __future__ import annotations

from tests.loader.samples import SAMPLE, row

NULL = "\\N"

# Names people push, one quirk per column, in two rows (the second with line breaks).
ODD_NAMES = [
    {
        "ORGANIZATION_NAME": "acme 🚀 株式会社",
        "PROJECT_NAME": "tab\there",
        "VCS_BRANCH": "fix/a,b",
        "WORKFLOW_NAME": '"quoted" build',
        "JOB_NAME": "back\\slash\\",
    },
    {
        "ORGANIZATION_NAME": "ölçü, ☃",
        "PROJECT_NAME": "日本語プロジェクト",
        "VCS_BRANCH": '"leading-quote',
        "WORKFLOW_NAME": "two\nlines",
        "JOB_NAME": 'say "hi", \\o/',
    },
]


def odd_rows() -> list[dict[str, str]]:
    """Two job rows whose names carry every quirk, plus an ordinary one."""
    return [
        row(JOB_ID="job-odd-1", **ODD_NAMES[0]),
        row(JOB_ID="job-odd-2", **ODD_NAMES[1]),
        row(JOB_ID="job-plain"),
    ]


def backslash_text(rows: list[dict[str, str]], columns: list[str] | None = None) -> str:
    """Rows in the backslash dialect (values are text; `\\N` stays the NULL marker)."""
    columns = columns or list(SAMPLE)

    def field(value: str) -> str:
        if value == NULL:
            return NULL
        return (
            value.replace("\\", "\\\\")
            .replace(",", "\\,")
            .replace("\n", "\\\n")
            .replace("\r", "\\\r")
        )

    lines = [",".join(columns)] + [",".join(field(r.get(c, NULL)) for c in columns) for r in rows]
    return "\n".join(lines) + "\n"


def rfc4180_text(
    rows: list[dict[str, str]], columns: list[str] | None = None, quote_all: bool = False
) -> str:
    """Rows in RFC 4180: quoted where needed, or every field (the header too) with `quote_all`."""
    columns = columns or list(SAMPLE)

    def field(value: str) -> str:
        if quote_all or any(c in value for c in ',"\r\n'):
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [",".join(field(c) for c in columns)]
    lines += [",".join(field(r.get(c, NULL)) for c in columns) for r in rows]
    return "\r\n".join(lines) + "\r\n"
