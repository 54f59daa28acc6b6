"""The key an account is kept under: the user id for the primary, ``user#n`` for subaccount n.

Its own module because the renderers, the WebSocket feeds and the subaccounts mixin all read it,
and it must not pull in any of them.
"""

from __future__ import annotations

from typing import Final

__all__ = ["account_key", "owner_of", "split_key"]

_SEP: Final = "#"


def account_key(user_id: str, number: int) -> str:
    """The ``_accounts`` key of subaccount ``number`` of ``user_id`` (0: the user id itself)."""
    return user_id if number == 0 else f"{user_id}{_SEP}{number}"


def split_key(key: str) -> tuple[str, int]:
    """(user id, subaccount number) of an ``_accounts`` key."""
    user, sep, number = key.rpartition(_SEP)
    return (user, int(number)) if sep and number.isdigit() else (key, 0)


def owner_of(key: str) -> str:
    """The user an account key belongs to."""
    return split_key(key)[0]
