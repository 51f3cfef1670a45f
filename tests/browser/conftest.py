"""Browser fixtures: Debian's chromium driven by playwright, against the real uvicorn server."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assembly.config import Settings
from tests.conftest import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "browser"
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
# Chromium's own background traffic would hit this machine's closed network; keep it quiet.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
SCREEN = {"viewport": {"width": 1920, "height": 1080}}


# The test modules import playwright: without it they are not collected (in CI they fail).
if importlib.util.find_spec("playwright") is None and os.environ.get("CI") != "true":
    collect_ignore_glob = ["test_*.py"]


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run)")
    pytest.skip(reason)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every browser test runs on one worker, one after the other (``--dist loadgroup``): one
    chromium serves them all, and the event loop playwright keeps running on the main thread
    is gone before that worker runs any other test (they call asyncio.run)."""
    for item in items:
        if Path(item.path).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """One chromium for every browser test; each test opens its own contexts."""
    if not CHROMIUM.exists():
        _unavailable("Debian's chromium is not installed (`make test` installs it when it can)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (`make test` installs it)")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def server(settings: Settings) -> Iterator[LiveServer]:
    """The real server on a fresh database holding the demo event and a facilitator."""
    with LiveServer(settings) as live:
        yield live


@pytest.fixture(scope="package")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def new_context(browser: Any, server: LiveServer) -> Iterator[Callable[..., Any]]:
    """Make browser contexts (each one person's browser); all are closed before the server stops.

    Every page of every context counts its socket opens and keeps the socket wrapper of the
    last close (see ``helpers.WS_HOOK``).
    """
    from tests.browser.helpers import WS_HOOK

    made: list[Any] = []

    def new(**kwargs: Any) -> Any:
        context = browser.new_context(**kwargs)
        context.add_init_script(WS_HOOK)
        context.set_default_timeout(5000)
        made.append(context)
        return context

    yield new
    for context in made:
        context.close()
