"""Signed cookies, CSRF tokens, room codes and facilitator passwords."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from functools import lru_cache
from http.cookies import SimpleCookie

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "asm_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
STAFF_COOKIE = "asm_staff"
STAFF_MAX_AGE = 12 * 3600
SCREEN_MAX_AGE = 7 * 24 * 3600  # a projector opened the day before an event still works
# No 0/O, 1/I/L: the code is read off a projector and typed on a phone.
_ROOM_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
ROOM_CODE_LENGTH = 6

_hasher = PasswordHasher()
# Each request checks a participant cookie twice and a CSRF cookie once, and each reply signs
# the participant cookie again: the answers never change while the key does not, so the last
# ones are remembered (a few MB at most, whatever cookies a script invents).
_REMEMBERED_SIGNATURES = 16_384


class Signer:
    """Signs the values kept in cookies and links, all from one secret key."""

    def __init__(self, secret: str) -> None:
        self._plain = URLSafeSerializer(secret, salt="participant")
        self._csrf = URLSafeSerializer(secret, salt="csrf")
        self._staff = URLSafeTimedSerializer(secret, salt="staff")
        self._once = URLSafeTimedSerializer(secret, salt="one-time-login")
        self._screen = URLSafeTimedSerializer(secret, salt="screen")
        self._form_key = hashlib.sha256(b"form-token:" + secret.encode()).digest()
        self._participant_cookie = lru_cache(_REMEMBERED_SIGNATURES)(self._plain.dumps)
        self._participant_id = lru_cache(_REMEMBERED_SIGNATURES)(self._check_participant)
        self._csrf_token = lru_cache(_REMEMBERED_SIGNATURES)(self._check_csrf)

    def participant_cookie(self, participant_id: str) -> str:
        """The signed cookie value that carries ``participant_id``."""
        cookie: str = self._participant_cookie(participant_id)
        return cookie

    def participant_id(self, cookie: str | None) -> str | None:
        """The participant id in ``cookie``, or None when it is absent or fails its signature."""
        return self._participant_id(cookie) if cookie else None

    def _check_participant(self, cookie: str) -> str | None:
        try:
            value = self._plain.loads(cookie)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None

    def staff_cookie(self, account_id: int, nonce: str) -> str:
        return self._staff.dumps([account_id, nonce])

    def staff(self, cookie: str | None) -> tuple[int, str] | None:
        """(account id, login nonce) from a staff cookie younger than 12 hours."""
        if not cookie:
            return None
        try:
            value = self._staff.loads(cookie, max_age=STAFF_MAX_AGE)
        except BadSignature:
            return None
        if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int):
            return value[0], str(value[1])
        return None

    def one_time_login(self, account_id: int, nonce: str) -> str:
        return self._once.dumps([account_id, nonce])

    def check_one_time_login(self, token: str, max_age: int) -> tuple[int, str] | None:
        try:
            value = self._once.loads(token, max_age=max_age)
        except BadSignature:
            return None
        if isinstance(value, list) and len(value) == 2 and isinstance(value[0], int):
            return value[0], str(value[1])
        return None

    def screen_cookie(self, event_id: int, key: str) -> str:
        return self._screen.dumps([event_id, key])

    def screen_key(self, cookie: str | None, event_id: int) -> str | None:
        """The screen key a big screen's cookie carries for ``event_id``, or None."""
        if not cookie:
            return None
        try:
            value = self._screen.loads(cookie, max_age=SCREEN_MAX_AGE)
        except BadSignature:
            return None
        if isinstance(value, list) and len(value) == 2 and value[0] == event_id:
            return str(value[1])
        return None

    def form_token(self, csrf_token: str, bound_to: str) -> str:
        """The token a form carries: the browser's CSRF token, bound to who is logged in
        (``bound_to``), so a token seen before a login, or under another login, is no use."""
        if not bound_to:
            return csrf_token
        mac = hmac.new(self._form_key, f"{csrf_token}|{bound_to}".encode(), hashlib.sha256)
        return mac.hexdigest()[:40]

    def csrf_cookie(self, token: str) -> str:
        return self._csrf.dumps(token)

    def csrf_token(self, cookie: str | None) -> str | None:
        """The CSRF token in ``cookie``, or None when it is absent or fails its signature."""
        return self._csrf_token(cookie) if cookie else None

    def _check_csrf(self, cookie: str) -> str | None:
        try:
            value = self._csrf.loads(cookie)
        except BadSignature:
            return None
        return value if isinstance(value, str) else None


