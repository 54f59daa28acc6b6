"""The user's own API keys and API usage level (``/api_keys``, ``/account/api_usage_level``).

No I/O here. ``create_api_key`` registers a public key with a name and scopes (the key pair of
``POST /api_keys/generate`` is made in the API layer, which hands the private key back once:
only its public half reaches the exchange, the journal and the snapshots). ``delete_api_key``
unregisters a key at once (its next signed request is refused) and tells the listeners, so the
WebSocket hub closes the connections it opened. ``upgrade_api_usage`` grants the permanent
Advanced level the SDK describes: at least 1 of the user's last 100 orders came through the API,
which in the sandbox is every order a user placed. ``volume_progress`` sums the user's fills of
the trailing 30 days against the sandbox's goals (Kalshi publishes none: see ``VOLUME_GOALS``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from kalshikit.models import API_KEY_SCOPES
from kalshikit.sandbox.exchange.admin import AdminMixin
from kalshikit.sandbox.exchange.errors import ExchangeError, bad_request, not_found
from kalshikit.sandbox.exchange.events import ApiKeyDeleted

if TYPE_CHECKING:
    from collections.abc import Callable

    from kalshikit.sandbox.catalog import Catalog
    from kalshikit.sandbox.exchange.retention import Retention

__all__ = ["DEFAULT_SCOPES", "VOLUME_GOALS", "ApiKeysMixin", "KeyInfo", "check_key_terms"]

DEFAULT_SCOPES: Final = ("read", "write")
MAX_KEY_NAME: Final = 200
# the sandbox's goals (level, earn, keep) in contracts over 30 days: Kalshi publishes no numbers
# (kalshi-rest.md 5.4), so these are the sandbox's own, for the tiers the rate limiter knows
VOLUME_GOALS: Final = (
    ("premier", 100_000, 50_000),
    ("paragon", 1_000_000, 500_000),
    ("prime", 10_000_000, 5_000_000),
)
_DAY_MS: Final = 86_400_000


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What ``GET /api_keys`` shows of one key (never its key material)."""

    key_id: str
    name: str
    scopes: tuple[str, ...]
    subaccount: int | None


def check_key_terms(name: str, scopes: Sequence[str] | None, subaccount: int | None) -> None:
    """The name, scopes and sub-account of a new key, as the SDK constrains them."""
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_KEY_NAME:
        raise bad_request("invalid_parameters", f"name must be 1 to {MAX_KEY_NAME} characters")
    if scopes is not None:
        unknown = [s for s in scopes if s not in API_KEY_SCOPES]
        if unknown or not scopes:
            raise bad_request(
                "invalid_parameters",
                f"scopes must be some of {', '.join(API_KEY_SCOPES)}; got {list(scopes)!r}",
            )
        if "write" in scopes and "read" not in scopes:
            raise bad_request("invalid_parameters", "the write scope needs the read scope too")
    if subaccount is not None and (
        isinstance(subaccount, bool) or not isinstance(subaccount, int) or not 0 <= subaccount <= 63
    ):
        raise bad_request("invalid_parameters", "subaccount must be 0 to 63")


class ApiKeysMixin(AdminMixin):
    """Key management and the API usage level, on top of ``add_api_key``."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        clock: Callable[[], int],
        seed: int = 0,
        retention: Retention | None = None,
    ) -> None:
        super().__init__(catalog, clock=clock, seed=seed, retention=retention)
        # key id -> [name, scopes, subaccount]: keys registered through the admin API before
        # keys had names have none (a blank name, the default scopes)
        self._key_terms: dict[str, list[object]] = {}
        self._usage_upgraded: set[str] = set()  # users granted the Advanced level

    # ------------------------------------------------------------------ reads

    def api_keys(self, user_id: str) -> list[KeyInfo]:
        """The user's keys, in the order they were registered."""
        self._account(user_id)
        return [self._key_info(k) for k, key in self._keys.items() if key.user_id == user_id]

    def _key_info(self, key_id: str) -> KeyInfo:
        name, scopes, subaccount = self._key_terms.get(key_id, ["", list(DEFAULT_SCOPES), None])
        assert isinstance(name, str)
        assert isinstance(scopes, list)
        assert subaccount is None or isinstance(subaccount, int)
        return KeyInfo(key_id, name, tuple(str(s) for s in scopes), subaccount)

    def key_subaccount(self, key_id: str | None) -> int | None:
        """The subaccount a key is locked to, else None (and None for no key)."""
        if key_id is None or key_id not in self._keys:
            return None
        return self._key_info(key_id).subaccount

    def usage_upgraded(self) -> list[str]:
        """The users granted the Advanced API usage level, sorted."""
        return sorted(self._usage_upgraded)

    def volume_progress(self, user_id: str) -> tuple[int, int]:
        """(epoch ms now, the user's traded centi-contracts over the trailing 30 days)."""
        account = self._account(user_id)
        now = self._clock()
        since = now - 30 * _DAY_MS
        archived = self._archive.fills.get(user_id, ())
        fills = [*archived, *account.fills]
        return now, sum(f.size for f in fills if f.ts_ms > since)

    # ------------------------------------------------------------------ writes

    def create_api_key(
        self,
        user_id: str,
        public_key_pem: str,
        *,
        name: str,
        scopes: Sequence[str] | None = None,
        subaccount: int | None = None,
        key_id: str | None = None,
    ) -> str:
        """Register ``public_key_pem`` for ``user_id`` as a named key; returns its id."""
        check_key_terms(name, scopes, subaccount)
        if subaccount:  # a key is locked to a subaccount that exists (it acts only there)
            self.subaccount_key(user_id, subaccount)
        key_id = self.add_api_key(user_id, public_key_pem, key_id=key_id)
        chosen = list(DEFAULT_SCOPES) if scopes is None else list(scopes)
        self._key_terms[key_id] = [name, chosen, subaccount]
        return key_id

    def delete_api_key(self, user_id: str, key_id: str) -> None:
        """Unregister one of the user's keys: refused from its next request on."""
        self._account(user_id)
        key = self._keys.get(key_id)
        if key is None or key.user_id != user_id:
            raise not_found("not_found", f"you have no API key {key_id!r}")
        self._commit_point()
        del self._keys[key_id]
        self._key_terms.pop(key_id, None)
        if self._listeners:
            self._emit(ApiKeyDeleted(user_id, key_id))

    def upgrade_api_usage(self, user_id: str) -> None:
        """Grant the permanent Advanced level: at least 1 of the user's last 100 orders came
        through the API (every order of a sandbox user does); else 403, nothing granted."""
        account = self._account(user_id)
        # any order counts: the last 100 hold one as soon as there is one, and each came
        # through the API
        if not len(account.orders) and not self._archive.orders.get(user_id):
            raise ExchangeError(
                403,
                "upgrade_criteria_not_met",
                "the Advanced level needs at least 1 of your last 100 orders placed through "
                "the API: place an order, then ask again",
            )
        self._commit_point()
        self._usage_upgraded.add(user_id)
