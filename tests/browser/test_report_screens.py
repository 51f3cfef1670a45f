"""Pictures of the outcomes report's first page (A4, as printed) and of the public story on a
desktop and at 360 px, from the demo with a morning's activity made through the app.

They land in ``artifacts/browser/outcomes``; with ``SCREENSHOTS=1`` in
``docs/screenshots/outcomes`` (the files the docs show), each kept under 300 KB.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, ROOT
from tests.browser.helpers import log_in
from tests.conftest import LiveServer
from tests.report_helpers import make_organiser, stage

A4 = {"width": 794, "height": 1123}  # 210 x 297 mm at 96 dpi
# Chromium's screenshot has no @page margins: the same margins as padding instead.
PRINT_MARGINS = "body { padding: 18mm 16mm 20mm !important; }"
LIMIT = 300_000


def _folder() -> Path:
    if os.environ.get("SCREENSHOTS") == "1":
        return ROOT / "docs" / "screenshots" / "outcomes"
    return ARTIFACTS / "outcomes"


def _small(path: Path) -> None:
    """Keep a picture under LIMIT: 256 colours first (flat pages lose nothing), then halve."""
    with Image.open(path) as opened:
        image = opened.convert("RGB")
    image.quantize(256).save(path, optimize=True)
    while path.stat().st_size > LIMIT:
        image = image.resize((image.width * 3 // 4, image.height * 3 // 4), Image.LANCZOS)
        image.quantize(256).save(path, optimize=True)


@pytest.mark.timeout(120)
def test_pictures_of_the_report_and_the_story(
    server: LiveServer, settings: Any, new_context: Callable[..., Any]
) -> None:
    stage(server.url, settings.database_url, spread=True)
    make_organiser(settings.database_url)
    out = _folder()
    out.mkdir(parents=True, exist_ok=True)

    report = new_context(viewport=A4).new_page()
    log_in(report, server.url)
    report.goto(f"{server.url}/organise/demo/report.html")
    report.emulate_media(media="print")
    report.add_style_tag(content=PRINT_MARGINS)
    expect(report.locator("#difference-title")).to_be_visible()
    report.screenshot(path=out / "report-first-page.png")

    for name, viewport in [
        ("story-desktop", {"width": 1100, "height": 900}),
        ("story-360px", {"width": 360, "height": 740}),
    ]:
        page = new_context(viewport=viewport).new_page()
        page.goto(f"{server.url}/e/demo/outcomes")
        expect(page.locator("#about-title")).to_be_visible()
        page.screenshot(path=out / f"{name}.png", full_page=True)

    for picture in ("report-first-page", "story-desktop", "story-360px"):
        path = out / f"{picture}.png"
        _small(path)
        assert 10_000 < path.stat().st_size <= LIMIT, (picture, path.stat().st_size)
    with Image.open(out / "report-first-page.png") as first:  # an A4 page, upright
        assert first.width * 297 / 210 == pytest.approx(first.height, abs=2)
