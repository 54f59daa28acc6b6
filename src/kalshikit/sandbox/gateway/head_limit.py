"""The sandbox's HTTP protocol under uvicorn: a request head (line and headers) of bounded size.

uvicorn's httptools protocol buffers a request head of any size (a 200 MB header cost the
process 380 MB before the app saw the request). Here a head past :data:`MAX_HEAD_BYTES` is
answered ``431`` in the usual error body and the connection is closed, reading no further.
:func:`uvicorn_http_options` gives the ``uvicorn.Config`` keywords: this protocol, or h11 (which
has a cap of its own) where httptools is missing.

Kalshi documents no header limit; 64 KiB is four times the 16 KiB many servers allow and far
above a signed request's few hundred bytes.
"""

from __future__ import annotations

import contextlib
from typing import Any, Final

from kalshikit.sandbox.gateway.http import encode

__all__ = ["MAX_HEAD_BYTES", "uvicorn_http_options"]

MAX_HEAD_BYTES: Final = 64 * 1024
_BODY: Final = encode(
    {
        "error": {
            "code": "request_header_fields_too_large",
            "message": f"the request line and headers are over {MAX_HEAD_BYTES // 1024} KiB",
        }
    }
)
_REFUSAL: Final = (
    b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
    b"content-type: application/json\r\n"
    b"content-length: " + str(len(_BODY)).encode() + b"\r\n"
    b"connection: close\r\n\r\n" + _BODY
)


def uvicorn_http_options() -> dict[str, Any]:
    """``uvicorn.Config`` keywords that cap the request head at :data:`MAX_HEAD_BYTES`."""
    protocol = _bounded_httptools_protocol()
    if protocol is None:
        return {"http": "h11", "h11_max_incomplete_event_size": MAX_HEAD_BYTES}
    return {"http": protocol}


def _bounded_httptools_protocol() -> type[Any] | None:
    with contextlib.suppress(ImportError):
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

        class BoundedHeadProtocol(HttpToolsProtocol):
            """Counts the bytes fed while a request head is incomplete.

            A chunk is counted when the head was already open before it and is still open
            after it. The chunk that opens a head is not counted (part of it may belong to the
            message before), so the cap can be overshot by one read (at most 256 KiB), never
            undershot: a legitimate head is never refused."""

            _in_head = False
            _head_bytes = 0

            def on_message_begin(self) -> None:
                super().on_message_begin()
                self._in_head, self._head_bytes = True, 0

            def on_headers_complete(self) -> None:
                self._in_head = False
                super().on_headers_complete()

            def data_received(self, data: bytes) -> None:
                was_open = self._in_head
                super().data_received(data)
                if not (was_open and self._in_head) or self.transport.is_closing():
                    return
                self._head_bytes += len(data)
                if self._head_bytes > MAX_HEAD_BYTES:
                    self.transport.write(_REFUSAL)
                    self.transport.close()

        return BoundedHeadProtocol
    return None
