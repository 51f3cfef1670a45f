"""What the browser tests share: plain-HTTP actors for setting the scene, and page checks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx2 as httpx
from playwright.sync_api import Page

from tests.conftest import PASSWORD

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

# Added to every browser context: counts socket opens and keeps the ws extension's socket
# wrapper from the last close, so a test can reconnect the page itself when it chooses.
WS_HOOK = """
window.__ws = {open: 0, close: 0, wrapper: null};
document.addEventListener('htmx:wsOpen', () => { window.__ws.open += 1; });
document.addEventListener('htmx:wsClose', (e) => {
  window.__ws.close += 1;
  window.__ws.wrapper = e.detail.socketWrapper;
});
"""

AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(' ')),
  }));
}"""

# Whatever is focused: is it drawn with an outline a sighted keyboard user can see?
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '',
    item: el.closest('li.item') ? el.closest('li.item').id : '',
    value: el.value || '', text: (el.textContent || '').trim().slice(0, 60),
    outline: style.outlineStyle, width: style.outlineWidth,
  };
}"""


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def contribution_id(html: str, text: str) -> int:
    """The id of the contribution saying ``text`` in a rendered feed."""
    for match in re.finditer(r'<li id="c-(\d+)".*?</li>', html, re.DOTALL):
        if text in match.group(0):
            return int(match.group(1))
    raise AssertionError(f"no contribution saying {text!r}")


class Visitor:
    """A participant using plain HTTP (no browser): joins online on creation."""

    def __init__(self, base_url: str, event: str = "demo") -> None:
        self.event = event
        self.http = httpx.Client(base_url=base_url)
        self.token = csrf_token(self.page())

    def page(self) -> str:
        r = self.http.get(f"/e/{self.event}")
        assert r.status_code == 200, r.text
        return r.text

    def post(self, text: str, kind: str = "idea") -> int:
        r = self.http.post(
            f"/e/{self.event}/contributions",
            data={"kind": kind, "text": text, "csrf_token": self.token},
        )
        assert r.status_code == 303, r.text
        return contribution_id(self.page(), text)

    def close(self) -> None:
        self.http.close()


class Staff:
    """The facilitator using plain HTTP: logs in on creation and drives the console's forms."""

    def __init__(self, base_url: str, event: str = "demo") -> None:
        self.event = event
        self.http = httpx.Client(base_url=base_url)
        token = csrf_token(self.http.get("/login").text)
        r = self.http.post(
            "/login",
            data={
                "username": "facilitator",
                "password": PASSWORD,
                "next": f"/console/{event}",
                "csrf_token": token,
            },
        )
        assert r.status_code == 303, r.text
        self.token = csrf_token(self.console())

    def console(self) -> str:
        r = self.http.get(f"/console/{self.event}")
        assert r.status_code == 200, r.text
        return r.text

    def screen_address(self) -> str:
        """The big screen's secret address, as the console shows it for the projector."""
        match = re.search(r'id="screen-address"[^>]*value="([^"]+)"', self.console())
        assert match, "no screen address on the console"
        return match.group(1)

    def _post(self, path: str, **data: str) -> None:
        r = self.http.post(f"/console/{self.event}{path}", data={**data, "csrf_token": self.token})
        assert r.status_code == 303, r.text

    def make_current(self, title: str) -> None:
        html = self.console()
        match = re.search(rf"<span>{re.escape(title)}</span>\s*<form[^>]*/sessions/(\d+)/", html)
        assert match, f"no session {title!r} to make current"
        self._post(f"/sessions/{match.group(1)}/current")

    def poll(self, question: str, action: str) -> None:
        """``action`` is open or close."""
        html = self.console()
        match = re.search(rf"<strong>{re.escape(question)}</strong>.*?/polls/(\d+)/", html, re.S)
        assert match, f"no poll {question!r} in the current session"
        self._post(f"/polls/{match.group(1)}/{action}")

    def moderate(self, contribution: int, action: str) -> None:
        self._post(f"/c/{contribution}/{action}")

    def respond(self, contribution: int, text: str) -> None:
        self._post(f"/c/{contribution}/respond", text=text)

    def close(self) -> None:
        self.http.close()


@contextmanager
def visitor(base_url: str) -> Iterator[Visitor]:
    v = Visitor(base_url)
    try:
        yield v
    finally:
        v.close()


@contextmanager
def staff(base_url: str) -> Iterator[Staff]:
    s = Staff(base_url)
    try:
        yield s
    finally:
        s.close()


def log_in(page: Page, base_url: str, next_path: str = "/console/demo") -> None:
    """Log the facilitator in through the login form, landing on ``next_path``."""
    page.goto(f"{base_url}/login?next={next_path}")
    page.fill("#username", "facilitator")
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}")


def wait_connected(page: Page, opens: int = 1) -> None:
    """Wait until the page's socket has opened ``opens`` times (pushes reach it from then on)."""
    page.wait_for_function("n => window.__ws && window.__ws.open >= n", arg=opens, timeout=5000)


def axe_violations(page: Page, axe_path: str) -> list[dict[str, Any]]:
    """The page's axe violations of impact serious or critical."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=axe_path)
    found: list[dict[str, Any]] = page.evaluate(AXE_RUN)
    return [v for v in found if v["impact"] in ("serious", "critical")]


def overflow(page: Page) -> dict[str, Any]:
    """How wide the page is against its viewport, and the first elements sticking out."""
    result: dict[str, Any] = page.evaluate(
        """() => {
          const width = document.documentElement.clientWidth;
          const wide = [...document.querySelectorAll('body *')].filter((e) => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && r.right > width + 1;
          }).slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
            + (e.className && typeof e.className === 'string' ? '.' + e.className : ''));
          return {scroll: document.documentElement.scrollWidth, width, wide};
        }"""
    )
    return result
