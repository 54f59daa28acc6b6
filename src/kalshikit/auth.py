"""Kalshi request signing: key loading, the Signer, an httpx Auth and the WebSocket headers.

No network I/O here; a key file is read only when ``load_private_key(path=...)`` is called.

Every authenticated request carries three headers (kalshi-rest.md 1.2)::

    KALSHI-ACCESS-KEY        the API key id
    KALSHI-ACCESS-TIMESTAMP  Unix time in milliseconds, as a decimal string
    KALSHI-ACCESS-SIGNATURE  base64 signature of  f"{timestamp}{METHOD}{path}"

``path`` is the URL path exactly as sent (``/trade-api/v2/...``, percent-encoded, no query), and
the body is not signed. RSA keys sign with RSA-PSS (SHA-256, MGF1-SHA-256, salt 32 bytes);
Ed25519 keys sign the same text. The WebSocket handshake signs ``GET/trade-api/ws/v2``.
Nothing here ever puts key material, a passphrase or a signature into a message or a repr.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import time
import warnings
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Final, Literal, TypeAlias
from urllib.parse import urlsplit

import httpx
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from kalshikit.errors import KeyLoadError, ValidationError

__all__ = [
    "HEADER_KEY",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "SIGNATURE_WINDOW_MS",
    "KalshiAuth",
    "KeyPermissionWarning",
    "KeyType",
    "PrivateKey",
    "PublicKey",
    "Signer",
    "generate_private_key",
    "load_private_key",
    "load_public_key",
    "private_key_to_pem",
    "public_key_pem",
    "short_key_id",
    "verify_signature",
]

PrivateKey: TypeAlias = RSAPrivateKey | Ed25519PrivateKey
PublicKey: TypeAlias = RSAPublicKey | Ed25519PublicKey
KeyType: TypeAlias = Literal["rsa", "ed25519"]

HEADER_KEY: Final = "KALSHI-ACCESS-KEY"
HEADER_TIMESTAMP: Final = "KALSHI-ACCESS-TIMESTAMP"
HEADER_SIGNATURE: Final = "KALSHI-ACCESS-SIGNATURE"

# How far a request's KALSHI-ACCESS-TIMESTAMP may be from the exchange's clock, either way,
# before the request is refused (401). Past it, a request that is still on its way can no longer
# be accepted, which is what makes "not found" final for a create whose outcome was unknown.
# Kalshi does not publish the number (kalshi-rest.md 1.2 and 6, "signature clock-skew window"),
# so it is an assumption, chosen wide on purpose: too wide only delays a resend, too narrow could
# place an order twice. The sandbox enforces exactly this; the order layer waits it out.
SIGNATURE_WINDOW_MS: Final = 60_000

# Salt length = digest length (32 bytes), as the official SDK signs; the sandbox verifies the same.
_PSS: Final = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
_RSA_BITS: Final = 2048
_PEM_LABEL: Final = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")
_PASSPHRASE_HINT: Final = "set KALSHI_PRIVATE_KEY_PASSPHRASE (or pass passphrase=...)"


class KeyPermissionWarning(UserWarning):
    """A private key file can be read by users other than its owner."""


def short_key_id(key_id: str) -> str:
    """A key id cut to its ends (``ab12…ef90``) for reprs and tables."""
    if len(key_id) > 8:
        return f"{key_id[:4]}…{key_id[-4:]}"
    return f"{key_id[:2]}…"


# --- loading keys ---------------------------------------------------------------------------


def load_private_key(
    *,
    path: str | Path | None = None,
    pem: str | bytes | None = None,
    passphrase: str | bytes | None = None,
    source: str | None = None,
) -> PrivateKey:
    """Load an RSA or Ed25519 private key from a PEM file, PEM text, or base64 of PEM text.

    ``source`` names where ``pem`` came from (say ``"KALSHI_DEMO_PRIVATE_KEY"``) so that an
    error can point at it. A passphrase is used only when the key is encrypted. Raises
    ``KeyLoadError`` with a message that says what is wrong and never shows the key.
    """
    if (path is None) == (pem is None):
        raise ValidationError("load_private_key needs exactly one of path= or pem=")
    if path is not None:
        key_file = Path(path).expanduser()
        where = f"private key file {key_file}"
        data = _read_key_file(key_file)
        _warn_if_exposed(key_file)
    else:
        assert pem is not None  # for mypy: exactly one of the two is set
        where = f"private key in {source}" if source else "private key text"
        data = pem.encode() if isinstance(pem, str) else pem
    return _parse_private_pem(_as_pem(data, where), passphrase, where)


def load_public_key(pem: str | bytes) -> PublicKey:
    """Load an RSA or Ed25519 public key (PEM, or base64 of PEM). Raises ``ValidationError``."""
    data = pem.encode() if isinstance(pem, str) else pem
    try:
        text = _as_pem(data, "public key")
    except KeyLoadError as exc:
        raise ValidationError(str(exc)) from None
    if b"PRIVATE KEY" in _pem_label(text):
        raise ValidationError("expected a public key but got a private key; send its public half")
    try:
        key = serialization.load_pem_public_key(text)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ValidationError("public key is not a valid PEM public key") from exc
    if not isinstance(key, RSAPublicKey | Ed25519PublicKey):
        raise ValidationError(f"unsupported public key type {_algorithm(key)}: use RSA or Ed25519")
    return key


def _read_key_file(key_file: Path) -> bytes:
    if not key_file.exists():
        raise KeyLoadError(f"private key file not found: {key_file}")
    if key_file.is_dir():
        raise KeyLoadError(f"private key path is a directory, not a file: {key_file}")
    try:
        return key_file.read_bytes()
    except PermissionError as exc:
        raise KeyLoadError(f"cannot read private key file {key_file}: permission denied") from exc
    except OSError as exc:
        raise KeyLoadError(f"cannot read private key file {key_file}: {exc.strerror}") from exc


def _warn_if_exposed(key_file: Path) -> None:
    # POSIX mode bits only; on Windows they say nothing about who can read the file.
    if os.name == "nt":
        return
    mode = key_file.stat().st_mode & 0o777
    if mode & 0o077:
        warnings.warn(
            KeyPermissionWarning(
                f"private key file {key_file} is readable by others (mode {mode:o}); "
                f"run: chmod 600 {key_file}"
            ),
            stacklevel=3,
        )


def _as_pem(data: bytes, where: str) -> bytes:
    """PEM bytes from PEM text or base64 of it (CI secrets are often stored that way)."""
    text = data.strip()
    if b"-----BEGIN" not in text:
        text = _decode_base64_pem(text, where)
    # A PEM pasted into one environment-variable line often carries literal "\n" sequences.
    if b"\n" not in text and b"\\n" in text:
        text = text.replace(b"\\n", b"\n")
    return text


def _decode_base64_pem(text: bytes, where: str) -> bytes:
    try:
        decoded = base64.b64decode(b"".join(text.split()), validate=True).strip()
    except (binascii.Error, ValueError):
        decoded = b""
    if not decoded.startswith(b"-----BEGIN"):
        raise KeyLoadError(
            f"{where} is not a PEM key: expected text that begins '-----BEGIN PRIVATE KEY-----' "
            "(or base64 of such text)"
        )
    return decoded


def _pem_label(pem: bytes) -> bytes:
    match = _PEM_LABEL.search(pem)
    return match.group(1) if match else b""


def _parse_private_pem(pem: bytes, passphrase: str | bytes | None, where: str) -> PrivateKey:
    _refuse_non_private(_pem_label(pem), where)
    encrypted = _is_encrypted(pem)
    if encrypted and not passphrase:
        raise KeyLoadError(f"{where} is encrypted: {_PASSPHRASE_HINT}")
    password = _as_bytes(passphrase) if encrypted else None
    try:
        key = serialization.load_pem_private_key(pem, password=password)
    except UnsupportedAlgorithm as exc:
        raise KeyLoadError(f"{where} uses an unsupported key type or cipher") from exc
    except (ValueError, TypeError) as exc:
        if encrypted:
            raise KeyLoadError(f"{where} could not be decrypted: wrong passphrase") from exc
        raise KeyLoadError(f"{where} is not a valid private key (damaged or truncated?)") from exc
    return _supported(key, where)


def _refuse_non_private(label: bytes, where: str) -> None:
    if b"PUBLIC KEY" in label:
        raise KeyLoadError(
            f"{where} holds a public key; signing needs the private key "
            "(the PEM that begins '-----BEGIN PRIVATE KEY-----' or 'RSA PRIVATE KEY')"
        )
    if b"CERTIFICATE" in label:
        raise KeyLoadError(f"{where} holds a certificate, not a private key")
    if label == b"OPENSSH PRIVATE KEY":
        raise KeyLoadError(
            f"{where} is in OpenSSH format; convert a copy to PKCS#8 PEM with "
            "`ssh-keygen -p -m PKCS8 -f COPY`"
        )


def _is_encrypted(pem: bytes) -> bool:
    # PKCS#8 says so in its label; traditional OpenSSL PEM in a Proc-Type header.
    return _pem_label(pem) == b"ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in pem


def _as_bytes(value: str | bytes | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


def _algorithm(key: object) -> str:
    return type(key).__name__.removeprefix("_").replace("PrivateKey", "").replace("PublicKey", "")


def _supported(key: object, where: str) -> PrivateKey:
    if isinstance(key, RSAPrivateKey | Ed25519PrivateKey):
        return key
    raise KeyLoadError(
        f"{where} is an unsupported key type ({_algorithm(key)}): Kalshi accepts RSA or Ed25519"
    )


# --- making keys (for the sandbox's keygen) ---------------------------------------------------


def generate_private_key(key_type: KeyType = "rsa") -> PrivateKey:
    """A new private key: RSA 2048-bit (Kalshi's default) or Ed25519."""
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=_RSA_BITS)
    if key_type == "ed25519":
        return Ed25519PrivateKey.generate()
    raise ValidationError(f"unknown key type {key_type!r}: choose 'rsa' or 'ed25519'")


