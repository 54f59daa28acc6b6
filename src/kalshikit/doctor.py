"""The checks behind `kalshi doctor`: does this environment work, from settings to a signed stream?

Each check is a small function that returns a :class:`Check` (ok, warn, fail or skipped, with the
fix in words). :func:`run_doctor` runs them in order; a check whose prerequisite did not pass is
reported as skipped, naming the one it waited for. No exception escapes: each becomes a fail line.

I/O happens only in :class:`Probe` (DNS, TCP/TLS, the ``Date`` header, the WebSocket subscribe)
and in the REST calls the checks make through :class:`KalshiClient`. Every wait is short
(``timeout`` seconds, a few by default) so a machine with no network gets its answer quickly.
Nothing here prints key material, a signature or a whole key id.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import os
import socket
import ssl
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Final, Literal, TypeVar
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from kalshikit.auth import KeyPermissionWarning, PublicKey, Signer
from kalshikit.config import DEFAULT_URLS, LEGACY_URLS, APIConfig, Environment
from kalshikit.errors import (
    APIConnectionError,
    APIError,
    CommandRefused,
    ConfigError,
    Forbidden,
    KalshiError,
    Unauthorized,
)
from kalshikit.http.client import KalshiClient
from kalshikit.ratelimit import is_auto
from kalshikit.ws import KalshiWebSocket, open_websocket

__all__ = [
    "MAX_SKEW_S",
    "WARN_SKEW_S",
    "Check",
    "Probe",
    "Status",
    "exit_code",
    "judge_skew",
    "judge_tier",
    "run_doctor",
    "summary",
]

Status = Literal["ok", "warn", "fail", "skipped"]
T = TypeVar("T")

WARN_SKEW_S: Final = 5.0
MAX_SKEW_S: Final = 30.0  # the exchange refuses signatures stamped further from its clock
DEFAULT_TIMEOUT_S: Final = 3.0
_CLOCK_FIX: Final = (
    "sync this machine's clock (turn on NTP, e.g. `sudo timedatectl set-ntp true`); "
    f"signatures more than {MAX_SKEW_S:g} s off are refused"
)
_REPORT_FIX: Final = "unexpected failure: run again, and report it with this line if it persists"


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the checklist. ``fix`` says what to do when the status is warn or fail."""

    check: str
    status: Status
    detail: str
    fix: str = ""

    @property
    def passed(self) -> bool:
        return self.status in ("ok", "warn")

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "status": self.status, "detail": self.detail, "fix": self.fix}


# --- pure judgements ------------------------------------------------------------------------


def judge_skew(skew_s: float) -> Check:
    """Local clock against the exchange's (``skew_s`` = exchange minus local, in seconds)."""
    direction = "behind" if skew_s > 0 else "ahead of"
    size = abs(skew_s)
    if size <= WARN_SKEW_S:
        return Check("clock", "ok", f"local clock within {size:.1f} s of the exchange's")
    detail = f"local clock is {size:.1f} s {direction} the exchange's"
    return Check("clock", "warn" if size <= MAX_SKEW_S else "fail", detail, _CLOCK_FIX)


def judge_tier(configured: str | None, granted: str, read: int, write: int) -> Check:
    """The tier the exchange grants, warned about when the configured one differs."""
    detail = f"{granted} (read {read} tokens/s, write {write} tokens/s)"
    if configured is None or is_auto(configured) or configured.strip().lower() == granted.lower():
        return Check("tier", "ok", detail)
    fix = f"set KALSHI_RATE_TIER={granted} (or auto) so requests are paced to what you have"
    return Check("tier", "warn", f"{detail}; configured as {configured}", fix)


def exit_code(checks: Iterable[Check]) -> int:
    """0 when nothing failed (warnings allowed), else 1."""
    return 1 if any(check.status == "fail" for check in checks) else 0


