"""Where kalshikit talks to and with which key: environments, URLs, credentials, rate tier.

No network I/O here. Environment variables and ``.env`` are read only by ``APIConfig.resolve``;
the key file only by ``APIConfig.signer``.

Environments (``Environment``) and their default URLs (``DEFAULT_URLS``), REST then WebSocket:

* local (the sandbox): ``http://127.0.0.1:8470/trade-api/v2``,
  ``ws://127.0.0.1:8470/trade-api/ws/v2``
* demo: ``https://external-api.demo.kalshi.co/trade-api/v2``,
  ``wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2``
* prod: ``https://external-api.kalshi.com/trade-api/v2``,
  ``wss://external-api-ws.kalshi.com/trade-api/ws/v2``

The legacy hosts still work and can be set as overrides (``LEGACY_URLS``): demo
``https://demo-api.kalshi.co/trade-api/v2`` / ``wss://demo-api.kalshi.co/trade-api/ws/v2``,
prod ``https://api.elections.kalshi.com/trade-api/v2`` /
``wss://api.elections.kalshi.com/trade-api/ws/v2``.

Precedence for every setting: explicit argument > environment variable > ``.env`` in the working
directory (read with python-dotenv, ``os.environ`` untouched) > default.

============================  ==========================================================
environment                   ``KALSHI_ENV`` (default ``local``)
URLs                          ``KALSHI_API_URL``, ``KALSHI_WS_URL``
key id                        ``KALSHI_{ENV}_API_KEY_ID`` then ``KALSHI_API_KEY_ID``
private key                   ``KALSHI_{ENV}_PRIVATE_KEY_PATH``, ``KALSHI_{ENV}_PRIVATE_KEY``,
                              then ``KALSHI_PRIVATE_KEY_PATH``, ``KALSHI_PRIVATE_KEY``
                              (``*_PRIVATE_KEY`` holds PEM text or base64 of it)
passphrase                    ``KALSHI_{ENV}_PRIVATE_KEY_PASSPHRASE`` then
                              ``KALSHI_PRIVATE_KEY_PASSPHRASE``
rate tier                     ``KALSHI_RATE_TIER``
============================  ==========================================================

When only the REST URL is overridden, the WebSocket URL follows it: a known host gets its paired
WS host, and ``http(s)://HOST/PREFIX/trade-api/v2`` gives ``ws(s)://HOST/PREFIX/trade-api/ws/v2``
(so a sandbox on another port just works).

``{ENV}`` is ``LOCAL``, ``DEMO`` or ``PROD``. A variable prefixed for another environment is never
read: a demo key is never sent to prod and a prod key never to demo. When an unprefixed name is
used for demo or prod, ``APIConfig.sources`` says so.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Final, Literal, NamedTuple
from urllib.parse import urlsplit

from dotenv import dotenv_values

from kalshikit.auth import Signer, load_private_key, short_key_id
from kalshikit.endpoints import REST_PREFIX, WS_PATH
from kalshikit.errors import ConfigError, ValidationError

__all__ = [
    "DEFAULT_URLS",
    "LEGACY_URLS",
    "PAPER_SOURCES",
    "APIConfig",
    "Environment",
    "EnvironmentURLs",
]


class Environment(StrEnum):
    """Which exchange to talk to: the local sandbox, Kalshi's demo, or production."""

    LOCAL = "local"
    DEMO = "demo"
    PROD = "prod"
    PAPER = "paper"  # the local paper exchange (kalshikit.paper): orders matched on a source

    @classmethod
    def parse(cls, value: str | Environment) -> Environment:
        """An Environment from its name (any case); ValidationError lists the choices."""
        if isinstance(value, Environment):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            choices = ", ".join(member.value for member in cls)
            raise ValidationError(
                f"unknown environment {value!r}: choose one of {choices}"
            ) from None

    @property
    def var_prefix(self) -> str:
        """The prefix of this environment's own variables, e.g. ``KALSHI_DEMO_``."""
        return f"KALSHI_{self.name}_"


