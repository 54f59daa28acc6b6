"""``client.api_keys``: your API keys: list, register your own public key, have the exchange
generate a key pair, delete.

``generate`` answers the private key once (PEM): keep it (``kalshi keys generate --out FILE``
writes it with mode 600); the exchange cannot show it again. Nothing here logs it, and the
answer's ``repr`` hides it. A deleted key is refused from its next request on.

Every method checks its arguments before anything is built (a ValidationError sends nothing):
a public key must load as an RSA or Ed25519 PEM, scopes are the SDK's (``write`` needs
``read``), a sub-account is 0 to 63 and excludes an FCM subtrader.
"""

from __future__ import annotations

from collections.abc import Sequence

from kalshikit.auth import load_public_key
from kalshikit.errors import ValidationError
from kalshikit.http._core import Call, PreparedRequest, prepare
from kalshikit.http.param_checks import in_range
from kalshikit.http.resources._base import AsyncResourceClient, ResourceClient
from kalshikit.models import (
    API_KEY_SCOPES,
    API_KEY_TYPES,
    ApiKeysResponse,
    CreateApiKeyRequest,
    CreateApiKeyResponse,
    GenerateApiKeyRequest,
    GenerateApiKeyResponse,
)

__all__ = ["ApiKeys", "AsyncApiKeys"]


def _name(name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError(f"name must be a non-empty string; got {name!r}")
    return name


def _scopes(scopes: Sequence[str] | None) -> list[str] | None:
    if scopes is None:
        return None
    chosen = [scopes] if isinstance(scopes, str) else list(scopes)
    unknown = [s for s in chosen if s not in API_KEY_SCOPES]
    if not chosen or unknown:
        raise ValidationError(
            f"scopes takes one or more of {', '.join(API_KEY_SCOPES)}; got {chosen!r}"
        )
    if "write" in chosen and "read" not in chosen:
        raise ValidationError("the write scope needs the read scope: add 'read'")
    return chosen


def _binding(subaccount: int | None, fcm_subtrader_id: str | None) -> None:
    in_range(subaccount, "subaccount", 0, 63)
    if fcm_subtrader_id is not None:
        if not isinstance(fcm_subtrader_id, str) or not fcm_subtrader_id:
            raise ValidationError(f"fcm_subtrader_id must be a string; got {fcm_subtrader_id!r}")
        if subaccount is not None:
            raise ValidationError("give subaccount or fcm_subtrader_id, not both")


def list_call(fcm_subtrader_id: str | None) -> Call[ApiKeysResponse, ApiKeysResponse]:
    if fcm_subtrader_id is not None and (
        not isinstance(fcm_subtrader_id, str) or not fcm_subtrader_id
    ):
        raise ValidationError(f"fcm_subtrader_id must be a string; got {fcm_subtrader_id!r}")
    req = prepare("api_keys.list", params={"fcm_subtrader_id": fcm_subtrader_id})
    return Call(req, ApiKeysResponse, lambda r: r)


def create_call(
    name: str,
    public_key: str,
    scopes: Sequence[str] | None,
    subaccount: int | None,
    fcm_subtrader_id: str | None,
) -> Call[CreateApiKeyResponse, CreateApiKeyResponse]:
    if not isinstance(public_key, str):
        raise ValidationError("public_key takes the PEM text of an RSA or Ed25519 public key")
    load_public_key(public_key)  # a key the exchange could not load is refused here
    _binding(subaccount, fcm_subtrader_id)
    body = CreateApiKeyRequest(
        name=_name(name),
        public_key=public_key,
        scopes=_scopes(scopes),
        subaccount=subaccount,
        fcm_subtrader_id=fcm_subtrader_id,
    )
    return Call(prepare("api_keys.create", body=body), CreateApiKeyResponse, lambda r: r)


def generate_call(
    name: str,
    key_type: str | None,
    scopes: Sequence[str] | None,
    subaccount: int | None,
    fcm_subtrader_id: str | None,
) -> Call[GenerateApiKeyResponse, GenerateApiKeyResponse]:
    if key_type is not None and key_type not in API_KEY_TYPES:
        raise ValidationError(
            f"key_type must be one of {', '.join(API_KEY_TYPES)}; got {key_type!r}"
        )
    _binding(subaccount, fcm_subtrader_id)
    body = GenerateApiKeyRequest(
        name=_name(name),
        key_type=key_type,
        scopes=_scopes(scopes),
        subaccount=subaccount,
        fcm_subtrader_id=fcm_subtrader_id,
    )
    return Call(prepare("api_keys.generate", body=body), GenerateApiKeyResponse, lambda r: r)


def delete_request(api_key_id: str) -> PreparedRequest:
    if not isinstance(api_key_id, str) or not api_key_id.strip():
        raise ValidationError(f"api_key_id must be a non-empty string; got {api_key_id!r}")
    return prepare("api_keys.delete", path={"api_key": api_key_id})


class ApiKeys:
    """``client.api_keys`` on the sync client (signed calls)."""

    def __init__(self, client: ResourceClient) -> None:
        self._client = client

    def list(self, *, fcm_subtrader_id: str | None = None) -> ApiKeysResponse:
        """Your API keys (ids, names, scopes; never key material)."""
        return self._client.call(list_call(fcm_subtrader_id))

    def create(
        self,
        name: str,
        public_key: str,
        *,
        scopes: Sequence[str] | None = None,
        subaccount: int | None = None,
        fcm_subtrader_id: str | None = None,
    ) -> CreateApiKeyResponse:
        """Register your own public key (PEM) as a new key; default scopes read and write."""
        return self._client.call(
            create_call(name, public_key, scopes, subaccount, fcm_subtrader_id)
        )

    def generate(
        self,
        name: str,
        *,
        key_type: str | None = None,
        scopes: Sequence[str] | None = None,
        subaccount: int | None = None,
        fcm_subtrader_id: str | None = None,
    ) -> GenerateApiKeyResponse:
        """A key pair made by the exchange (``rsa`` unless ``key_type="ed25519"``): the answer
        holds the private key, this once; store it safely."""
        return self._client.call(
            generate_call(name, key_type, scopes, subaccount, fcm_subtrader_id)
        )

    def delete(self, api_key_id: str) -> None:
        """Delete a key: it is refused from its next request on (204)."""
        self._client.send(delete_request(api_key_id))


class AsyncApiKeys:
    """``client.api_keys`` on the async client."""

    def __init__(self, client: AsyncResourceClient) -> None:
        self._client = client

    async def list(self, *, fcm_subtrader_id: str | None = None) -> ApiKeysResponse:
        return await self._client.call(list_call(fcm_subtrader_id))

    async def create(
        self,
        name: str,
        public_key: str,
        *,
        scopes: Sequence[str] | None = None,
        subaccount: int | None = None,
        fcm_subtrader_id: str | None = None,
    ) -> CreateApiKeyResponse:
        return await self._client.call(
            create_call(name, public_key, scopes, subaccount, fcm_subtrader_id)
        )

    async def generate(
        self,
        name: str,
        *,
        key_type: str | None = None,
        scopes: Sequence[str] | None = None,
        subaccount: int | None = None,
        fcm_subtrader_id: str | None = None,
    ) -> GenerateApiKeyResponse:
        return await self._client.call(
            generate_call(name, key_type, scopes, subaccount, fcm_subtrader_id)
        )

    async def delete(self, api_key_id: str) -> None:
        await self._client.send(delete_request(api_key_id))