def summary(checks: Sequence[Check]) -> str:
    """``all 11 checks passed`` or ``2 failed, 1 warning, 4 skipped`` (zero counts left out)."""
    counts: Counter[str] = Counter(check.status for check in checks)
    if counts["ok"] == len(checks):
        return f"all {len(checks)} checks passed"
    named = (("fail", "failed"), ("warn", "warning" if counts["warn"] == 1 else "warnings"))
    parts = [f"{counts[status]} {word}" for status, word in (*named, ("skipped", "skipped"))]
    return ", ".join(part for part in parts if not part.startswith("0 "))


def key_id_prefix(key_id: str) -> str:
    """The first four characters of a key id: enough to tell keys apart, not to use one."""
    return f"{key_id[:4]}…"


def key_kind(public_key: PublicKey) -> str:
    if isinstance(public_key, RSAPublicKey):
        return f"RSA {public_key.key_size}-bit"
    return "Ed25519"


def exposed_mode(mode: int) -> bool:
    """Whether a key file's mode lets users other than its owner read or change it."""
    return os.name != "nt" and bool(mode & 0o077)


def other_environment(env: Environment, url: str) -> Environment | None:
    """The environment a URL's host belongs to, when it is a known host of another one."""
    host = urlsplit(url).hostname
    for table in (DEFAULT_URLS, LEGACY_URLS):
        for owner, urls in table.items():
            hosts = {urlsplit(urls.rest).hostname, urlsplit(urls.ws).hostname}
            # the loopback tools (sandbox, paper) share a host: only real exchanges count
            loopback = owner in (Environment.LOCAL, Environment.PAPER)
            if owner is not env and not loopback and host in hosts:
                return owner
    return None


def credentials_fix(env: Environment) -> str:
    if env is Environment.LOCAL:
        return "run `kalshi sandbox keygen` and the two `export KALSHI_LOCAL_...` lines it prints"
    if env is Environment.PAPER:
        return "run `kalshi paper start` (its default key), or set KALSHI_PAPER_API_KEY_ID (any id)"
    site = "demo.kalshi.co" if env is Environment.DEMO else "kalshi.com"
    prefix = env.var_prefix
    return (
        f"make an API key on {site} (Account & security > API keys), then set "
        f"{prefix}API_KEY_ID and {prefix}PRIVATE_KEY_PATH (or {prefix}PRIVATE_KEY)"
    )


def _from(source: str) -> str:
    plain = source in ("default", "argument") or source.startswith("derived from")
    return source if plain else f"from {source}"


# --- I/O ------------------------------------------------------------------------------------


def _in_thread(work: Callable[[], T], timeout: float, what: str) -> T:
    """Run blocking work (a DNS lookup has no timeout of its own) and give up after ``timeout``."""
    box: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            box.append(work())
        except BaseException as exc:  # handed to the caller below
            errors.append(exc)

    thread = threading.Thread(target=target, name=f"kalshi-doctor-{what}", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"{what}: no answer within {timeout:g} s")
    if errors:
        raise errors[0]
    return box[0]


@dataclass(frozen=True)
class Probe:
    """The network steps that do not go through KalshiClient, each bounded by ``timeout``."""

    timeout: float = DEFAULT_TIMEOUT_S

    def resolve(self, host: str, port: int) -> list[str]:
        """The addresses of ``host``, in the order the resolver gave them."""
        found = _in_thread(
            lambda: socket.getaddrinfo(host, port, type=socket.SOCK_STREAM), self.timeout, "DNS"
        )
        return list(dict.fromkeys(str(info[4][0]) for info in found))

    def connect(self, host: str, address: str, port: int, tls: bool) -> str:
        """Open TCP (and TLS, checking the certificate for ``host``); what was negotiated."""
        with socket.create_connection((address, port), timeout=self.timeout) as sock:
            if not tls:
                return "TCP"
            context = ssl.create_default_context()
            with context.wrap_socket(sock, server_hostname=host) as secure:
                return f"TCP + {secure.version() or 'TLS'}"

    def server_date(self, url: str) -> tuple[float, str | None]:
        """GET ``url``: the local time halfway through, and the answer's ``Date`` header."""
        before = time.time()
        response = httpx.get(url, timeout=self.timeout)
        return (before + time.time()) / 2, response.headers.get("date")

    def subscribe(self, config: APIConfig, signer: Signer, ticker: str) -> None:
        """Open the stream with the library's own client (signed handshake) and subscribe to one
        ticker: what a user's program will do, so a pass here means streaming works."""
        asyncio.run(self._subscribe(config, signer, ticker))

    async def _subscribe(self, config: APIConfig, signer: Signer, ticker: str) -> None:
        connector = open_websocket(dead_after_s=30.0, open_timeout_s=self.timeout)
        async with asyncio.timeout(self.timeout):
            async with KalshiWebSocket(
                config=config, signer=signer, connector=connector, command_timeout_s=self.timeout
            ) as ws:
                await ws.ticker([ticker], iterate=False)