class EnvironmentURLs(NamedTuple):
    rest: str
    ws: str

    @classmethod
    def of(cls, rest_host: str, ws_host: str) -> EnvironmentURLs:
        """The REST and WebSocket URLs of an exchange from its two scheme://host parts."""
        return cls(rest_host + REST_PREFIX, ws_host + WS_PATH)


DEFAULT_URLS: Final[Mapping[Environment, EnvironmentURLs]] = MappingProxyType(
    {
        Environment.LOCAL: EnvironmentURLs.of("http://127.0.0.1:8470", "ws://127.0.0.1:8470"),
        Environment.DEMO: EnvironmentURLs.of(
            "https://external-api.demo.kalshi.co", "wss://external-api-ws.demo.kalshi.co"
        ),
        Environment.PROD: EnvironmentURLs.of(
            "https://external-api.kalshi.com", "wss://external-api-ws.kalshi.com"
        ),
        Environment.PAPER: EnvironmentURLs.of("http://127.0.0.1:8471", "ws://127.0.0.1:8471"),
    }
)

PAPER_SOURCES: Final = ("local", "demo", "prod")
"""Where a paper exchange reads markets and books from (``KALSHI_PAPER_SOURCE``)."""

LEGACY_URLS: Final[Mapping[Environment, EnvironmentURLs]] = MappingProxyType(
    {
        Environment.DEMO: EnvironmentURLs.of(
            "https://demo-api.kalshi.co", "wss://demo-api.kalshi.co"
        ),
        Environment.PROD: EnvironmentURLs.of(
            "https://api.elections.kalshi.com", "wss://api.elections.kalshi.com"
        ),
    }
)

_ARGUMENT: Final = "argument"
_DEFAULT: Final = "default"
_NOT_SET: Final = "not set"
_REST_SUFFIX: Final = REST_PREFIX
_WS_SUFFIX: Final = WS_PATH
_HTTP: Final = ("http", "https")
_WS: Final = ("ws", "wss")


# --- reading variables ------------------------------------------------------------------------


class _Found(NamedTuple):
    value: str
    source: str


@dataclass(frozen=True)
class _Variables:
    """The process environment over ``.env``: a variable set in the process wins, as in dotenv."""

    environ: Mapping[str, str]
    dotenv: Mapping[str, str]

    def find(self, name: str) -> _Found | None:
        # A blank value counts as unset, so `KALSHI_DEMO_API_KEY_ID=` cannot mask a fallback.
        value = self.environ.get(name, "")
        if value.strip():
            return _Found(value, name)
        value = self.dotenv.get(name, "")
        return _Found(value, f"{name} (.env)") if value.strip() else None

    def own(self, env: Environment, suffix: str) -> _Found | None:
        """``KALSHI_{ENV}_{suffix}``: this environment's own variable."""
        return self.find(f"{env.var_prefix}{suffix}")

    def plain(self, env: Environment, suffix: str) -> _Found | None:
        """``KALSHI_{suffix}``; for demo and prod the source notes it stands in for the own one."""
        found = self.find(f"KALSHI_{suffix}")
        if found is None or env is Environment.LOCAL:
            return found
        return _Found(found.value, f"{found.source} (fallback from {env.var_prefix}{suffix})")

    def own_or_plain(self, env: Environment, suffix: str) -> _Found | None:
        return self.own(env, suffix) or self.plain(env, suffix)


def _read_dotenv(dotenv_path: Path | Literal[False] | None) -> dict[str, str]:
    """``.env`` values (``None``: the one in the working directory, if any; ``False``: none)."""
    if dotenv_path is False:
        return {}
    if dotenv_path is None:
        dotenv_path = Path.cwd() / ".env"
        if not dotenv_path.is_file():
            return {}
    elif not Path(dotenv_path).is_file():
        raise ConfigError(f".env file not found: {dotenv_path}")
    values = dotenv_values(dotenv_path)
    return {name: value for name, value in values.items() if value is not None}


def _variables(
    environ: Mapping[str, str] | None, dotenv_path: Path | Literal[False] | None
) -> _Variables:
    return _Variables(os.environ if environ is None else environ, _read_dotenv(dotenv_path))


