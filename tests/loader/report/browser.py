"""Debian's Chromium driven by Selenium, as the report's reader sees it.

The browser and its driver come from the Debian packages `chromium` and `chromium-driver`
(`make browser` installs them): Selenium gets both paths explicitly, so Selenium Manager never
downloads anything. Run directly to screenshot a report for the README::

    .venv/bin/python -m tests.loader.report.browser data/report/index.html docs/report.png
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1800",
]


def available() -> bool:
    """Whether Debian's Chromium and its driver are installed."""
    return CHROMIUM.exists() and CHROMEDRIVER.exists()


def open_browser(profile: Path) -> Any:
    """A headless Chromium with a fresh profile in `profile`, console logs captured."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)


def screenshot(report: Path, out: Path, height: int = 2400) -> None:
    """Save the top `height` pixels of the report as a PNG."""
    with tempfile.TemporaryDirectory() as profile:
        driver = open_browser(Path(profile))
        try:
            driver.set_window_size(1400, height)
            driver.get(report.resolve().as_uri())
            driver.save_screenshot(str(out))
        finally:
            driver.quit()


if __name__ == "__main__":
    screenshot(Path(sys.argv[1]), Path(sys.argv[2]))
