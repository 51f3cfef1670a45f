"""Settings: one table drives the environment variables, the CLI help and the README."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "database_url",
        "DATABASE_URL",
        "sqlite+aiosqlite:///./assembly.db",
        "SQLAlchemy URL of the database (SQLite file by default).",
    ),
    Setting(
        "broker_url",
        "BROKER_URL",
        "memory://",
        "Where live updates fan out: memory:// for one process, redis://host:6379 for many "
        "(rate limits are then counted there too).",
    ),
    Setting(
        "broker_prefix",
        "BROKER_PREFIX",
        "",
        "Put before every Redis channel and rate-limit key, so that deployments (or test runs) "
        "sharing one Redis never see each other's messages or counts.",
    ),
    Setting("host", "HOST", "127.0.0.1", "Address the server listens on."),
    Setting("port", "PORT", "8000", "Port the server listens on."),
    Setting(
        "public_url",
        "PUBLIC_URL",
        "",
        "Base URL people reach the server at, used in the room QR (default: the request's).",
    ),
    Setting(
        "secret_key",
        "SECRET_KEY",
        "",
        "Key that signs cookies; when empty one is generated and kept in the database.",
    ),
    Setting(
        "room_code_period",
        "ROOM_CODE_PERIOD",
        "300",
        "Seconds each room code is shown; the previous code is accepted for one more period.",
    ),
    Setting(
        "cookie_secure",
        "COOKIE_SECURE",
        "false",
        "Mark cookies Secure (set true when served over https).",
    ),
    Setting(
        "rate_limit_scale",
        "RATE_LIMIT_SCALE",
        "1",
        "Multiplies every rate limit (2 doubles them; 0 turns them off, e.g. for benchmarks).",
    ),
    Setting(
        "ws_deflate",
        "WS_DEFLATE",
        "false",
        "Compress websocket messages (per-message deflate): less traffic, much more memory.",
    ),
    Setting(
        "access_log",
        "ACCESS_LOG",
        "false",
        "Log every request and socket (costly under load; start-up and errors are always logged).",
    ),
    Setting(
        "tally_interval",
        "TALLY_INTERVAL",
        "0.25",
        "Seconds between recounts of a busy poll (and presence updates).",
    ),
)


@dataclass(frozen=True)
class Settings:
    """Parsed settings, built once and passed to ``create_app``."""

    database_url: str = "sqlite+aiosqlite:///./assembly.db"
    broker_url: str = "memory://"
    broker_prefix: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""
    secret_key: str = ""
    room_code_period: int = 300
    cookie_secure: bool = False
    tally_interval: float = 0.25
    rate_limit_scale: float = 1.0
    ws_deflate: bool = False
    access_log: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every setting from ``environ`` (default ``os.environ``), then apply overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        types = {f.name: f.type for f in fields(cls)}
        for s in SETTINGS:
            raw = env.get(s.env, s.default)
            values[s.name] = _parse(s, raw, str(types[s.name]))
        settings = cls(**values)
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(settings, **clean) if clean else settings


def _parse(setting: Setting, raw: str, kind: str) -> Any:
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            if raw.strip().lower() in ("1", "true", "yes", "on"):
                return True
            if raw.strip().lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
    except ValueError:
        raise SystemExit(f"{setting.env}={raw!r} is not a valid {kind}; {setting.help}") from None
    return raw