def _pick(argument: str | None, found: _Found | None) -> _Found | None:
    """An explicit argument beats anything read from the environment."""
    if argument is not None and argument.strip():
        return _Found(argument, _ARGUMENT)
    return found


# --- resolving each setting -------------------------------------------------------------------


def _resolve_environment(
    env: Environment | str | None, variables: _Variables
) -> tuple[Environment, str]:
    if isinstance(env, Environment) or (env is not None and env.strip()):
        return Environment.parse(env), _ARGUMENT
    found = variables.find("KALSHI_ENV")
    if found is None:
        return Environment.LOCAL, _DEFAULT
    try:
        return Environment.parse(found.value), found.source
    except ValidationError as exc:
        raise ConfigError(f"{found.source}: {exc}") from None


def _resolve_paper_source(argument: str | None, variables: _Variables) -> _Found:
    found = _pick(argument, variables.find("KALSHI_PAPER_SOURCE")) or _Found("local", _DEFAULT)
    value = found.value.strip().lower()
    if value not in PAPER_SOURCES:
        raise ConfigError(
            f"paper source from {found.source} must be one of {', '.join(PAPER_SOURCES)}; "
            f"got {found.value!r}"
        )
    return _Found(value, found.source)


def _check_url(found: _Found, what: str, schemes: tuple[str, str]) -> _Found:
    url = found.value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in schemes or not parts.netloc:
        allowed = " or ".join(f"{scheme}://" for scheme in schemes)
        raise ConfigError(f"{what} from {found.source} must be a {allowed} URL, got {url!r}")
    return _Found(url, found.source)


# Each known REST host has its WebSocket host; new-domain WS hosts are not derivable by rule.
_WS_FOR_REST: Final[Mapping[str, str]] = MappingProxyType(
    {urls.rest: urls.ws for table in (DEFAULT_URLS, LEGACY_URLS) for urls in table.values()}
)


def _ws_for(rest: _Found, environment: Environment) -> _Found:
    """The WS URL that goes with an overridden REST URL, so a sandbox on another port just works."""
    if rest.source == _DEFAULT:
        return _Found(DEFAULT_URLS[environment].ws, _DEFAULT)
    derived_from = f"derived from {rest.source}"
    if rest.value in _WS_FOR_REST:
        return _Found(_WS_FOR_REST[rest.value], derived_from)
    parts = urlsplit(rest.value)
    if not parts.path.endswith(_REST_SUFFIX):
        return _Found(DEFAULT_URLS[environment].ws, _DEFAULT)
    scheme = "wss" if parts.scheme == "https" else "ws"
    path = parts.path.removesuffix(_REST_SUFFIX) + _WS_SUFFIX
    return _Found(f"{scheme}://{parts.netloc}{path}", derived_from)


def _resolve_urls(
    environment: Environment, variables: _Variables, rest_url: str | None, ws_url: str | None
) -> tuple[_Found, _Found]:
    rest = _pick(rest_url, variables.find("KALSHI_API_URL"))
    rest = _check_url(rest or _Found(DEFAULT_URLS[environment].rest, _DEFAULT), "REST URL", _HTTP)
    ws = _pick(ws_url, variables.find("KALSHI_WS_URL")) or _ws_for(rest, environment)
    return rest, _check_url(ws, "WebSocket URL", _WS)


class _KeyChoice(NamedTuple):
    path: Path | None
    pem: str | None
    source: str


def _resolve_private_key(
    environment: Environment,
    variables: _Variables,
    path_argument: str | Path | None,
    pem_argument: str | None,
) -> _KeyChoice:
    """Arguments, then own ``*_PATH``, own PEM, plain ``*_PATH``, plain PEM: the first set wins."""
    if path_argument and pem_argument:
        raise ValidationError("pass private_key_path or private_key_pem, not both")
    if path_argument:
        return _KeyChoice(Path(path_argument).expanduser(), None, _ARGUMENT)
    if pem_argument:
        return _KeyChoice(None, pem_argument, _ARGUMENT)
    for lookup in (variables.own, variables.plain):
        path = lookup(environment, "PRIVATE_KEY_PATH")
        if path is not None:
            return _KeyChoice(Path(path.value.strip()).expanduser(), None, path.source)
        pem = lookup(environment, "PRIVATE_KEY")
        if pem is not None:
            return _KeyChoice(None, pem.value, pem.source)
    return _KeyChoice(None, None, _NOT_SET)