def private_key_to_pem(key: PrivateKey, *, passphrase: str | bytes | None = None) -> str:
    """PKCS#8 PEM text of a private key, unencrypted unless a passphrase is given."""
    password = _as_bytes(passphrase)
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    ).decode("ascii")


def public_key_pem(private_key: PrivateKey) -> str:
    """The SubjectPublicKeyInfo PEM of a private key's public half (what Kalshi registers)."""
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


# --- signing and verifying --------------------------------------------------------------------


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _url_path(url_or_path: str) -> str:
    """The path part only: no scheme, host or query. Signed exactly as sent (still encoded)."""
    path = urlsplit(url_or_path).path
    if not path.startswith("/"):
        raise ValidationError(
            f"cannot sign {url_or_path!r}: pass the full URL or its absolute path "
            "(it must include /trade-api/v2)"
        )
    return path


class Signer:
    """Signs Kalshi requests with one API key (RSA-PSS or Ed25519)."""

    __slots__ = ("_key", "_key_id")

    def __init__(self, key_id: str, private_key: PrivateKey) -> None:
        if not key_id or not key_id.strip():
            raise ValidationError("an API key id is needed to sign requests")
        if not isinstance(private_key, RSAPrivateKey | Ed25519PrivateKey):
            raise ValidationError(
                f"unsupported key type {_algorithm(private_key)}: use RSA or Ed25519"
            )
        self._key_id = key_id.strip()
        self._key = private_key

    @property
    def key_id(self) -> str:
        return self._key_id

    @property
    def key_type(self) -> KeyType:
        return "rsa" if isinstance(self._key, RSAPrivateKey) else "ed25519"

    def public_key(self) -> PublicKey:
        return self._key.public_key()

    def message(self, timestamp_ms: int, method: str, path: str) -> bytes:
        """The exact bytes that get signed: ``f"{timestamp_ms}{METHOD}{path}"``."""
        if isinstance(timestamp_ms, bool) or not isinstance(timestamp_ms, int) or timestamp_ms < 0:
            raise ValidationError(f"timestamp_ms must be a non-negative int, got {timestamp_ms!r}")
        if not method.isalpha():
            raise ValidationError(f"not an HTTP method: {method!r}")
        return f"{timestamp_ms}{method.upper()}{_url_path(path)}".encode()

    def sign(self, timestamp_ms: int, method: str, path: str) -> str:
        """The base64 signature of :meth:`message`."""
        text = self.message(timestamp_ms, method, path)
        if isinstance(self._key, RSAPrivateKey):
            signature = self._key.sign(text, _PSS, hashes.SHA256())
        else:
            signature = self._key.sign(text)
        return base64.b64encode(signature).decode("ascii")

    def headers(
        self, method: str, url_or_path: str, *, now_ms: int | None = None
    ) -> dict[str, str]:
        """The three auth headers for one request, stamped ``now_ms`` (default: the clock now)."""
        timestamp = _now_ms() if now_ms is None else now_ms
        return {
            HEADER_KEY: self._key_id,
            HEADER_TIMESTAMP: str(timestamp),
            HEADER_SIGNATURE: self.sign(timestamp, method, url_or_path),
        }

    def ws_headers(self, ws_url: str, now_ms: int | None = None) -> dict[str, str]:
        """Headers for the WebSocket upgrade (signs ``GET`` + the URL path); re-sign per connect."""
        return self.headers("GET", ws_url, now_ms=now_ms)

    def __repr__(self) -> str:
        return f"Signer(key_id={short_key_id(self._key_id)!r}, key_type={self.key_type!r})"


