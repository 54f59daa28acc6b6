"""The sandbox API's gatekeeping: signature checks, token-bucket rate limits and injected faults.

No exchange state and no HTTP framework here: the API layer hands in the header values, the raw
path and the caller's address, and gets back who is calling or an :class:`ApiError`.

* **Signatures** (kalshi-rest.md 1.2): ``KALSHI-ACCESS-SIGNATURE`` must verify
  ``timestamp_ms + METHOD + path`` (the raw path, ``/trade-api/v2`` included, no query) under the
  public key registered for ``KALSHI-ACCESS-KEY``, and the timestamp must be within the window of
  the server clock. Each failure is a 401 with its own code.
* **Rate limits** (5.4): per caller, one read and one write :class:`TokenBucket` of the caller's
  tier; a request spends ``ENDPOINT_COSTS.cost(name, items)`` from its endpoint's bucket or is
  refused at once with 429 (no waiting, no Retry-After, as the real API does).
* **Faults**: an admin can ask for the next N REST calls to fail with a status, or for the next N
  writes to act and then drop the connection, so clients can be tested against both; the
  WebSocket faults (drop, skip a seq, delay) plug in as ``Faults.ws``.

Nothing here logs or repeats a key or a signature.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from kalshikit.auth import (
    HEADER_KEY,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    SIGNATURE_WINDOW_MS,
    PublicKey,
    verify_signature,
)
from kalshikit.endpoints import Endpoint
from kalshikit.ratelimit import (
    ENDPOINT_COSTS,
    Budget,
    CostTooHigh,
    RateTier,
    TokenBucket,
    budget_for,
)
from kalshikit.sandbox.gateway.http import ApiError, bad_request
from kalshikit.sandbox.gateway.limits import MAX_TIMESTAMP_DIGITS

__all__ = ["Caller", "Faults", "Guard", "KeyDirectory"]

Clock = Callable[[], int]


class KeyDirectory(Protocol):
    """Who owns an API key id (the exchange answers this)."""

    def api_key_owner(self, key_id: str) -> tuple[str, PublicKey] | None: ...


@dataclass(frozen=True, slots=True)
class Caller:
    """Who made a request: a verified user, or (unsigned) a client address."""

    user_id: str | None
    address: str
    key_id: str | None = None  # the verified key (a key may be locked to one subaccount)

    @property
    def bucket_owner(self) -> str:
        # Users and addresses share one table of buckets; the prefixes keep them apart.
        return f"user:{self.user_id}" if self.user_id else f"ip:{self.address}"


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message)


_MISSING: Final = _unauthorized(
    "missing_authentication",
    f"this endpoint needs the {HEADER_KEY}, {HEADER_TIMESTAMP} and {HEADER_SIGNATURE} headers",
)


class Guard:
    """Authenticates requests and meters them. One per app; not thread-safe (one event loop)."""

    def __init__(
        self,
        keys: KeyDirectory,
        *,
        clock: Clock,
        tier: str = "basic",
        signature_window_ms: int = SIGNATURE_WINDOW_MS,
        limits_enabled: bool = True,
    ) -> None:
        self._keys = keys
        self._clock = clock
        self._default_budget = budget_for(tier)
        self._window_ms = signature_window_ms
        self.limits_enabled = limits_enabled
        self._user_budgets: dict[str, Budget] = {}
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        # Bucket time counts from the first reading: epoch seconds (~1.8e9) as floats lose the
        # last digits, so 0.1 s would refill 9.9999 tokens instead of 10.
        self._origin_ms = clock()

    # --- who is calling -----------------------------------------------------------------------

    def identify(
        self,
        endpoint: Endpoint,
        method: str,
        headers: Mapping[str, str],
        raw_path: str,
        address: str,
    ) -> Caller:
        """The caller of a request. Authenticated endpoints need a valid signature; public ones
        take an unsigned request as the client address, and a signed one as its signer (so it
        is metered as that user)."""
        if not any(h in headers for h in (HEADER_KEY, HEADER_TIMESTAMP, HEADER_SIGNATURE)):
            if endpoint.auth:
                raise _MISSING
            return Caller(None, address)
        user_id = self._verified_user(method, headers, raw_path)
        return Caller(user_id, address, headers.get(HEADER_KEY))

    def authenticate(self, method: str, headers: Mapping[str, str], raw_path: str) -> str:
        """The user who signed a request that must be signed (the WebSocket handshake signs
        ``GET`` and ``/trade-api/ws/v2``); a 401 ``ApiError`` otherwise."""
        return self._verified_user(method, headers, raw_path)

    def _verified_user(self, method: str, headers: Mapping[str, str], raw_path: str) -> str:
        key_id = headers.get(HEADER_KEY)
        stamp = headers.get(HEADER_TIMESTAMP)
        signature = headers.get(HEADER_SIGNATURE)
        if not key_id or not stamp or not signature:
            raise _MISSING
        timestamp = self._timestamp(stamp)
        owner = self._keys.api_key_owner(key_id)
        if owner is None:
            raise _unauthorized("unknown_api_key", "no API key with that id is registered")
        user_id, public_key = owner
        message = f"{timestamp}{method}{raw_path}".encode()
        if not verify_signature(public_key, message, signature):
            raise _unauthorized(
                "invalid_signature",
                "the signature does not verify: sign timestamp + METHOD + path "
                "(with /trade-api/v2, without the query) with RSA-PSS (salt 32) or Ed25519",
            )
        return user_id

    def _timestamp(self, stamp: str) -> int:
        # The length first: int() refuses (ValueError) a string of more than 4300 digits.
        if len(stamp) > MAX_TIMESTAMP_DIGITS or not (stamp.isascii() and stamp.isdigit()):
            raise _unauthorized(
                "invalid_timestamp", f"{HEADER_TIMESTAMP} must be Unix time in milliseconds"
            )
        timestamp = int(stamp)
        skew = timestamp - self._clock()
        if abs(skew) > self._window_ms:
            raise _unauthorized(
                "timestamp_out_of_window",
                f"{HEADER_TIMESTAMP} is {skew / 1000:+.1f}s from the server clock; "
                f"the window is +-{self._window_ms / 1000:g}s (check the system clock)",
            )
        return timestamp

    # --- rate limits --------------------------------------------------------------------------

    def set_tier(self, user_id: str, tier: str) -> None:
        """Give one user another tier's budget (their buckets start over, full)."""
        self._user_budgets[user_id] = budget_for(RateTier.parse(tier))
        for which in ("read", "write"):
            self._buckets.pop((f"user:{user_id}", which), None)

    def budget(self, user_id: str | None) -> Budget:
        if user_id is None:
            return self._default_budget
        return self._user_budgets.get(user_id, self._default_budget)

    def charge(self, caller: Caller, endpoint: Endpoint, items: int = 1) -> None:
        """Spend the request's cost from the caller's bucket, or refuse it with 429 at once."""
        if not self.limits_enabled:
            return
        bucket = self._bucket(caller, endpoint.bucket)
        cost = ENDPOINT_COSTS.cost(endpoint.name, items)
        try:
            wait = bucket.try_take(cost, (self._clock() - self._origin_ms) / 1000)
        except CostTooHigh:
            raise bad_request(
                f"this batch costs {cost} tokens, more than the {endpoint.bucket} bucket of "
                f"the {self.budget(caller.user_id).name} tier holds; send fewer orders"
            ) from None
        if wait > 0:
            raise ApiError(429, "too_many_requests", "too many requests")

    def _bucket(self, caller: Caller, which: Literal["read", "write"]) -> TokenBucket:
        key = (caller.bucket_owner, which)
        bucket = self._buckets.get(key)
        if bucket is None:
            spec = self.budget(caller.user_id).bucket(which)
            bucket = self._buckets[key] = TokenBucket(spec)
        return bucket


