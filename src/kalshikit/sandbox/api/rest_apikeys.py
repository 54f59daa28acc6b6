"""The sandbox's API-key and API-usage-level handlers (a mixin of ``RestHandlers``).

Keys are the signed user's own: listed, registered from a public key, generated, deleted, each
write through the writer (the store journals it). ``generate`` makes the key pair here and hands
the private key back in its answer, once: the exchange, the journal and the snapshots get only
the public key, and nothing logs either. A deleted key is refused from its next request on and
the WebSocket connections it opened are closed (1008). The upgrade grants the Advanced level
(the exchange checks the SDK's criterion) and raises the user's rate-limit tier to Advanced,
never lowering a higher one; a restart applies the recorded grants again (``apply_grants``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kalshikit.auth import generate_private_key, public_key_pem
from kalshikit.models import (
    API_KEY_TYPES,
    ApiKey,
    ApiKeysResponse,
    CreateApiKeyRequest,
    CreateApiKeyResponse,
    GenerateApiKeyRequest,
    GenerateApiKeyResponse,
    VolumeGoal,
    VolumeProgress,
    VolumeProgressResponse,
)
from kalshikit.ratelimit import RateTier
from kalshikit.sandbox.api._handler_kit import HandlerCtx
from kalshikit.sandbox.exchange import VOLUME_GOALS
from kalshikit.sandbox.gateway import bad_request, decode_body
from kalshikit.units import centi_to_fp

if TYPE_CHECKING:
    from kalshikit.sandbox.exchange import Exchange, ExchangeWriter
    from kalshikit.sandbox.gateway import Guard

__all__ = ["ApiKeyHandlers", "apply_grants"]

_GRANTED: Final = RateTier.ADVANCED
_TIERS: Final = list(RateTier)


class _BodyCtx(HandlerCtx, Protocol):
    @property
    def body(self) -> bytes: ...


def raise_tier(guard: Guard, user_id: str) -> None:
    """At least the Advanced tier for ``user_id`` (a higher or custom one stays)."""
    try:
        current = RateTier.parse(guard.budget(user_id).name)
    except ValueError:  # a custom budget: the operator's choice stands
        return
    if _TIERS.index(current) < _TIERS.index(_GRANTED):
        guard.set_tier(user_id, _GRANTED.value)


def apply_grants(exchange: Exchange, guard: Guard) -> None:
    """The recorded upgrades, on a guard just built (the tiers are not journaled, grants are)."""
    for user_id in exchange.usage_upgraded():
        raise_tier(guard, user_id)


def _private_pem(key_type: str) -> tuple[str, str]:
    """A new key pair: (private PEM as the SDK describes it, public PEM)."""
    key = generate_private_key("rsa" if key_type == "rsa" else "ed25519")
    # PKCS#1 for rsa, PKCS#8 for ed25519 (SDK 3.34 GenerateApiKeyResponse.private_key)
    layout = (
        serialization.PrivateFormat.TraditionalOpenSSL
        if isinstance(key, rsa.RSAPrivateKey)
        else serialization.PrivateFormat.PKCS8
    )
    private = key.private_bytes(serialization.Encoding.PEM, layout, serialization.NoEncryption())
    return private.decode("ascii"), public_key_pem(key)


class ApiKeyHandlers:
    """Handlers named after their endpoints (``api_keys.list`` -> ``api_keys_list``)."""

    ex: Exchange
    writer: ExchangeWriter
    guard: Guard

    def api_keys_list(self, c: HandlerCtx) -> object:
        if c.query.text("fcm_subtrader_id") is not None:
            return ApiKeysResponse(api_keys=[])  # no key is bound to a subtrader here
        keys = [
            ApiKey(api_key_id=k.key_id, name=k.name, scopes=list(k.scopes), subaccount=k.subaccount)
            for k in self.ex.api_keys(c.user)
        ]
        return ApiKeysResponse(api_keys=keys)

    def api_keys_create(self, c: _BodyCtx) -> object:
        req = decode_body(c.body, CreateApiKeyRequest)
        _no_subtrader(req.fcm_subtrader_id)
        key_id = self.writer.create_api_key(
            c.user, req.public_key, name=req.name, scopes=req.scopes, subaccount=req.subaccount
        )
        return CreateApiKeyResponse(api_key_id=key_id)

    def api_keys_generate(self, c: _BodyCtx) -> object:
        req = decode_body(c.body, GenerateApiKeyRequest)
        _no_subtrader(req.fcm_subtrader_id)
        key_type = req.key_type or "rsa"
        if key_type not in API_KEY_TYPES:
            raise bad_request(f"key_type must be one of {', '.join(API_KEY_TYPES)}", "key_type")
        private, public = _private_pem(key_type)
        key_id = self.writer.create_api_key(
            c.user, public, name=req.name, scopes=req.scopes, subaccount=req.subaccount
        )
        return GenerateApiKeyResponse(api_key_id=key_id, key_type=key_type, private_key=private)

    def api_keys_delete(self, c: HandlerCtx) -> object:
        self.writer.delete_api_key(c.user, c.path["api_key"])
        return None

    def account_volume_progress(self, c: HandlerCtx) -> object:
        now_ms, traded = self.ex.volume_progress(c.user)
        goals = [
            VolumeGoal(
                level=level,
                earn_volume_goal_fp=centi_to_fp(earn * 100),
                keep_volume_goal_fp=centi_to_fp(keep * 100),
            )
            for level, earn, keep in VOLUME_GOALS
        ]
        progress = VolumeProgress(
            computed_ts=now_ms // 1000, trailing_30d_volume_fp=centi_to_fp(traded), goals=goals
        )
        return VolumeProgressResponse(volume_progress=[progress])

    def account_upgrade_usage_level(self, c: HandlerCtx) -> object:
        self.writer.upgrade_api_usage(c.user)
        raise_tier(self.guard, c.user)
        return {}


def _no_subtrader(fcm_subtrader_id: str | None) -> None:
    if fcm_subtrader_id is not None:
        raise bad_request("the sandbox has no FCM subtraders to bind a key to", "fcm_subtrader_id")
