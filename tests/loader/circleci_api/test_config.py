"""`.dlt/config.toml` documents the defaults of `loader.settings`; it must not drift from them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from loader.circleci_api.config import CircleCIConfig
from loader.source.pipeline import REPO_ROOT

CONFIG_TOML = Path(__file__).resolve().parents[3] / ".dlt" / "config.toml"
EXAMPLES = {"org_ids"}  # shown as an example value, not a default


def documented_settings() -> dict[str, object]:
    """The commented-out `name = value` lines of `[sources.circleci]`, parsed as TOML."""
    section = CONFIG_TOML.read_text().split("[sources.circleci]", 1)[1].split("\n[", 1)[0]
    lines = re.findall(r"^# (\w+ = .+)$", section, flags=re.MULTILINE)
    return tomllib.loads("\n".join(lines))


def test_config_toml_sets_nothing_and_names_every_default():
    parsed = tomllib.loads(CONFIG_TOML.read_text())
    assert parsed["sources"]["circleci"] == {}, "config.toml documents; it sets no value"
    documented = documented_settings()
    defaults = CircleCIConfig()
    fields = {name for name in CircleCIConfig.__annotations__ if name != "api_token"}
    assert set(documented) == fields
    for name, value in documented.items():
        if name not in EXAMPLES:
            expected = getattr(defaults, name)
            assert value == expected or (value, expected) == ([], None), name


def test_the_loader_finds_the_repository_it_runs_from():
    # dlt reads `.dlt/config.toml` from REPO_ROOT, the demo its seed templates
    assert REPO_ROOT / ".dlt" / "config.toml" == CONFIG_TOML
    assert (REPO_ROOT / "demo" / "seeds").is_dir()