def verify_signature(public_key: PublicKey, message: bytes, signature_b64: str) -> bool:
    """True when ``signature_b64`` is a valid signature of ``message`` by this key."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        if isinstance(public_key, RSAPublicKey):
            public_key.verify(signature, message, _PSS, hashes.SHA256())
        elif isinstance(public_key, Ed25519PublicKey):
            public_key.verify(signature, message)
        else:
            raise ValidationError(f"unsupported key type {_algorithm(public_key)}")
    except InvalidSignature:
        return False
    return True


class KalshiAuth(httpx.Auth):
    """httpx authentication that signs each attempt afresh (sync and async clients alike).

    The timestamp is taken when the request is about to go out, so a request sent again after a
    retry delay never carries a stale signature. ``clock`` (ms) is for tests.
    """

    requires_request_body = False
    requires_response_body = False

    def __init__(self, signer: Signer, *, clock: Callable[[], int] | None = None) -> None:
        self.signer = signer
        self._clock = clock or _now_ms

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        # raw_path is what goes on the wire (percent-encoded); the query is not signed.
        path = request.url.raw_path.split(b"?", 1)[0].decode("ascii")
        request.headers.update(self.signer.headers(request.method, path, now_ms=self._clock()))
        yield request

    def __repr__(self) -> str:
        return f"KalshiAuth({self.signer!r})"
