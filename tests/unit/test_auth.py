"""Key loading, signing, verification and the httpx Auth in kalshikit.auth (no network)."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import os
import warnings
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.x509.oid import NameOID

from kalshikit.auth import (
    HEADER_KEY,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    KalshiAuth,
    KeyPermissionWarning,
    PrivateKey,
    Signer,
    generate_private_key,
    load_private_key,
    load_public_key,
    private_key_to_pem,
    public_key_pem,
    verify_signature,
)
from kalshikit.errors import KeyLoadError, ValidationError

KEY_ID = "a1b2c3d4-0000-4000-8000-0123456789ef"
TS = 1703123456789
PASSPHRASE = "correct horse battery"


# --- fixtures -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def rsa_key() -> RSAPrivateKey:
    key = generate_private_key("rsa")
    assert isinstance(key, RSAPrivateKey)
    return key


@pytest.fixture(scope="session")
def ed_key() -> Ed25519PrivateKey:
    key = generate_private_key("ed25519")
    assert isinstance(key, Ed25519PrivateKey)
    return key


@pytest.fixture(scope="session")
def rsa_pem(rsa_key: RSAPrivateKey) -> str:
    return private_key_to_pem(rsa_key)


@pytest.fixture(params=["rsa", "ed25519"])
def any_key(request: pytest.FixtureRequest) -> PrivateKey:
    key: PrivateKey = request.getfixturevalue("rsa_key" if request.param == "rsa" else "ed_key")
    return key


def write_key(directory: Path, text: str | bytes, mode: int = 0o600, name: str = "k.pem") -> Path:
    path = directory / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    path.chmod(mode)  # explicit: the umask must not decide whether a warning fires
    return path


def body_of(pem: str) -> str:
    """A line from the middle of a PEM: key material that must never appear in a message."""
    lines = [line for line in pem.splitlines() if line and not line.startswith("-----")]
    return lines[len(lines) // 2]


def same_key(a: PrivateKey, b: PrivateKey) -> bool:
    return public_key_pem(a) == public_key_pem(b)


def load_raising(**kwargs: object) -> str:
    with pytest.raises(KeyLoadError) as caught:
        load_private_key(**kwargs)  # type: ignore[arg-type]
    return str(caught.value)


# --- loading: what works --------------------------------------------------------------------------


def test_loads_rsa_and_ed25519_from_a_file(tmp_path: Path, any_key: PrivateKey) -> None:
    path = write_key(tmp_path, private_key_to_pem(any_key))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a 0o600 file must not warn
        loaded = load_private_key(path=path)
    assert same_key(loaded, any_key)


def test_accepts_a_str_path_and_expands_home(
    tmp_path: Path, rsa_key: RSAPrivateKey, rsa_pem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_key(tmp_path, rsa_pem)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert same_key(load_private_key(path="~/k.pem"), rsa_key)


@pytest.mark.parametrize("as_bytes", [False, True])
def test_loads_pem_text(rsa_key: RSAPrivateKey, rsa_pem: str, as_bytes: bool) -> None:
    loaded = load_private_key(pem=rsa_pem.encode() if as_bytes else rsa_pem)
    assert same_key(loaded, rsa_key)


@pytest.mark.parametrize("wrap", [0, 64])
def test_loads_base64_of_pem(any_key: PrivateKey, wrap: int) -> None:
    encoded = base64.b64encode(private_key_to_pem(any_key).encode()).decode()
    if wrap:  # CI secret stores sometimes wrap long values
        encoded = "\n".join(encoded[i : i + wrap] for i in range(0, len(encoded), wrap))
    assert same_key(load_private_key(pem=encoded), any_key)


def test_loads_pem_with_literal_backslash_n(rsa_key: RSAPrivateKey, rsa_pem: str) -> None:
    one_line = rsa_pem.replace("\n", "\\n")
    assert same_key(load_private_key(pem=one_line), rsa_key)


def test_loads_traditional_rsa_pem(rsa_key: RSAPrivateKey) -> None:
    traditional = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    assert traditional.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    assert same_key(load_private_key(pem=traditional), rsa_key)


@pytest.mark.parametrize("traditional", [False, True])
def test_encrypted_key_loads_with_its_passphrase(
    tmp_path: Path, rsa_key: RSAPrivateKey, traditional: bool
) -> None:
    path = write_key(tmp_path, encrypted_pem(rsa_key, traditional))
    assert same_key(load_private_key(path=path, passphrase=PASSPHRASE), rsa_key)
    assert same_key(load_private_key(path=path, passphrase=PASSPHRASE.encode()), rsa_key)


def test_a_passphrase_is_ignored_for_an_unencrypted_key(
    rsa_key: RSAPrivateKey, rsa_pem: str
) -> None:
    # KALSHI_PRIVATE_KEY_PASSPHRASE may be set for another key; it must not break this one.
    assert same_key(load_private_key(pem=rsa_pem, passphrase="unused"), rsa_key)


# --- loading: each failure and its message --------------------------------------------------------


def encrypted_pem(key: PrivateKey, traditional: bool = False) -> bytes:
    fmt = serialization.PrivateFormat.TraditionalOpenSSL if traditional else None
    if fmt is None:
        return private_key_to_pem(key, passphrase=PASSPHRASE).encode()
    encryption = serialization.BestAvailableEncryption(PASSPHRASE.encode())
    return key.private_bytes(serialization.Encoding.PEM, fmt, encryption)


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "key.pem"
    message = load_raising(path=missing)
    assert "not found" in message
    assert str(missing) in message


def test_a_directory_is_not_a_key_file(tmp_path: Path) -> None:
    assert "directory" in load_raising(path=tmp_path)


def test_unreadable_file_says_permission_denied(
    tmp_path: Path, rsa_pem: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_key(tmp_path, rsa_pem)

    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    # Simulated: the tests may run as root, who can read a mode-000 file.
    monkeypatch.setattr(Path, "read_bytes", refuse)
    message = load_raising(path=path)
    assert "permission denied" in message
    assert str(path) in message


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="needs POSIX, non-root")
def test_unreadable_file_for_real(tmp_path: Path, rsa_pem: str) -> None:
    path = write_key(tmp_path, rsa_pem, mode=0o000)
    assert "permission denied" in load_raising(path=path)


def test_a_file_that_is_not_pem(tmp_path: Path) -> None:
    path = write_key(tmp_path, "hello, I am not a key\n")
    message = load_raising(path=path)
    assert "is not a PEM key" in message
    assert str(path) in message


def test_text_that_is_not_pem_nor_base64() -> None:
    assert "private key text is not a PEM key" in load_raising(pem="not a key at all")


def test_damaged_pem_is_not_a_valid_key(rsa_pem: str) -> None:
    lines = rsa_pem.splitlines()
    damaged = "\n".join([lines[0], *lines[1:4], lines[-1]])  # truncated body
    message = load_raising(pem=damaged, source="KALSHI_DEMO_PRIVATE_KEY")
    assert "private key in KALSHI_DEMO_PRIVATE_KEY is not a valid private key" in message
    assert body_of(damaged) not in message


@pytest.mark.parametrize("traditional", [False, True])
def test_encrypted_key_without_passphrase(
    tmp_path: Path, rsa_key: RSAPrivateKey, traditional: bool
) -> None:
    path = write_key(tmp_path, encrypted_pem(rsa_key, traditional))
    message = load_raising(path=path)
    assert "encrypted" in message
    assert "KALSHI_PRIVATE_KEY_PASSPHRASE" in message


@pytest.mark.parametrize("traditional", [False, True])
def test_encrypted_key_with_wrong_passphrase(rsa_key: RSAPrivateKey, traditional: bool) -> None:
    pem = encrypted_pem(rsa_key, traditional)
    message = load_raising(pem=pem, passphrase="wrong")
    assert "wrong passphrase" in message
    assert PASSPHRASE not in message


def test_public_key_where_a_private_one_is_needed(tmp_path: Path, rsa_key: RSAPrivateKey) -> None:
    path = write_key(tmp_path, public_key_pem(rsa_key))
    message = load_raising(path=path)
    assert "public key" in message
    assert "private key" in message


def test_unsupported_key_type_ec() -> None:
    ec_pem = private_key_to_pem(ec.generate_private_key(ec.SECP256R1()))  # type: ignore[arg-type]
    message = load_raising(pem=ec_pem)
    assert "unsupported key type (EC)" in message
    assert "RSA or Ed25519" in message
    assert body_of(ec_pem) not in message


def test_a_certificate_is_not_a_private_key(ed_key: Ed25519PrivateKey) -> None:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kalshikit test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(ed_key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(ed_key, None)
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    assert "certificate" in load_raising(pem=pem)


def test_openssh_format_says_how_to_convert(ed_key: Ed25519PrivateKey) -> None:
    pem = ed_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    message = load_raising(pem=pem)
    assert "OpenSSH" in message
    assert "PKCS8" in message


def test_no_failure_message_contains_key_material(rsa_key: RSAPrivateKey, rsa_pem: str) -> None:
    encrypted = encrypted_pem(rsa_key).decode()
    attempts: list[tuple[dict[str, object], str]] = [
        ({"pem": encrypted}, encrypted),
        ({"pem": encrypted, "passphrase": "nope"}, encrypted),
        ({"pem": public_key_pem(rsa_key)}, public_key_pem(rsa_key)),
        ({"pem": rsa_pem[:200] + rsa_pem[-30:]}, rsa_pem),
    ]
    for kwargs, pem in attempts:
        message = load_raising(**kwargs)
        assert body_of(pem) not in message
        assert "nope" not in message


@pytest.mark.parametrize(
    "kwargs", [{}, {"path": "x.pem", "pem": "-----BEGIN PRIVATE KEY-----"}], ids=["none", "both"]
)
def test_exactly_one_of_path_or_pem(kwargs: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        load_private_key(**kwargs)


# --- file permissions -----------------------------------------------------------------------------


@pytest.mark.skipif(os.name == "nt", reason="POSIX mode bits")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_warns_when_group_or_others_can_read(
    tmp_path: Path, rsa_key: RSAPrivateKey, rsa_pem: str, mode: int
) -> None:
    path = write_key(tmp_path, rsa_pem, mode=mode)
    with pytest.warns(KeyPermissionWarning, match="chmod 600") as record:
        loaded = load_private_key(path=path)
    assert same_key(loaded, rsa_key)
    assert str(path) in str(record[0].message)
    assert body_of(rsa_pem) not in str(record[0].message)


@pytest.mark.skipif(os.name == "nt", reason="POSIX mode bits")
@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_no_warning_for_owner_only(tmp_path: Path, rsa_pem: str, mode: int) -> None:
    path = write_key(tmp_path, rsa_pem, mode=mode)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_private_key(path=path)


# --- public keys and generation -------------------------------------------------------------------


def test_public_key_round_trip(any_key: PrivateKey) -> None:
    pem = public_key_pem(any_key)
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    public = load_public_key(pem)
    signer = Signer(KEY_ID, any_key)
    signature = signer.sign(TS, "GET", "/trade-api/v2/portfolio/balance")
    message = signer.message(TS, "GET", "/trade-api/v2/portfolio/balance")
    assert verify_signature(public, message, signature)
    assert load_public_key(base64.b64encode(pem.encode())) is not None


def test_load_public_key_refuses_a_private_key_and_garbage(rsa_pem: str) -> None:
    with pytest.raises(ValidationError, match="got a private key") as caught:
        load_public_key(rsa_pem)
    assert body_of(rsa_pem) not in str(caught.value)
    with pytest.raises(ValidationError):
        load_public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    with pytest.raises(ValidationError):
        load_public_key("no key here")


def test_generated_keys(rsa_key: RSAPrivateKey, ed_key: Ed25519PrivateKey) -> None:
    assert rsa_key.key_size == 2048
    assert private_key_to_pem(ed_key).startswith("-----BEGIN PRIVATE KEY-----")
    with pytest.raises(ValidationError, match="rsa"):
        generate_private_key("dsa")  # type: ignore[arg-type]


# --- signing --------------------------------------------------------------------------------------


@pytest.fixture
def rsa_signer(rsa_key: RSAPrivateKey) -> Signer:
    return Signer(KEY_ID, rsa_key)


def test_message_drops_scheme_host_and_query(rsa_signer: Signer) -> None:
    url = "https://x/trade-api/v2/portfolio/orders?limit=5"
    assert rsa_signer.message(TS, "GET", url) == b"1703123456789GET/trade-api/v2/portfolio/orders"
    path_only = rsa_signer.message(TS, "get", "/trade-api/v2/portfolio/orders?limit=5")
    assert path_only == b"1703123456789GET/trade-api/v2/portfolio/orders"


def test_message_for_a_post(rsa_signer: Signer) -> None:
    url = "https://external-api.demo.kalshi.co/trade-api/v2/portfolio/events/orders"
    expected = b"1703123456789POST/trade-api/v2/portfolio/events/orders"
    assert rsa_signer.message(TS, "post", url) == expected


def test_message_refuses_relative_paths_and_bad_input(rsa_signer: Signer) -> None:
    with pytest.raises(ValidationError, match="/trade-api/v2"):
        rsa_signer.message(TS, "GET", "portfolio/balance")
    with pytest.raises(ValidationError, match="timestamp_ms"):
        rsa_signer.message(1.5, "GET", "/trade-api/v2/x")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="HTTP method"):
        rsa_signer.message(TS, "GE T", "/trade-api/v2/x")


@pytest.mark.parametrize(
    "ws_url",
    [
        "wss://external-api-ws.kalshi.com/trade-api/ws/v2",
        "wss://api.elections.kalshi.com/trade-api/ws/v2?x=1",
        "ws://127.0.0.1:8470/trade-api/ws/v2",
    ],
)
def test_ws_headers_sign_the_handshake_path(any_key: PrivateKey, ws_url: str) -> None:
    signer = Signer(KEY_ID, any_key)
    headers = signer.ws_headers(ws_url, now_ms=TS)
    assert headers[HEADER_KEY] == KEY_ID
    assert headers[HEADER_TIMESTAMP] == str(TS)
    expected = b"1703123456789GET/trade-api/ws/v2"
    assert verify_signature(signer.public_key(), expected, headers[HEADER_SIGNATURE])


def test_signatures_verify_and_tampering_fails(any_key: PrivateKey) -> None:
    signer = Signer(KEY_ID, any_key)
    message = signer.message(TS, "DELETE", "/trade-api/v2/portfolio/orders/abc")
    signature = signer.sign(TS, "DELETE", "/trade-api/v2/portfolio/orders/abc")
    public = signer.public_key()
    assert verify_signature(public, message, signature)
    assert not verify_signature(public, message.replace(b"abc", b"abd"), signature)
    assert not verify_signature(public, b"1703123456790" + message[13:], signature)
    flipped = base64.b64encode(bytes([base64.b64decode(signature)[0] ^ 1]) + b"x" * 10).decode()
    assert not verify_signature(public, message, flipped)
    assert not verify_signature(public, message, "not base64!")


def test_rsa_uses_pss_sha256_with_a_32_byte_salt(
    rsa_signer: Signer, rsa_key: RSAPrivateKey
) -> None:
    signature = base64.b64decode(rsa_signer.sign(TS, "GET", "/trade-api/v2/exchange/status"))
    assert len(signature) == 256  # 2048-bit key
    message = b"1703123456789GET/trade-api/v2/exchange/status"
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    rsa_key.public_key().verify(signature, message, pss, hashes.SHA256())  # raises if not


def test_ed25519_signature_is_the_plain_ed25519_of_the_message(ed_key: Ed25519PrivateKey) -> None:
    signer = Signer(KEY_ID, ed_key)
    assert signer.key_type == "ed25519"
    signature = signer.sign(TS, "GET", "/trade-api/v2/portfolio/balance")
    expected = ed_key.sign(b"1703123456789GET/trade-api/v2/portfolio/balance")
    assert base64.b64decode(signature) == expected


def test_headers_use_the_clock_when_no_time_is_given(rsa_signer: Signer) -> None:
    before = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    headers = rsa_signer.headers("GET", "/trade-api/v2/portfolio/balance")
    after = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
    assert set(headers) == {HEADER_KEY, HEADER_TIMESTAMP, HEADER_SIGNATURE}
    assert before - 1 <= int(headers[HEADER_TIMESTAMP]) <= after + 1


def test_signer_repr_shows_short_id_and_type_only(rsa_signer: Signer, rsa_pem: str) -> None:
    assert repr(rsa_signer) == "Signer(key_id='a1b2…89ef', key_type='rsa')"
    assert KEY_ID not in repr(rsa_signer)
    assert body_of(rsa_pem) not in repr(rsa_signer)


def test_signer_needs_a_key_id_and_a_supported_key(rsa_key: RSAPrivateKey) -> None:
    with pytest.raises(ValidationError, match="key id"):
        Signer("  ", rsa_key)
    with pytest.raises(ValidationError, match="unsupported key type EC"):
        Signer(KEY_ID, ec.generate_private_key(ec.SECP256R1()))  # type: ignore[arg-type]


# --- KalshiAuth -----------------------------------------------------------------------------------


def ticking_clock(start: int = TS, step: int = 1500) -> Callable[[], int]:
    ticks = itertools.count(start, step)
    return lambda: next(ticks)


class Capture:
    """A MockTransport handler that keeps the auth headers of every attempt."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, str]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        auth = {name: request.headers[name] for name in (HEADER_KEY, HEADER_TIMESTAMP)}
        auth[HEADER_SIGNATURE] = request.headers[HEADER_SIGNATURE]
        self.seen.append((request.method, auth))
        return httpx.Response(503 if len(self.seen) == 1 else 200, json={})

    def check(self, signer: Signer, method: str, path: str) -> None:
        assert len(self.seen) == 2
        stamps = [headers[HEADER_TIMESTAMP] for _, headers in self.seen]
        assert stamps[0] != stamps[1]
        for _, headers in self.seen:
            message = f"{headers[HEADER_TIMESTAMP]}{method}{path}".encode()
            assert verify_signature(signer.public_key(), message, headers[HEADER_SIGNATURE])


