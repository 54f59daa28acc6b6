"""API keys and the account's API usage level. No I/O here.

Fields follow the SDK 3.34 models (``ApiKey``, ``GetApiKeysResponse``, ``CreateApiKeyRequest``
and ``...Response``, ``GenerateApiKeyRequest`` and ``...Response``,
``AccountApiUsageLevelVolumeGoal``, ``AccountApiUsageLevelVolumeProgress`` and
``GetAccountApiUsageLevelVolumeProgressResponse``). A generated private key is a secret: its
``repr`` says so instead of showing it.
"""

from __future__ import annotations

from typing import Final

from kalshikit.models.base import WireModel

__all__ = [
    "API_KEY_SCOPES",
    "API_KEY_TYPES",
    "ApiKey",
    "ApiKeysResponse",
    "CreateApiKeyRequest",
    "CreateApiKeyResponse",
    "GenerateApiKeyRequest",
    "GenerateApiKeyResponse",
    "VolumeGoal",
    "VolumeProgress",
    "VolumeProgressResponse",
]

# SDK 3.34 ``ApiKeyScope`` and ``ApiKeyType``
API_KEY_SCOPES: Final = (
    "read",
    "write",
    "read::block_trade_accept",
    "read::portfolio_balance",
    "write::trade",
    "write::transfer",
    "write::fcm_risk",
    "write::block_trade_accept",
)
API_KEY_TYPES: Final = ("rsa", "ed25519")


class ApiKey(WireModel, kw_only=True, frozen=True):
    """One API key of the user (never its key material): its id, name and scopes, and the
    sub-account or FCM subtrader it is bound to, if any."""

    api_key_id: str
    name: str
    scopes: list[str]
    subaccount: int | None = None
    fcm_subtrader_id: str | None = None


class ApiKeysResponse(WireModel, kw_only=True, frozen=True):
    """``GET /api_keys``: every key of the user (not paged)."""

    api_keys: list[ApiKey]
    api_key_region_expiration_ts: int | None = None


class CreateApiKeyRequest(WireModel, kw_only=True, frozen=True, omit_defaults=True):
    """``POST /api_keys``'s body: a name and your public key (PEM)."""

    name: str
    public_key: str
    scopes: list[str] | None = None
    subaccount: int | None = None
    fcm_subtrader_id: str | None = None


class CreateApiKeyResponse(WireModel, kw_only=True, frozen=True):
    """The id of the key just registered."""

    api_key_id: str
    warning: str | None = None


class GenerateApiKeyRequest(WireModel, kw_only=True, frozen=True, omit_defaults=True):
    """``POST /api_keys/generate``'s body: the exchange makes the key pair."""

    name: str
    key_type: str | None = None
    scopes: list[str] | None = None
    subaccount: int | None = None
    fcm_subtrader_id: str | None = None


class GenerateApiKeyResponse(WireModel, kw_only=True, frozen=True):
    """The generated key: its id and its private key (PEM), shown this once only."""

    api_key_id: str
    key_type: str | None = None
    private_key: str
    warning: str | None = None

    def __repr__(self) -> str:
        return (
            f"GenerateApiKeyResponse(api_key_id={self.api_key_id!r}, "
            f"key_type={self.key_type!r}, private_key=<secret>, warning={self.warning!r})"
        )


class VolumeGoal(WireModel, kw_only=True, frozen=True):
    """The trailing-30-day volume (contracts, 2 decimals) that earns and keeps ``level``."""

    level: str
    earn_volume_goal_fp: str
    keep_volume_goal_fp: str


class VolumeProgress(WireModel, kw_only=True, frozen=True):
    """The user's trailing-30-day traded volume at ``computed_ts`` (seconds) and the goals."""

    computed_ts: int
    trailing_30d_volume_fp: str
    goals: list[VolumeGoal]


class VolumeProgressResponse(WireModel, kw_only=True, frozen=True):
    """``GET /account/api_usage_level/volume_progress``."""

    volume_progress: list[VolumeProgress]
