"""Static files a second visit does not fetch again: pages name each file with its version
(``/static/app.js?v=3f2a…``, a hash of its content) and such an address is cached for a year;
any other address is revalidated every time (a 304 when unchanged)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from urllib.parse import parse_qs

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).resolve().parent.parent / "static"
FOREVER = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class Versions:
    """Each static file's version: a hash of its content, read again only when it changes."""

    def __init__(self, directory: Path = STATIC) -> None:
        self.directory = directory
        self._known: dict[str, tuple[tuple[int, int], str]] = {}

    def of(self, path: str | os.PathLike[str]) -> str:
        """The version of the file at ``path`` (absolute, or relative to the directory)."""
        full = self.directory / path
        stat = full.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        known = self._known.get(str(full))
        if known and known[0] == stamp:
            return known[1]
        version = hashlib.sha256(full.read_bytes()).hexdigest()[:12]
        self._known[str(full)] = (stamp, version)
        return version

    def url(self, name: str) -> str:
        """The address a page uses for the static file ``name``: ``/static/{name}?v={version}``."""
        return f"/static/{name}?v={self.of(name)}"


class CachedStaticFiles(StaticFiles):
    """StaticFiles with Cache-Control: a year for the current version's address, else no-cache."""

    def __init__(self, versions: Versions) -> None:
        super().__init__(directory=versions.directory)
        self.versions = versions

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [""])[0]
        # An old page asking for an older version gets today's file, but not for a year.
        current = asked and asked == self.versions.of(full_path)
        response.headers["cache-control"] = FOREVER if current else REVALIDATE
        return response