# --- the run --------------------------------------------------------------------------------


@dataclass
class _Run:
    """What the checks learn as they go (the config, the key, an address, a ticker)."""

    load: Callable[[], APIConfig]
    probe: Probe
    config_: APIConfig | None = None
    signer_: Signer | None = None
    address: str | None = None
    ticker: str | None = None
    clients: dict[str, KalshiClient] = field(default_factory=dict)

    @property
    def config(self) -> APIConfig:
        assert self.config_ is not None  # the runner checks prerequisites first
        return self.config_

    @property
    def signer(self) -> Signer:
        assert self.signer_ is not None
        return self.signer_

    @property
    def host(self) -> str:
        return urlsplit(self.config.rest_url).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.config.rest_url)
        return parts.port or (443 if parts.scheme == "https" else 80)

    def client(self, *, signed: bool) -> KalshiClient:
        """A client with short timeouts and no retries (one signed, one with no key at all)."""
        name = "signed" if signed else "public"
        if name not in self.clients:
            config = self.config if signed else _without_key(self.config)
            if is_auto(config.rate_tier):  # the tier is a check of its own here
                config = dataclasses.replace(config, rate_tier=None)
            with _quiet_key_permissions():  # reported once, by the key check
                self.clients[name] = KalshiClient(
                    config=config, timeout=self.probe.timeout, max_retries=0
                )
        return self.clients[name]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


@contextmanager
def _quiet_key_permissions() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KeyPermissionWarning)
        yield


def _without_key(config: APIConfig) -> APIConfig:
    return dataclasses.replace(
        config,
        api_key_id=None,
        private_key_path=None,
        private_key_pem=None,
        private_key_passphrase=None,
    )


# --- the checks -----------------------------------------------------------------------------


def _check_config(run: _Run) -> Check:
    try:
        run.config_ = run.load()
    except (KalshiError, OSError, RuntimeError) as exc:
        fix = "fix the setting named above (`kalshi config show` lists each one and its source)"
        return Check("config", "fail", str(exc), fix)
    env, source = run.config.environment.value, run.config.sources.get("environment", "argument")
    return Check("config", "ok", f"environment {env} ({_from(source)})")


def _check_url(run: _Run, name: str, url: str) -> Check:
    config = run.config
    detail = f"{url} ({_from(config.sources.get(name, 'argument'))})"
    owner = other_environment(config.environment, url)
    if owner is None:
        return Check(name, "ok", detail)
    fix = (
        f"unset KALSHI_API_URL / KALSHI_WS_URL, or run with --env {owner.value} "
        "(demo and prod keys are separate)"
    )
    return Check(name, "fail", f"{detail} is a {owner.value} host, not {config.environment}", fix)


def _check_rest_url(run: _Run) -> Check:
    return _check_url(run, "rest_url", run.config.rest_url)


def _check_ws_url(run: _Run) -> Check:
    return _check_url(run, "ws_url", run.config.ws_url)


def _check_key(run: _Run) -> Check:
    config = run.config
    try:
        with _quiet_key_permissions():  # judged below, as a warn line with the fix
            run.signer_ = config.signer()
    except ConfigError as exc:
        if not config.has_credentials:  # the message names the variables; so does the fix
            detail = str(exc).split(": set ", 1)[0]
            return Check("key", "fail", detail, credentials_fix(config.environment))
        # KeyLoadError says what is wrong with the key, never its content.
        source = config.sources.get("private_key")
        fix = f"point {source} at the private key saved when the API key was made"
        return Check("key", "fail", str(exc), fix)
    return _key_line(config, run.signer)


