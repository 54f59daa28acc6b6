"""Who may use the admin API: the user, from their own machine, not a web page they happen to open.

Checked on the headers alone, before any body is read; each refusal is a 403 (415 for a body
that is not JSON) in the usual error body, and changes nothing.

* **A direct loopback caller.** The peer address must be loopback, and the request must not
  carry ``Forwarded``, ``X-Forwarded-For`` or ``X-Real-IP``: a request relayed by a proxy (or
  one that pretends to be) is not the user's own call, and a server that trusted those headers
  would have rewritten the peer address from them. The sandbox's uvicorn runs with
  ``proxy_headers=False`` as well, so the address is the socket's.
* **Addressed to loopback** (against DNS rebinding: a page whose own name now resolves to
  127.0.0.1 still sends that name): ``Host`` must be ``localhost`` or a loopback address
  (``127.0.0.1``, ``[::1]``), on the port the sandbox listens on.
* **Not from another origin.** An ``Origin`` header must be the sandbox's own (``http``, a
  loopback name, its port): a page on another site or on another local port is refused, and so
  is the ``null`` origin of files and sandboxed frames. ``Sec-Fetch-Site`` must be
  ``same-origin`` or ``none`` (typed by the user) when a browser sends it: ``same-site`` is
  refused too, as every ``localhost`` port is the same site.
* **JSON bodies only** on writes: a browser sends ``text/plain``, a form or multipart across
  origins without asking first (no CORS preflight), never ``application/json``. A write without
  a body may leave the content type out (``POST /advance``); one with a body may not.
"""

from __future__ import annotations

import ipaddress
from typing import Final

from starlette.requests import Request

from kalshikit.sandbox.gateway.http import ApiError

__all__ = ["admin_refusal", "check_json_body", "client_address"]

_PROXY_HEADERS: Final = ("forwarded", "x-forwarded-for", "x-real-ip")
_SAME_ORIGIN: Final = frozenset({"same-origin", "none"})
_DEFAULT_PORTS: Final = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_WRITES: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_JSON_TYPE: Final = "application/json"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def _shown(value: str) -> str:
    """A header value quoted in an error message, cut short: it is the caller's text."""
    return repr(value if len(value) <= 80 else value[:80] + "...")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    # A dual-stack socket reports an IPv4 peer as ::ffff:127.0.0.1.
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    return (mapped or address).is_loopback


def _authority(text: str) -> tuple[str, int | None] | None:
    """``host[:port]`` or ``[v6][:port]`` as (lower-case host, port or None); None if malformed."""
    if text.startswith("["):
        end = text.find("]")
        host, rest = (text[1:end], text[end + 1 :]) if end > 0 else ("", "x")
    else:
        host, colon, port = text.partition(":")
        rest = colon + port
    if not rest:
        return host.lower(), None
    digits = rest[1:]
    if not rest.startswith(":") or not (digits.isascii() and digits.isdigit()) or len(digits) > 5:
        return None
    return host.lower(), int(digits)


def _port(port: int | None, scheme: str) -> int | None:
    return port if port is not None else _DEFAULT_PORTS.get(scheme)


def admin_refusal(request: Request) -> ApiError | None:
    """Why this request may not use the admin API (None if it may)."""
    return _peer_refusal(request) or _host_refusal(request) or _origin_refusal(request)


def _peer_refusal(request: Request) -> ApiError | None:
    relayed = [name for name in _PROXY_HEADERS if name in request.headers]
    if relayed:
        return _forbidden(
            f"the sandbox admin API answers direct calls only; this one came through a proxy "
            f"(it carries {relayed[0]})"
        )
    if not _is_loopback(client_address(request)):
        return _forbidden("the sandbox admin API answers loopback callers only")
    return None


def _host_refusal(request: Request) -> ApiError | None:
    host = request.headers.get("host", "")
    parsed = _authority(host)
    if parsed is None or not _is_loopback(parsed[0]):
        return _forbidden(
            f"the sandbox admin API answers requests addressed to localhost, 127.0.0.1 or "
            f"[::1] only; Host was {_shown(host)}"
        )
    server = request.scope.get("server")
    listening = server[1] if server else None
    scheme = request.url.scheme
    if listening is not None and _port(parsed[1], scheme) != listening:
        return _forbidden(f"Host {_shown(host)} names another port than the sandbox's {listening}")
    return None


def _origin_refusal(request: Request) -> ApiError | None:
    origin = request.headers.get("origin")
    if origin is not None and not _own_origin(request, origin):
        return _forbidden(
            f"the sandbox admin API does not answer pages of another origin ({_shown(origin)})"
        )
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site.lower() not in _SAME_ORIGIN:
        return _forbidden(
            f"the sandbox admin API does not answer {_shown(fetch_site)} requests from a browser"
        )
    return None


def _own_origin(request: Request, origin: str) -> bool:
    """Whether ``origin`` is the sandbox itself: its scheme, a loopback name, the port the
    request was sent to (already checked to be the sandbox's)."""
    scheme, sep, rest = origin.partition("://")
    parsed = _authority(rest) if sep else None
    host = _authority(request.headers.get("host", ""))
    if parsed is None or host is None or scheme != request.url.scheme:
        return False
    return _is_loopback(parsed[0]) and _port(parsed[1], scheme) == _port(host[1], scheme)


def check_json_body(request: Request, body: bytes | None) -> None:
    """415 for a write whose body is not declared JSON. ``body`` None: not read yet (only a
    declared content type is checked); bytes: an undeclared body must be empty."""
    if request.method not in _WRITES:
        return
    declared = request.headers.get("content-type")
    if declared is None:
        if body:
            raise _not_json("a body with no Content-Type")
        return
    if declared.split(";", 1)[0].strip().lower() != _JSON_TYPE:
        raise _not_json(f"Content-Type {_shown(declared)}")


def _not_json(what: str) -> ApiError:
    return ApiError(
        415,
        "unsupported_media_type",
        f"admin writes take {_JSON_TYPE} bodies only, not {what}; send Content-Type: {_JSON_TYPE}",
    )
