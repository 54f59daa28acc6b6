"""Pagination of the exchange's listings: limits, opaque cursors, newest-first and in-order pages.

No I/O here. Every listing the exchange pages over is append-only (settlements), a ``Listing``
whose old entries may leave memory (trades, a user's fills and orders) or fixed (the catalog), so
a cursor is simply the number where the next page starts (a ``Listing``'s append number, else
the index), tagged with the listing it belongs to so a cursor from one listing (or one
``settlement_status``) is refused by another. Cursors are URL-safe base64 so they look as opaque
as the real ones.
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import TypeVar

from kalshikit.sandbox.exchange.errors import ExchangeError, bad_request
from kalshikit.sandbox.exchange.listing import Listing

__all__ = [
    "check_limit", "decode_cursor", "encode_cursor", "in_order", "newest_first",
    "newest_first_merged",
]  # fmt: skip

T = TypeVar("T")


def check_limit(limit: int, maximum: int) -> None:
    """Refuse a page size outside 1..maximum (the real API answers 400 too)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= maximum:
        raise bad_request(
            "invalid_parameters", f"limit must be an integer from 1 to {maximum}, got {limit!r}"
        )


def encode_cursor(listing: str, index: int) -> str:
    raw = f"{listing}:{index}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(listing: str, cursor: str | None) -> int | None:
    """The index a cursor points at; None for no cursor (the first page)."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        tag, _, index = base64.urlsafe_b64decode(padded.encode()).decode().rpartition(":")
        if tag == listing and index.isdigit():
            return int(index)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise _bad_cursor(cursor)


def _bad_cursor(cursor: str) -> ExchangeError:
    return bad_request(
        "invalid_parameters",
        f"cursor {cursor!r} does not belong to this listing; pass the cursor the previous page "
        "of the same query returned, or none for the first page",
    )


def newest_first(
    items: Sequence[T], listing: str, cursor: str | None, limit: int, keep: Callable[[T], bool]
) -> tuple[list[T], str]:
    """A page of ``items`` read from the end backwards, and the cursor of the next page ("")."""
    start = decode_cursor(listing, cursor)
    # numbered by append order, so entries dropped since the last page do not shift the cursor
    numbers: Sequence[int] = items.numbers if isinstance(items, Listing) else range(len(items))
    index = len(items) if start is None else bisect_left(numbers, start)
    page: list[T] = []
    while index > 0:
        index -= 1
        item = items[index]
        if keep(item):
            if len(page) == limit:
                # one more match exists, so there is a next page: it starts at this item
                return page, encode_cursor(listing, numbers[index] + 1)
            page.append(item)
    return page, ""


def in_order(
    items: Sequence[T], listing: str, cursor: str | None, limit: int, keep: Callable[[T], bool]
) -> tuple[list[T], str]:
    """A page of ``items`` read from the start forwards, and the cursor of the next page ("")."""
    index = decode_cursor(listing, cursor) or 0
    page: list[T] = []
    for position in range(index, len(items)):
        item = items[position]
        if keep(item):
            if len(page) == limit:
                return page, encode_cursor(listing, position)
            page.append(item)
    return page, ""


def newest_first_merged(
    listings: Sequence[Sequence[T]], stamp: Callable[[T], int], listing: str,
    cursor: str | None, limit: int, keep: Callable[[T], bool],
) -> tuple[list[T], str]:  # fmt: skip
    """``newest_first`` over several listings at once (a user's subaccounts), newest ``stamp``
    first. The cursor holds one position per listing, so each resumes where it stopped."""
    starts = _decode_positions(listing, cursor, len(listings))
    heads = [_head(items, start) for items, start in zip(listings, starts, strict=True)]
    page: list[T] = []
    while True:
        best = -1
        for i, items in enumerate(listings):
            while heads[i] > 0 and not keep(items[heads[i] - 1]):
                heads[i] -= 1
            if heads[i] == 0:
                continue
            if best < 0 or stamp(items[heads[i] - 1]) > stamp(listings[best][heads[best] - 1]):
                best = i
        if best < 0:
            return page, ""
        if len(page) == limit:
            positions = [
                _position(items, head) for items, head in zip(listings, heads, strict=True)
            ]
            return page, _encode_positions(listing, positions)
        heads[best] -= 1
        page.append(listings[best][heads[best]])


def _numbers(items: Sequence[T]) -> Sequence[int]:
    return items.numbers if isinstance(items, Listing) else range(len(items))


def _head(items: Sequence[T], start: int | None) -> int:
    return len(items) if start is None else bisect_left(_numbers(items), start)


def _position(items: Sequence[T], head: int) -> int:
    """The number ``_head`` turns back into ``head``."""
    numbers = _numbers(items)
    if head < len(items):
        return numbers[head]
    return numbers[-1] + 1 if len(items) else 0


def _encode_positions(listing: str, positions: Sequence[int]) -> str:
    raw = f"{listing}:{'.'.join(str(p) for p in positions)}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_positions(listing: str, cursor: str | None, count: int) -> list[int | None]:
    if not cursor:
        return [None] * count
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        tag, _, body = base64.urlsafe_b64decode(padded.encode()).decode().rpartition(":")
        parts = body.split(".")
        if tag == listing and len(parts) == count and all(p.isdigit() for p in parts):
            return [int(p) for p in parts]
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise _bad_cursor(cursor)