def _key_line(config: APIConfig, signer: Signer) -> Check:
    kind = key_kind(signer.public_key())
    id_text = f"key id {key_id_prefix(signer.key_id)} ({_from(config.sources['api_key_id'])})"
    path = config.private_key_path
    if path is None:
        where = f"PEM text ({_from(config.sources.get('private_key', 'argument'))})"
        return Check("key", "ok", f"{kind} key from {where}; {id_text}")
    mode = Path(path).stat().st_mode & 0o777
    detail = f"{kind} key from file {path} (mode {mode:o}); {id_text}"
    if exposed_mode(mode):
        return Check("key", "warn", f"{detail}: others can read it", f"run: chmod 600 {path}")
    return Check("key", "ok", detail)


def _check_dns(run: _Run) -> Check:
    host = run.host
    try:
        run.address = str(ipaddress.ip_address(host))
        return Check("dns", "ok", f"{host} is an IP address: nothing to resolve")
    except ValueError:
        pass
    try:
        addresses = run.probe.resolve(host, run.port)
    except OSError as exc:  # socket.gaierror and TimeoutError are OSErrors
        fix = f"check the network connection and DNS, and the host in {run.config.rest_url}"
        return Check(
            "dns", "fail", f"cannot resolve {host}: {_reason(exc, run.probe.timeout)}", fix
        )
    run.address = addresses[0]
    return Check("dns", "ok", f"{host} -> {', '.join(addresses[:3])}")


def _check_connect(run: _Run) -> Check:
    tls = urlsplit(run.config.rest_url).scheme == "https"
    target = f"{run.host}:{run.port}"
    start = time.monotonic()
    try:
        assert run.address is not None
        how = run.probe.connect(run.host, run.address, run.port, tls)
    except ssl.SSLError as exc:
        fix = "behind a proxy that inspects TLS, set SSL_CERT_FILE to its CA bundle"
        return Check("connect", "fail", f"TLS to {target} failed: {exc}", fix)
    except OSError as exc:
        reason = _reason(exc, run.probe.timeout)
        return Check("connect", "fail", f"cannot reach {target}: {reason}", _reach_fix(run))
    return Check(
        "connect", "ok", f"{how} to {target} in {(time.monotonic() - start) * 1000:.0f} ms"
    )


def _reach_fix(run: _Run) -> str:
    if run.config.environment is Environment.LOCAL:
        return "start the sandbox: `kalshi sandbox start` (or point KALSHI_API_URL at yours)"
    return f"check the network, firewall or proxy (HTTPS_PROXY) between here and {run.host}"


def _check_clock(run: _Run) -> Check:
    try:
        local, header = run.probe.server_date(f"{run.config.rest_url}/exchange/status")
    except httpx.HTTPError as exc:
        fix = _reach_fix(run)
        return Check("clock", "fail", f"GET /exchange/status failed: {exc}", fix)
    if header is None:
        return Check("clock", "warn", "the exchange sent no Date header: skew not checked")
    # Date has whole seconds: the exchange's time lies anywhere in that second.
    server = parsedate_to_datetime(header).timestamp() + 0.5
    return judge_skew(server - local)


def _check_signed_read(run: _Run) -> Check:
    try:
        run.client(signed=True).portfolio.balance()
    except APIError as exc:
        return Check("signed_read", "fail", str(exc), _refusal_fix(run.config, exc))
    return Check("signed_read", "ok", "GET /portfolio/balance: signature accepted")


def _refusal_fix(config: APIConfig, error: BaseException) -> str:
    env = config.environment
    if isinstance(error, Unauthorized):
        made_on = (
            "this sandbox" if env is Environment.LOCAL else f"{env} (demo and prod keys differ)"
        )
        return (
            f"check that {config.sources.get('api_key_id')} is the id of this private key and "
            f"that the key was made on {made_on}"
        )
    if isinstance(error, Forbidden):
        return "the key is not allowed to read: make one with the read scope"
    if isinstance(error, APIConnectionError | OSError):
        return "check the network between here and the exchange, then run again"
    return "the exchange refused the request: see the message; try again later if it is a 5xx"