def check_csrf(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected, given or "")


class CSRFCookieMiddleware:
    """Gives every browser a signed random CSRF token in an HttpOnly cookie.

    Handlers compare the form field (or the X-CSRF-Token header htmx sends) with
    ``scope["state"]["csrf"]``; this middleware only issues and reads the cookie.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        # The signer comes from the lifespan state: the key may live in the database.
        app_state = scope["state"]["app"]
        signer: Signer = app_state.signer
        cookies = cookies_of(scope)
        token = signer.csrf_token(cookies.get(CSRF_COOKIE))
        is_new = token is None
        if token is None:
            token = secrets.token_urlsafe(24)
        scope.setdefault("state", {})["csrf"] = token
        if not is_new or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookie = cookie_header(
            CSRF_COOKIE,
            signer.csrf_cookie(token),
            secure_cookies(app_state.settings.cookie_secure, scope),
        )

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def secure_cookies(configured: bool, scope: Scope) -> bool:
    """Cookies are Secure when configured so, or when the request came over https: directly, or
    through a trusted proxy's X-Forwarded-Proto, which uvicorn puts in the scope."""
    return configured or scope.get("scheme") in ("https", "wss")


def cookie_header(name: str, value: str, secure: bool, max_age: int | None = None) -> str:
    parts = [f"{name}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def cookies_of(scope: Scope) -> dict[str, str]:
    """The request's cookies, parsed once however many middlewares ask (do not modify)."""
    cookies: dict[str, str] | None = scope.get(_COOKIES)
    if cookies is None:
        cookies = scope[_COOKIES] = _parse_cookies(scope)
    return cookies


_COOKIES = "assembly.cookies"


def _parse_cookies(scope: Scope) -> dict[str, str]:
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            return _parse_cookie_header(value)
    return {}


# A phone sends the same cookie header with every request, and SimpleCookie's parsing was 6% of
# a ballot's server time: the parsed header is remembered (shared, read-only, like the result of
# ``cookies_of``). A header is kept only while it is among the most recent few thousand.
@lru_cache(maxsize=4096)
def _parse_cookie_header(value: bytes) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(value.decode("latin-1"))
    except Exception:  # a malformed cookie header is the same as none
        return {}
    return {k: m.value for k, m in jar.items()}


def room_code(secret: str, period: int, now: float | None = None, back: int = 0) -> str:
    """The room code for the period containing ``now`` (``back`` periods earlier)."""
    index = int((time.time() if now is None else now) // period) - back
    digest = hmac.new(secret.encode(), str(index).encode(), hashlib.sha256).digest()
    n = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(ROOM_CODE_LENGTH):
        n, r = divmod(n, len(_ROOM_ALPHABET))
        chars.append(_ROOM_ALPHABET[r])
    return "".join(chars)


# How far back a code still counts as "expired" rather than "unknown": an hour of codes at the
# default period, long enough for a photo of the screen or a code read out before a break.
ROOM_CODE_EXPIRED_PERIODS = 12


def room_code_age(
    secret: str, period: int, code: str, now: float | None = None, within: int = 2
) -> int | None:
    """How many periods ago ``code`` was the room code (0: the current one), looking back
    ``within`` periods; None for a code that was not one then (a typo). Every period is
    compared, whatever matched: the same time for any code."""
    code = code.strip().upper()
    age = None
    for back in range(within):
        if hmac.compare_digest(room_code(secret, period, now, back), code) and age is None:
            age = back
    return age


def room_code_matches(secret: str, period: int, code: str, now: float | None = None) -> bool:
    """True for the current code and the one before it (a QR scanned just as it rotated)."""
    return room_code_age(secret, period, code, now) is not None


def room_code_expired(secret: str, period: int, code: str, now: float | None = None) -> bool:
    """True for a code that was valid in one of the last ``ROOM_CODE_EXPIRED_PERIODS`` periods
    but is not any more; False for a current one and for one that never was (a typo)."""
    age = room_code_age(secret, period, code, now, within=ROOM_CODE_EXPIRED_PERIODS + 2)
    return age is not None and age >= 2


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_urlsafe(16))


def verify_nobody(password: str) -> bool:
    """Spend what checking a real account's password costs, for a username that has none, so
    that the time a login takes does not tell whether the username exists. Always False."""
    verify_password(_dummy_hash(_hasher), password)
    return False


def new_password() -> str:
    return secrets.token_urlsafe(12)