FaultKind = Literal["status", "drop_after_write"]


class WsFaultControl(Protocol):
    """The WebSocket faults (``sandbox._ws_faults.WsFaults``): acted on by the admin API."""

    def drop(self, connection_id: int | None = None, user_id: str | None = None) -> int: ...
    def skip_seq(
        self, count: int = 1, *, sid: int | None = None, connection_id: int | None = None
    ) -> None: ...
    def delay(self, delay_ms: int, count: int = 1, *, connection_id: int | None = None) -> None: ...
    def clear(self) -> None: ...
    def pending(self) -> dict[str, object]: ...
    def connections(self) -> list[dict[str, object]]: ...


@dataclass(slots=True)
class Faults:
    """Misbehaviour on request, counted down per call. Admin routes are never affected.

    ``ws`` (set by the app) holds the WebSocket faults: dropped connections, skipped sequence
    numbers, delayed frames."""

    status_count: int = 0
    status: int = 503
    drop_count: int = 0
    ws: WsFaultControl | None = None
    # The Retry-After header value sent with the injected status (seconds or an HTTP date).
    retry_after: str | None = None

    def arm(
        self, kind: FaultKind, count: int, status: int = 503, retry_after: str | None = None
    ) -> None:
        if kind == "status":
            self.status_count, self.status, self.retry_after = count, status, retry_after
        else:
            self.drop_count = count

    def clear(self) -> None:
        self.status_count = self.drop_count = 0
        self.retry_after = None
        if self.ws is not None:
            self.ws.clear()

    def take_status(self) -> int | None:
        """The status to answer this call with instead of serving it, if a fault is armed."""
        if self.status_count <= 0:
            return None
        self.status_count -= 1
        return self.status

    def take_drop(self) -> bool:
        """Whether to drop the connection after this write has acted."""
        if self.drop_count <= 0:
            return False
        self.drop_count -= 1
        return True

    def pending(self) -> dict[str, object]:
        pending: dict[str, object] = {
            "status_count": self.status_count,
            "status": self.status,
            "retry_after": self.retry_after,
            "drop_count": self.drop_count,
        }
        if self.ws is not None:
            pending |= self.ws.pending()
        return pending