def _reason(error: BaseException, timeout: float) -> str:
    if isinstance(error, TimeoutError) and not str(error):
        return f"no answer within {timeout:g} s"
    return str(error) or type(error).__name__


def _check_market(run: _Run) -> Check:
    try:
        page = run.client(signed=False).markets.list(status="open", page_size=1)
        market = next(iter(page), None)
    except APIError as exc:
        return Check("market", "fail", f"GET /markets failed: {exc}", _refusal_fix(run.config, exc))
    if market is None:
        return Check("market", "warn", "no open market: the WebSocket check has nothing to use")
    run.ticker = market.ticker
    return Check("market", "ok", f"open market {market.ticker}")


def _check_websocket(run: _Run) -> Check:
    if run.ticker is None:
        return Check("websocket", "skipped", "no open market to subscribe to")
    url = run.config.ws_url
    try:
        run.probe.subscribe(run.config, run.signer, run.ticker)
    except CommandRefused as exc:
        fix = "the exchange refused the subscribe: see its message"
        return Check("websocket", "fail", f"subscribe refused: {exc}", fix)
    except (KalshiError, OSError, TimeoutError) as exc:
        detail = f"{url}: {_reason(exc, run.probe.timeout)}"
        return Check("websocket", "fail", detail, _refusal_fix(run.config, exc))
    return Check("websocket", "ok", f"signed handshake accepted; subscribed to ticker {run.ticker}")


def _check_tier(run: _Run) -> Check:
    try:
        limits = run.client(signed=True).account.limits()
    except APIError as exc:
        return Check("tier", "fail", f"GET /account/limits: {exc}", _refusal_fix(run.config, exc))
    read, write = limits.read.refill_rate, limits.write.refill_rate
    return judge_tier(run.config.rate_tier, limits.usage_tier, read, write)


_Step = tuple[str, tuple[str, ...], Callable[[_Run], Check]]

# name, the checks it needs to have passed, the check.
STEPS: Final[tuple[_Step, ...]] = (
    ("config", (), _check_config),
    ("rest_url", ("config",), _check_rest_url),
    ("ws_url", ("config",), _check_ws_url),
    ("key", ("config",), _check_key),
    ("dns", ("rest_url",), _check_dns),
    ("connect", ("dns",), _check_connect),
    ("clock", ("connect",), _check_clock),
    ("signed_read", ("key", "clock"), _check_signed_read),
    ("market", ("connect",), _check_market),
    ("websocket", ("ws_url", "key", "clock", "market"), _check_websocket),
    ("tier", ("signed_read",), _check_tier),
)


def _skipped(name: str, needs: tuple[str, ...], roots: dict[str, str]) -> Check | None:
    """A skipped line when a prerequisite did not pass, naming the failed check at the root."""
    for need in needs:
        if need not in roots:
            continue
        root = roots[need]
        roots[name] = root
        detail = f"needs {need}, which failed"
        if root != need:
            detail = f"needs {need}, which needs {root}, which failed"
        return Check(name, "skipped", detail)
    return None


def _guarded(name: str, step: Callable[[_Run], Check], run: _Run) -> Check:
    try:
        return step(run)
    except Exception as exc:  # the promise: a fail line, never a traceback
        return Check(name, "fail", f"{type(exc).__name__}: {exc}", _REPORT_FIX)


def run_doctor(
    load: Callable[[], APIConfig], *, probe: Probe | None = None, steps: Sequence[_Step] = STEPS
) -> list[Check]:
    """Run every check in order on the config ``load`` gives; one Check per step."""
    run = _Run(load, probe or Probe())
    done: list[Check] = []
    roots: dict[str, str] = {}  # each check that did not pass -> the failure that caused it
    try:
        for name, needs, step in steps:
            check = _skipped(name, needs, roots) or _guarded(name, step, run)
            if check.status == "fail":
                roots[name] = name
            done.append(check)
    finally:
        run.close()
    return done