ORDERS_URL = "https://x/trade-api/v2/portfolio/orders?limit=5"
ORDERS_PATH = "/trade-api/v2/portfolio/orders"


def test_auth_signs_each_attempt_afresh(rsa_signer: Signer) -> None:
    capture = Capture()
    auth = KalshiAuth(rsa_signer, clock=ticking_clock())
    with httpx.Client(transport=httpx.MockTransport(capture), auth=auth) as client:
        request = client.build_request("GET", ORDERS_URL)
        assert client.send(request).status_code == 503
        assert client.send(request).status_code == 200  # the retry of the same request
    capture.check(rsa_signer, "GET", ORDERS_PATH)


async def test_auth_works_with_the_async_client(ed_key: Ed25519PrivateKey) -> None:
    signer = Signer(KEY_ID, ed_key)
    capture = Capture()
    auth = KalshiAuth(signer, clock=ticking_clock())
    async with httpx.AsyncClient(transport=httpx.MockTransport(capture)) as client:
        request = client.build_request("POST", ORDERS_URL, json={"count": "1.00"})
        await client.send(request, auth=auth)
        await client.send(request, auth=auth)
    capture.check(signer, "POST", ORDERS_PATH)


def test_auth_signs_the_path_as_sent_percent_encoded(rsa_signer: Signer) -> None:
    capture = Capture()
    auth = KalshiAuth(rsa_signer, clock=ticking_clock())
    with httpx.Client(transport=httpx.MockTransport(capture), auth=auth) as client:
        client.get("https://x/trade-api/v2/markets/A B")
        client.get("https://x/trade-api/v2/markets/A B")
    capture.check(rsa_signer, "GET", "/trade-api/v2/markets/A%20B")


def test_auth_uses_the_real_clock_by_default(rsa_signer: Signer) -> None:
    capture = Capture()
    with httpx.Client(transport=httpx.MockTransport(capture), auth=KalshiAuth(rsa_signer)) as c:
        c.get(ORDERS_URL)
    stamp = int(capture.seen[0][1][HEADER_TIMESTAMP])
    assert abs(stamp - dt.datetime.now(dt.UTC).timestamp() * 1000) < 60_000


def test_no_repr_shows_headers_or_keys(rsa_signer: Signer) -> None:
    capture = Capture()
    auth = KalshiAuth(rsa_signer, clock=ticking_clock())
    with httpx.Client(transport=httpx.MockTransport(capture), auth=auth) as client:
        response = client.get(ORDERS_URL)
    signature = capture.seen[0][1][HEADER_SIGNATURE]
    for thing in (auth, rsa_signer, response, response.request):
        text = repr(thing) + str(thing)
        assert signature not in text
        assert KEY_ID not in text
        assert HEADER_SIGNATURE not in text
    assert repr(auth) == "KalshiAuth(Signer(key_id='a1b2…89ef', key_type='rsa'))"
