"""Switching between local, demo and prod: URLs and credentials move together, never crossed.

test_config.py pins each resolution rule on its own; this file checks the combinations a user
meets: every environment chosen by argument, ``--env``, ``KALSHI_ENV`` and ``.env`` with all
three environments' keys present at once; the legacy-host overrides end to end; and, with an
httpx MockTransport standing in for the remote exchange, that a demo key never reaches prod
(nor a prod key demo). Nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kalshikit import KalshiClient
from kalshikit.auth import (
    HEADER_KEY,
    PrivateKey,
    generate_private_key,
    private_key_to_pem,
    short_key_id,
    verify_signature,
)
from kalshikit.cli._state import AppState
from kalshikit.cli.main import main
from kalshikit.config import DEFAULT_URLS, LEGACY_URLS, APIConfig, Environment
from kalshikit.errors import ConfigError

IDS = {
    Environment.LOCAL: "1111aaaa-local-4000-8000-000000000001",
    Environment.DEMO: "2222bbbb-demo-4000-8000-000000000002",
    Environment.PROD: "3333cccc-prod-4000-8000-000000000003",
    Environment.PAPER: "4444dddd-paper-4000-8000-000000000004",
}


@pytest.fixture(scope="module")
def keys() -> dict[Environment, PrivateKey]:
    return {env: generate_private_key("ed25519") for env in Environment}


@pytest.fixture(scope="module")
def every_key(keys: dict[Environment, PrivateKey]) -> dict[str, str]:
    """Each environment's own key id and PEM, all set at once."""
    values: dict[str, str] = {}
    for env, key in keys.items():
        values[f"{env.var_prefix}API_KEY_ID"] = IDS[env]
        values[f"{env.var_prefix}PRIVATE_KEY"] = private_key_to_pem(key)
    return values


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No KALSHI_* setting or .env from the machine running the tests."""
    for name in [n for n in os.environ if n.startswith("KALSHI_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def assert_is(config: APIConfig, env: Environment, keys: dict[Environment, PrivateKey]) -> None:
    """The config talks to ``env``'s hosts and signs with ``env``'s key, and only that one."""
    assert config.environment is env
    assert (config.rest_url, config.ws_url) == DEFAULT_URLS[env]
    assert config.api_key_id == IDS[env]
    signer = config.signer()
    signature = signer.sign(1, "GET", "/trade-api/v2/portfolio/balance")
    message = b"1GET/trade-api/v2/portfolio/balance"
    for other, key in keys.items():
        assert verify_signature(key.public_key(), message, signature) is (other is env)


# --- each environment, each way of choosing it ----------------------------------------------------


@pytest.mark.parametrize("env", list(Environment))
def test_chosen_by_argument(
    env: Environment, keys: dict[Environment, PrivateKey], every_key: dict[str, str]
) -> None:
    # The argument beats a KALSHI_ENV that names another environment.
    other = next(e for e in Environment if e is not env)
    environ = {**every_key, "KALSHI_ENV": other.value}
    assert_is(APIConfig.resolve(env.value, environ=environ, dotenv_path=False), env, keys)


@pytest.mark.parametrize("env", list(Environment))
def test_chosen_by_kalshi_env(
    env: Environment, keys: dict[Environment, PrivateKey], every_key: dict[str, str]
) -> None:
    environ = {**every_key, "KALSHI_ENV": env.value.upper()}
    assert_is(APIConfig.resolve(environ=environ, dotenv_path=False), env, keys)


@pytest.mark.parametrize("env", list(Environment))
def test_chosen_by_dotenv(
    env: Environment,
    keys: dict[Environment, PrivateKey],
    every_key: dict[str, str],
    tmp_path: Path,
) -> None:
    # Everything in .env: the environment and all three keys (PEMs on one line, \n-escaped).
    escaped = {name: value.replace("\n", "\\n") for name, value in every_key.items()}
    lines = [f"KALSHI_ENV={env.value}", *(f'{n}="{v}"' for n, v in escaped.items())]
    (tmp_path / ".env").write_text("\n".join(lines) + "\n")
    config = APIConfig.resolve()
    assert_is(config, env, keys)
    assert config.sources["environment"] == "KALSHI_ENV (.env)"
    assert config.sources["api_key_id"] == f"{env.var_prefix}API_KEY_ID (.env)"


@pytest.mark.parametrize("env", list(Environment))
def test_chosen_by_env_flag(
    env: Environment,
    keys: dict[Environment, PrivateKey],
    every_key: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = next(e for e in Environment if e is not env)
    for name, value in {**every_key, "KALSHI_ENV": other.value}.items():
        monkeypatch.setenv(name, value)
    assert_is(AppState(env=env.value).config(), env, keys)
    # and as the user sees it, with the flag after the command
    assert main(["config", "show", "--env", env.value, "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["rest_url"]["value"], shown["ws_url"]["value"]) == DEFAULT_URLS[env]
    assert shown["api_key_id"] == {
        "value": short_key_id(IDS[env]),
        "source": f"{env.var_prefix}API_KEY_ID",
    }
    assert shown["private_key"]["source"] == f"{env.var_prefix}PRIVATE_KEY"


# --- a stand-in for the remote exchange ----------------------------------------------------------


@dataclass
class Sent:
    host: str
    path: str
    key_id: str | None


class Remote:
    """An httpx MockTransport that answers like the exchange and records who asked what."""

    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.transport = httpx.MockTransport(self.answer)

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(Sent(request.url.host, request.url.path, request.headers.get(HEADER_KEY)))
        if request.url.path.endswith("/portfolio/balance"):
            return httpx.Response(200, json={"balance": 100, "portfolio_value": 0, "updated_ts": 0})
        return httpx.Response(200, json={"exchange_active": True, "trading_active": True})


@pytest.fixture
def remote() -> Remote:
    return Remote()


STATUS_PATH = "/trade-api/v2/exchange/status"
BALANCE_PATH = "/trade-api/v2/portfolio/balance"


def host(url: str) -> str:
    return httpx.URL(url).host


def client(env: str | None, remote: Remote) -> KalshiClient:
    return KalshiClient(env, transport=remote.transport, max_retries=0)


def set_vars(monkeypatch: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def only(env: Environment, every_key: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in every_key.items() if name.startswith(env.var_prefix)}


# --- a demo key never goes to prod, a prod key never to demo ---------------------------------


@pytest.mark.parametrize(
    ("target", "present"),
    [(Environment.PROD, Environment.DEMO), (Environment.DEMO, Environment.PROD)],
)
def test_another_environments_key_is_never_sent(
    target: Environment,
    present: Environment,
    remote: Remote,
    every_key: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_vars(monkeypatch, only(present, every_key))
    with client(target.value, remote) as chosen:
        with pytest.raises(ConfigError, match=f"{target.var_prefix}API_KEY_ID"):
            chosen.portfolio.balance()
        assert remote.sent == []  # refused before anything left
        chosen.exchange.status()  # a public read goes out, unsigned
    assert remote.sent == [Sent(host(DEFAULT_URLS[target].rest), STATUS_PATH, None)]


def test_with_both_keys_set_each_environment_sends_its_own(
    remote: Remote, every_key: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    set_vars(monkeypatch, every_key)
    for env in (Environment.DEMO, Environment.PROD):
        with client(env.value, remote) as chosen:
            chosen.portfolio.balance()
            chosen.exchange.status()  # public, and still signed with the same key
    assert {(s.host, s.key_id) for s in remote.sent} == {
        ("external-api.demo.kalshi.co", IDS[Environment.DEMO]),
        ("external-api.kalshi.com", IDS[Environment.PROD]),
    }


def test_kalshi_env_prod_with_only_demo_keys_refuses_to_sign(
    remote: Remote, every_key: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    set_vars(monkeypatch, {**only(Environment.DEMO, every_key), "KALSHI_ENV": "prod"})
    with client(None, remote) as chosen, pytest.raises(ConfigError):
        chosen.portfolio.balance()
    assert remote.sent == []


# --- legacy hosts as overrides -----------------------------------------------------------------


@pytest.mark.parametrize("env", [Environment.DEMO, Environment.PROD])
def test_legacy_hosts_override_and_keep_the_environments_key(
    env: Environment,
    keys: dict[Environment, PrivateKey],
    remote: Remote,
    every_key: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    legacy = LEGACY_URLS[env]
    set_vars(monkeypatch, {**every_key, "KALSHI_API_URL": legacy.rest, "KALSHI_WS_URL": legacy.ws})
    with client(env.value, remote) as chosen:
        assert (chosen.config.rest_url, chosen.config.ws_url) == legacy
        assert chosen.config.sources["ws_url"] == "KALSHI_WS_URL"
        chosen.portfolio.balance()
    assert remote.sent == [Sent(host(legacy.rest), BALANCE_PATH, IDS[env])]


def test_ws_override_alone_leaves_the_rest_url(every_key: dict[str, str]) -> None:
    environ = {**every_key, "KALSHI_WS_URL": LEGACY_URLS[Environment.PROD].ws}
    config = APIConfig.resolve("prod", environ=environ, dotenv_path=False)
    assert config.rest_url == DEFAULT_URLS[Environment.PROD].rest
    assert config.ws_url == LEGACY_URLS[Environment.PROD].ws
    assert config.api_key_id == IDS[Environment.PROD]
