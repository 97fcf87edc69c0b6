"""Run the FinOps Foundation's FOCUS validator (`focus-validator` 2.2.1) on a file.

The validator lives in its own environment (`make focus-validator`, .focus-venv): it needs
Python >= 3.12 and numpy 1.x. It opens `focus_validator/rules/currency_codes.csv` by a
relative path, so it runs from its package folder; `--block-download` keeps it offline with
the FOCUS 1.2 model it ships. It exits 0 even when rules fail, so its report is read here:
every `FAIL` line counts, except a rule that is one alternative of an OR rule that passed
(FOCUS's nullability rules are written as "null when X" OR "not null when not X", and the
validator reports the branch that does not apply as failed while the OR passes).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
VALIDATOR = Path(os.environ.get("FOCUS_VALIDATOR", REPO / ".focus-venv/bin/focus-validator"))
RULE_LINE = re.compile(
    r"^\S+\s+(?P<rule>[A-Za-z]+-[A-Z]-\d{3}-[A-Z]): (?P<status>PASS|FAIL|SKIPPED)"
)
TOTALS = re.compile(r"Total: (\d+) \| Pass: (\d+) \| Fail: (\d+) \| Skipped: (\d+)")


@dataclass
class Validation:
    """The validator's verdict on one file."""

    output: str
    passed: set[str]
    failed: set[str]
    excused: set[str]

    @property
    def failures(self) -> list[str]:
        """The FAIL lines that count."""
        return [
            line
            for line in self.output.splitlines()
            if (m := RULE_LINE.match(line)) and m["rule"] in self.failed - self.excused
        ]


def validator_or_skip() -> Path:
    """The validator's executable; fails when required (make test, CI), else skips."""
    if VALIDATOR.exists():
        return VALIDATOR
    message = f"the FOCUS validator is not installed at {VALIDATOR}: run `make focus-validator`"
    if os.environ.get("FOCUS_VALIDATOR_REQUIRED") or os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def _package_dir(validator: Path) -> Path:
    found = sorted(validator.parents[1].glob("lib/python3*/site-packages/focus_validator"))
    assert found, f"no focus_validator package beside {validator}"
    return found[0]


def _or_alternatives(package: Path) -> dict[str, set[str]]:
    """OR rule id -> the rule ids it accepts as alternatives, from the shipped model."""
    model = json.loads((package / "rules" / "model-1.2.0.1.json").read_text())
    alternatives: dict[str, set[str]] = {}
    for rule_id, rule in model["ModelRules"].items():
        requirement = rule.get("ValidationCriteria", {}).get("Requirement", {})
        if requirement.get("CheckFunction") == "OR":
            alternatives[rule_id] = {
                item["ModelRuleId"]
                for item in requirement.get("Items", [])
                if item.get("CheckFunction") == "CheckModelRule"
            }
    return alternatives


def validate(path: Path) -> Validation:
    """Validate `path` (CSV or Parquet) against FOCUS 1.2."""
    validator = validator_or_skip()
    package = _package_dir(validator)
    done = subprocess.run(
        [
            str(validator),
            "--data-file",
            str(path.resolve()),
            "--validate-version",
            "1.2",
            "--block-download",
        ],
        cwd=package.parent,
        capture_output=True,
        text=True,
        timeout=240,
    )
    output = done.stdout + done.stderr
    totals = TOTALS.search(output)
    assert done.returncode == 0 and totals, f"the validator did not run:\n{output[-3000:]}"
    assert int(totals[2]) > 100, f"the validator checked almost nothing:\n{output[-3000:]}"
    statuses = [
        (m["rule"], m["status"]) for line in output.splitlines() if (m := RULE_LINE.match(line))
    ]
    passed = {rule for rule, status in statuses if status == "PASS"}
    failed = {rule for rule, status in statuses if status == "FAIL"}
    excused = {
        rule
        for or_rule, options in _or_alternatives(package).items()
        if or_rule in passed
        for rule in options & failed
    }
    return Validation(output=output, passed=passed, failed=failed, excused=excused)