def _variable_names(environment: Environment) -> tuple[str, str, str]:
    """The variables to name when credentials are missing: key id, key path, key PEM. Each
    environment's own names, local's too: an unprefixed key would also be demo's and prod's
    fallback, and a sandbox key must never be sent there."""
    prefix = environment.var_prefix
    return f"{prefix}API_KEY_ID", f"{prefix}PRIVATE_KEY_PATH", f"{prefix}PRIVATE_KEY"


# --- the configuration ------------------------------------------------------------------------


@dataclass(frozen=True)
class APIConfig:
    """Everything needed to reach one exchange: URLs, credentials, rate tier and timeout.

    Build it with :meth:`resolve`. ``sources`` says where each setting came from. The private key
    is loaded only by :meth:`signer`. Neither ``repr``, ``str`` nor :meth:`describe` shows key
    material or the passphrase.
    """

    environment: Environment
    rest_url: str
    ws_url: str
    api_key_id: str | None = None
    private_key_pem: str | None = field(default=None, repr=False)
    private_key_path: Path | None = None
    private_key_passphrase: str | None = field(default=None, repr=False)
    rate_tier: str | None = None
    timeout: float = 10.0
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)
    paper_source: str = "local"  # env paper: the exchange its books and public reads come from

    def __post_init__(self) -> None:
        if self.private_key_pem is not None and self.private_key_path is not None:
            raise ValidationError("set private_key_path or private_key_pem, not both")
        # The dataclass is frozen, so normalising once here needs object.__setattr__.
        object.__setattr__(self, "environment", Environment.parse(self.environment))
        object.__setattr__(self, "sources", MappingProxyType(dict(self.sources)))

    @classmethod
    def resolve(
        cls,
        env: Environment | str | None = None,
        *,
        rest_url: str | None = None,
        ws_url: str | None = None,
        api_key_id: str | None = None,
        private_key_path: str | Path | None = None,
        private_key_pem: str | None = None,
        private_key_passphrase: str | None = None,
        rate_tier: str | None = None,
        environ: Mapping[str, str] | None = None,
        dotenv_path: Path | Literal[False] | None = None,
        paper_source: str | None = None,
    ) -> APIConfig:
        """Settings from arguments > environment variables > ``.env`` > defaults (module doc).

        ``environ`` replaces ``os.environ`` (tests); ``dotenv_path=False`` skips ``.env``.
        """
        variables = _variables(environ, dotenv_path)
        chosen_env, env_source = _resolve_environment(env, variables)
        rest, ws = _resolve_urls(chosen_env, variables, rest_url, ws_url)
        key_id = _pick(api_key_id, variables.own_or_plain(chosen_env, "API_KEY_ID"))
        key = _resolve_private_key(chosen_env, variables, private_key_path, private_key_pem)
        passphrase = _pick(
            private_key_passphrase, variables.own_or_plain(chosen_env, "PRIVATE_KEY_PASSPHRASE")
        )
        tier = _pick(rate_tier, variables.find("KALSHI_RATE_TIER"))
        # read only for paper: a stray KALSHI_PAPER_SOURCE must not break another environment
        paper = Environment.PAPER
        source = _resolve_paper_source(paper_source, variables) if chosen_env is paper else None
        return cls(
            environment=chosen_env,
            rest_url=rest.value,
            ws_url=ws.value,
            api_key_id=key_id.value.strip() if key_id else None,
            private_key_pem=key.pem,
            private_key_path=key.path,
            private_key_passphrase=passphrase.value if passphrase else None,
            rate_tier=tier.value.strip() if tier else None,
            paper_source=source.value if source else "local",
            sources={
                "environment": env_source,
                "rest_url": rest.source,
                "ws_url": ws.source,
                "api_key_id": key_id.source if key_id else _NOT_SET,
                "private_key": key.source,
                "private_key_passphrase": passphrase.source if passphrase else _NOT_SET,
                "rate_tier": tier.source if tier else _DEFAULT,
                **({"paper_source": source.source} if source else {}),
            },
        )

    # --- credentials -----------------------------------------------------------------------

    @property
    def has_private_key(self) -> bool:
        return self.private_key_pem is not None or self.private_key_path is not None

    @property
    def has_credentials(self) -> bool:
        """A key id and a private key are both configured (the key is not loaded here)."""
        return bool(self.api_key_id) and self.has_private_key

    def require_credentials(self) -> None:
        """Raise ConfigError naming the variables to set when the key id or key is missing."""
        if self.has_credentials:
            return
        id_name, path_name, pem_name = _variable_names(self.environment)
        env = self.environment.value
        if not self.api_key_id and not self.has_private_key:
            message = f"no API key for {env}: set {id_name} and {path_name} (or {pem_name})"
        elif not self.api_key_id:
            message = f"no API key id for {env}: set {id_name}"
        else:
            message = f"no private key for {env}: set {path_name} (or {pem_name})"
        if self.environment is Environment.LOCAL:
            message += ", or run `kalshi sandbox keygen`"
        if self.environment is Environment.PAPER:
            message += " (any id names a paper account; `kalshi paper start` makes a default key)"
        raise ConfigError(message)

    def signer(self) -> Signer:
        """Load the private key (now, not before) and return a Signer for this key id."""
        self.require_credentials()
        assert self.api_key_id is not None  # for mypy: require_credentials checked it
        source = self.sources.get("private_key")
        key = load_private_key(
            path=self.private_key_path,
            pem=self.private_key_pem if self.private_key_path is None else None,
            passphrase=self.private_key_passphrase,
            source=None if source in (None, _ARGUMENT) else source,
        )
        return Signer(self.api_key_id, key)

    # --- showing it (never a secret) -------------------------------------------------------

    def _key_id_text(self) -> str:
        return short_key_id(self.api_key_id) if self.api_key_id else _NOT_SET

    def _private_key_text(self) -> str:
        if self.private_key_path is not None:
            return f"file {self.private_key_path}"
        return "PEM text (hidden)" if self.private_key_pem is not None else _NOT_SET

    def describe(self) -> list[tuple[str, str, str]]:
        """Rows of (setting, value, source) for `kalshi config show`; secrets show as set/unset."""
        source = self.sources.get
        passphrase = "set (hidden)" if self.private_key_passphrase else _NOT_SET
        return [
            ("environment", self.environment.value, source("environment", _ARGUMENT)),
            ("rest_url", self.rest_url, source("rest_url", _ARGUMENT)),
            ("ws_url", self.ws_url, source("ws_url", _ARGUMENT)),
            ("api_key_id", self._key_id_text(), source("api_key_id", _ARGUMENT)),
            ("private_key", self._private_key_text(), source("private_key", _ARGUMENT)),
            ("private_key_passphrase", passphrase, source("private_key_passphrase", _ARGUMENT)),
            ("rate_tier", self.rate_tier or _DEFAULT, source("rate_tier", _ARGUMENT)),
            ("timeout", f"{self.timeout:g} s", _DEFAULT if self.timeout == 10.0 else _ARGUMENT),
        ] + (
            [("paper_source", self.paper_source, source("paper_source", _ARGUMENT))]
            if self.environment is Environment.PAPER
            else []
        )

    def __repr__(self) -> str:
        return (
            f"APIConfig(environment={self.environment.value!r}, rest_url={self.rest_url!r}, "
            f"ws_url={self.ws_url!r}, api_key_id={self._key_id_text()!r}, "
            f"private_key={'set' if self.has_private_key else 'unset'!r}, "
            f"rate_tier={self.rate_tier!r}, timeout={self.timeout!r})"
        )

    def __str__(self) -> str:
        private_key = "set" if self.has_private_key else "unset"
        return (
            f"{self.environment.value} at {self.rest_url} "
            f"(key id: {self._key_id_text()}, private key: {private_key})"
        )
