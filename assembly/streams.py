"""Stream addresses, parsed at the edge: the one place a stream URL is checked and spelled.

An event's stream address ends up in two places a browser trusts: an iframe's ``src`` and the
``frame-src`` of the page's Content-Security-Policy. A raw address once went into the header as
typed, so ``https://a.example;frame-ancestors *`` added a directive of its own. Every address is
therefore refused unless it is https, with a proper host and nothing that could end a header
directive, and the frame origin is rebuilt from the parsed scheme, host and port only.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import quote, urlsplit

from assembly.domain import Refused

MAX_LENGTH = 500  # the column's length
_SAFE = "-._~:/?#[]@!$&()*+,=%'"  # kept as typed in a path or query (RFC 3986, and "%")

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")

_HOW = "Paste the stream's https address as your browser shows it, e.g. https://youtu.be/abc123."


def _refuse(what: str) -> Refused:
    return Refused(f"{what} {_HOW}", 422)


def _host(raw: str) -> str:
    """The host in one spelling (lower case, IDN as punycode), or a refusal."""
    if raw.startswith("["):
        try:
            return f"[{ipaddress.IPv6Address(raw[1:-1]).compressed}]"
        except ValueError:
            raise _refuse("The stream address has a broken IPv6 host.") from None
    try:
        return str(ipaddress.IPv4Address(raw))
    except ValueError:
        pass
    try:
        host = raw.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise _refuse("The stream address's host name is not a valid name.") from None
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise _refuse("The stream address's host name is not a valid name.")
    return host


def stream_url(raw: object) -> str:
    """An event's stream address, checked and in one spelling; "" for no stream.

    Raises ``Refused`` (422) with a sentence for anything that is not a plain https address.
    """
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        return ""
    if len(text) > MAX_LENGTH:
        raise _refuse(f"The stream address is longer than {MAX_LENGTH} characters.")
    if any(c.isspace() for c in text):
        raise _refuse("The stream address has a space or a line break in it.")
    if ";" in text:
        raise _refuse("The stream address has a “;” in it.")
    try:
        url = urlsplit(text)
        port = url.port
    except ValueError:
        raise _refuse("The stream address's port is not a number from 1 to 65535.") from None
    if url.scheme.lower() != "https":
        raise _refuse("The stream address must start with https://.")
    if "@" in url.netloc:
        raise _refuse("The stream address must not carry a user name or password.")
    if not url.hostname:
        raise _refuse("The stream address has no host name.")
    # The host as typed (urlsplit lower-cases it, and loses IPv6 brackets).
    typed = url.netloc.rsplit(":", 1)[0] if url.port is not None else url.netloc
    if typed.endswith(":"):
        typed = typed[:-1]
    host = _host(typed)
    if port == 0:
        raise _refuse("The stream address's port is not a number from 1 to 65535.")
    # Non-ASCII, quotes and brackets in the path or query become %-escapes, as a browser
    # sends them; existing escapes stay as they are.
    rest = quote(text[len(url.scheme) + 3 + len(url.netloc) :], safe=_SAFE)
    netloc = host if port in (None, 443) else f"{host}:{port}"
    return f"https://{netloc}{rest}"


def frame_origin(url: str) -> str:
    """The origin (``https://host[:port]``) a page may frame for ``url``, or "" when the
    address is not one ``stream_url`` accepts (such as a bad one stored before it checked)."""
    try:
        checked = stream_url(url)
    except Refused:
        return ""
    if not checked:
        return ""
    # Built from the checked host and port alone: no path, query or anything typed after them.
    return f"https://{urlsplit(checked).netloc}"
