"""Environment, URL and credential resolution in kalshikit.config (no network, no real env)."""

from __future__ import annotations

import base64
import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from kalshikit.auth import (
    HEADER_KEY,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    PrivateKey,
    generate_private_key,
    private_key_to_pem,
    verify_signature,
)
from kalshikit.config import DEFAULT_URLS, LEGACY_URLS, APIConfig, Environment
from kalshikit.errors import ConfigError, KeyLoadError, ValidationError

DEMO_ID = "deadbeef-demo-4000-8000-00000000d3m0"
PROD_ID = "cafebabe-prod-4000-8000-00000000pr0d"
PLAIN_ID = "0123abcd-plain-4000-8000-0000000pla1n"
PASSPHRASE = "tr0ub4dor&3"


@pytest.fixture(scope="session")
def key() -> PrivateKey:
    # Ed25519: cheap to make; RSA signing is covered in test_auth.
    return generate_private_key("ed25519")


@pytest.fixture(scope="session")
def pem(key: PrivateKey) -> str:
    return private_key_to_pem(key)


def resolve(
    env: str | None = None,
    environ: Mapping[str, str] | None = None,
    dotenv: Path | None = None,
    **kwargs: object,
) -> APIConfig:
    """Resolve with an explicit environment and .env, never the machine's."""
    return APIConfig.resolve(
        env,
        environ=dict(environ or {}),
        dotenv_path=dotenv if dotenv is not None else False,
        **kwargs,  # type: ignore[arg-type]
    )


def write_dotenv(tmp_path: Path, **values: str) -> Path:
    path = tmp_path / ".env"
    path.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    return path


def write_key_file(tmp_path: Path, text: str, name: str = "key.pem") -> Path:
    path = tmp_path / name
    path.write_text(text)
    path.chmod(0o600)
    return path


# --- Environment ----------------------------------------------------------------------------------


def test_environment_parse() -> None:
    assert Environment.parse("demo") is Environment.DEMO
    assert Environment.parse(" PROD ") is Environment.PROD
    assert Environment.parse(Environment.LOCAL) is Environment.LOCAL
    with pytest.raises(ValidationError, match="choose one of local, demo, prod"):
        Environment.parse("production")


def test_default_urls_table() -> None:
    assert DEFAULT_URLS[Environment.LOCAL].rest == "http://127.0.0.1:8470/trade-api/v2"
    assert DEFAULT_URLS[Environment.LOCAL].ws == "ws://127.0.0.1:8470/trade-api/ws/v2"
    assert DEFAULT_URLS[Environment.DEMO].rest == "https://external-api.demo.kalshi.co/trade-api/v2"
    assert (
        DEFAULT_URLS[Environment.DEMO].ws == "wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2"
    )
    assert DEFAULT_URLS[Environment.PROD].rest == "https://external-api.kalshi.com/trade-api/v2"
    assert DEFAULT_URLS[Environment.PROD].ws == "wss://external-api-ws.kalshi.com/trade-api/ws/v2"
    assert LEGACY_URLS[Environment.DEMO].rest == "https://demo-api.kalshi.co/trade-api/v2"
    assert LEGACY_URLS[Environment.PROD].ws == "wss://api.elections.kalshi.com/trade-api/ws/v2"


# --- choosing the environment ---------------------------------------------------------------------


def test_defaults_to_local_with_nothing_set() -> None:
    config = resolve()
    assert config.environment is Environment.LOCAL
    assert (config.rest_url, config.ws_url) == DEFAULT_URLS[Environment.LOCAL]
    assert config.sources["environment"] == "default"
    assert not config.has_credentials
    assert config.timeout == 10.0
    assert config.rate_tier is None


def test_environment_precedence(tmp_path: Path) -> None:
    dotenv = write_dotenv(tmp_path, KALSHI_ENV="prod")
    assert resolve(dotenv=dotenv).environment is Environment.PROD
    assert resolve(dotenv=dotenv).sources["environment"] == "KALSHI_ENV (.env)"
    from_var = resolve(environ={"KALSHI_ENV": "demo"}, dotenv=dotenv)
    assert (from_var.environment, from_var.sources["environment"]) == ("demo", "KALSHI_ENV")
    from_arg = resolve("local", environ={"KALSHI_ENV": "demo"}, dotenv=dotenv)
    assert (from_arg.environment, from_arg.sources["environment"]) == ("local", "argument")
    assert resolve(Environment.DEMO).environment is Environment.DEMO


def test_bad_kalshi_env_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"KALSHI_ENV: unknown environment 'staging'"):
        resolve(environ={"KALSHI_ENV": "staging"})
    with pytest.raises(ValidationError, match="choose one of"):
        resolve("staging")


# --- URLs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("env", list(Environment))
def test_default_urls_per_environment(env: Environment) -> None:
    config = resolve(env.value)
    assert (config.rest_url, config.ws_url) == DEFAULT_URLS[env]
    assert config.sources["rest_url"] == config.sources["ws_url"] == "default"


def test_url_precedence(tmp_path: Path) -> None:
    dotenv = write_dotenv(
        tmp_path, KALSHI_API_URL="http://dotenv:1/trade-api/v2", KALSHI_WS_URL="ws://dotenv:1/w"
    )
    environ = {"KALSHI_API_URL": "http://var:2/trade-api/v2", "KALSHI_WS_URL": "ws://var:2/w"}
    assert resolve(dotenv=dotenv).rest_url == "http://dotenv:1/trade-api/v2"
    assert resolve(dotenv=dotenv).ws_url == "ws://dotenv:1/w"
    from_var = resolve(environ=environ, dotenv=dotenv)
    assert (from_var.rest_url, from_var.ws_url) == ("http://var:2/trade-api/v2", "ws://var:2/w")
    assert from_var.sources["rest_url"] == "KALSHI_API_URL"
    from_arg = resolve(
        environ=environ, dotenv=dotenv, rest_url="http://arg:3/trade-api/v2/", ws_url="ws://arg:3/"
    )
    assert (from_arg.rest_url, from_arg.ws_url) == ("http://arg:3/trade-api/v2", "ws://arg:3")
    assert from_arg.sources["ws_url"] == "argument"


def test_ws_url_follows_an_overridden_local_rest_url() -> None:
    config = resolve(environ={"KALSHI_API_URL": "http://127.0.0.1:9999/trade-api/v2"})
    assert config.ws_url == "ws://127.0.0.1:9999/trade-api/ws/v2"
    assert config.sources["ws_url"] == "derived from KALSHI_API_URL"
    secure = resolve("demo", rest_url="https://proxy.example/k/trade-api/v2")
    assert secure.ws_url == "wss://proxy.example/k/trade-api/ws/v2"


@pytest.mark.parametrize("env", [Environment.DEMO, Environment.PROD])
def test_legacy_rest_host_pairs_with_its_ws_host(env: Environment) -> None:
    config = resolve(env.value, environ={"KALSHI_API_URL": LEGACY_URLS[env].rest})
    assert (config.rest_url, config.ws_url) == LEGACY_URLS[env]


def test_unrecognised_rest_path_keeps_the_default_ws_url() -> None:
    config = resolve("prod", rest_url="https://proxy.example/api")
    assert config.ws_url == DEFAULT_URLS[Environment.PROD].ws


@pytest.mark.parametrize(
    ("environ", "match"),
    [
        ({"KALSHI_API_URL": "external-api.kalshi.com"}, "REST URL from KALSHI_API_URL"),
        ({"KALSHI_WS_URL": "https://x/trade-api/ws/v2"}, "WebSocket URL from KALSHI_WS_URL"),
    ],
)
def test_bad_url_names_its_source(environ: dict[str, str], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        resolve(environ=environ)


# --- credentials: precedence ----------------------------------------------------------------------


@pytest.mark.parametrize("env", list(Environment))
def test_own_prefix_beats_plain_name(env: Environment, tmp_path: Path) -> None:
    prefix = f"KALSHI_{env.name}_"
    environ = {
        f"{prefix}API_KEY_ID": "own-id",
        "KALSHI_API_KEY_ID": "plain-id",
        f"{prefix}PRIVATE_KEY_PATH": "/own/key.pem",
        "KALSHI_PRIVATE_KEY_PATH": "/plain/key.pem",
        f"{prefix}PRIVATE_KEY_PASSPHRASE": "own-pass",
        "KALSHI_PRIVATE_KEY_PASSPHRASE": "plain-pass",
    }
    config = resolve(env.value, environ=environ)
    assert config.api_key_id == "own-id"
    assert config.private_key_path == Path("/own/key.pem")
    assert config.private_key_passphrase == "own-pass"
    assert config.sources["api_key_id"] == f"{prefix}API_KEY_ID"
    assert config.sources["private_key"] == f"{prefix}PRIVATE_KEY_PATH"


def test_plain_names_fill_in_and_the_fallback_is_reported() -> None:
    environ = {
        "KALSHI_ENV": "demo",
        "KALSHI_DEMO_API_KEY_ID": DEMO_ID,
        "KALSHI_PRIVATE_KEY_PATH": "/keys/kalshi.pem",
    }
    config = resolve(environ=environ)
    assert dict(config.sources) == {
        "environment": "KALSHI_ENV",
        "rest_url": "default",
        "ws_url": "default",
        "api_key_id": "KALSHI_DEMO_API_KEY_ID",
        "private_key": "KALSHI_PRIVATE_KEY_PATH (fallback from KALSHI_DEMO_PRIVATE_KEY_PATH)",
        "private_key_passphrase": "not set",
        "rate_tier": "default",
    }
    assert config.has_credentials


def test_plain_names_for_local_are_not_called_a_fallback() -> None:
    config = resolve(environ={"KALSHI_API_KEY_ID": PLAIN_ID, "KALSHI_PRIVATE_KEY": "pem"})
    assert config.sources["api_key_id"] == "KALSHI_API_KEY_ID"
    assert config.sources["private_key"] == "KALSHI_PRIVATE_KEY"


def test_credential_precedence_argument_variable_dotenv(tmp_path: Path) -> None:
    dotenv = write_dotenv(tmp_path, KALSHI_DEMO_API_KEY_ID="from-dotenv")
    assert resolve("demo", dotenv=dotenv).api_key_id == "from-dotenv"
    assert resolve("demo", dotenv=dotenv).sources["api_key_id"] == "KALSHI_DEMO_API_KEY_ID (.env)"
    environ = {"KALSHI_DEMO_API_KEY_ID": "from-var"}
    assert resolve("demo", environ=environ, dotenv=dotenv).api_key_id == "from-var"
    from_arg = resolve("demo", environ=environ, dotenv=dotenv, api_key_id="from-arg")
    assert (from_arg.api_key_id, from_arg.sources["api_key_id"]) == ("from-arg", "argument")


def test_own_name_in_dotenv_beats_plain_name_in_environment(tmp_path: Path) -> None:
    # Precedence is per variable: the process wins over .env for the same name, and the
    # environment's own name wins over the plain one wherever each was found.
    dotenv = write_dotenv(tmp_path, KALSHI_PROD_API_KEY_ID=PROD_ID)
    config = resolve("prod", environ={"KALSHI_API_KEY_ID": PLAIN_ID}, dotenv=dotenv)
    assert config.api_key_id == PROD_ID


def test_private_key_sources_in_order(tmp_path: Path) -> None:
    own_path, own_pem = "KALSHI_DEMO_PRIVATE_KEY_PATH", "KALSHI_DEMO_PRIVATE_KEY"
    plain_path, plain_pem = "KALSHI_PRIVATE_KEY_PATH", "KALSHI_PRIVATE_KEY"
    environ = {own_path: "/own.pem", own_pem: "own-pem", plain_path: "/p.pem", plain_pem: "p-pem"}
    order = [own_path, own_pem, plain_path, plain_pem]
    for name in order:
        config = resolve("demo", environ=environ)
        assert config.sources["private_key"].startswith(name)
        assert (config.private_key_path is None) == name.endswith("PRIVATE_KEY")
        del environ[name]
    assert resolve("demo", environ=environ).sources["private_key"] == "not set"


def test_private_key_arguments_beat_variables(tmp_path: Path) -> None:
    environ = {"KALSHI_DEMO_PRIVATE_KEY_PATH": "/env.pem"}
    by_path = resolve("demo", environ=environ, private_key_path=tmp_path / "arg.pem")
    assert (by_path.private_key_path, by_path.sources["private_key"]) == (
        tmp_path / "arg.pem",
        "argument",
    )
    by_pem = resolve("demo", environ=environ, private_key_pem="pem text")
    assert (by_pem.private_key_pem, by_pem.private_key_path) == ("pem text", None)
    with pytest.raises(ValidationError, match="not both"):
        resolve(private_key_path="/a.pem", private_key_pem="pem text")


def test_key_path_expands_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    config = resolve(environ={"KALSHI_PRIVATE_KEY_PATH": "~/.kalshi/key.pem"})
    assert config.private_key_path == tmp_path / ".kalshi" / "key.pem"


def test_blank_values_do_not_mask_a_fallback() -> None:
    environ = {"KALSHI_DEMO_API_KEY_ID": "", "KALSHI_API_KEY_ID": PLAIN_ID, "KALSHI_ENV": " "}
    config = resolve("demo", environ=environ)
    assert config.api_key_id == PLAIN_ID
    assert resolve(environ=environ).environment is Environment.LOCAL


def test_rate_tier_precedence(tmp_path: Path) -> None:
    dotenv = write_dotenv(tmp_path, KALSHI_RATE_TIER="advanced")
    assert resolve().rate_tier is None
    assert resolve(dotenv=dotenv).rate_tier == "advanced"
    assert resolve(environ={"KALSHI_RATE_TIER": "premier"}, dotenv=dotenv).rate_tier == "premier"
    from_arg = resolve(environ={"KALSHI_RATE_TIER": "premier"}, rate_tier="prime")
    assert (from_arg.rate_tier, from_arg.sources["rate_tier"]) == ("prime", "argument")


# --- credentials: safety across environments ------------------------------------------------------


DEMO_ONLY = {
    "KALSHI_DEMO_API_KEY_ID": DEMO_ID,
    "KALSHI_DEMO_PRIVATE_KEY_PATH": "/keys/demo.pem",
    "KALSHI_DEMO_PRIVATE_KEY": "demo pem",
    "KALSHI_DEMO_PRIVATE_KEY_PASSPHRASE": "demo pass",
}
PROD_ONLY = {name.replace("DEMO", "PROD"): value for name, value in DEMO_ONLY.items()}


def test_demo_values_are_never_used_for_prod() -> None:
    config = resolve("prod", environ=DEMO_ONLY)
    assert not config.has_credentials
    assert (config.api_key_id, config.private_key_path, config.private_key_pem) == (
        None,
        None,
        None,
    )
    assert config.private_key_passphrase is None
    with pytest.raises(ConfigError, match="KALSHI_PROD_API_KEY_ID"):
        config.signer()


def test_prod_values_are_never_used_for_demo() -> None:
    config = resolve("demo", environ=PROD_ONLY)
    assert not config.has_credentials
    assert config.private_key_passphrase is None


@pytest.mark.parametrize("env", list(Environment))
def test_no_environment_reads_another_ones_variables(env: Environment) -> None:
    others = [other for other in Environment if other is not env]
    environ = {
        name.replace("DEMO", other.name): value
        for other in others
        for name, value in DEMO_ONLY.items()
    }
    config = resolve(env.value, environ=environ)
    assert not config.has_credentials
    assert (config.api_key_id, config.private_key_passphrase) == (None, None)


def test_demo_key_is_never_sent_to_prod(tmp_path: Path, key: PrivateKey, pem: str) -> None:
    prod_key = generate_private_key("ed25519")
    environ = {
        **DEMO_ONLY,
        "KALSHI_DEMO_PRIVATE_KEY_PATH": str(write_key_file(tmp_path, pem, "demo.pem")),
        "KALSHI_PROD_API_KEY_ID": PROD_ID,
        "KALSHI_PROD_PRIVATE_KEY_PATH": str(
            write_key_file(tmp_path, private_key_to_pem(prod_key), "prod.pem")
        ),
    }
    signer = resolve("prod", environ=environ).signer()
    headers = signer.headers("GET", "https://external-api.kalshi.com/trade-api/v2/x", now_ms=1)
    assert headers[HEADER_KEY] == PROD_ID
    message = b"1GET/trade-api/v2/x"
    assert verify_signature(prod_key.public_key(), message, headers[HEADER_SIGNATURE])
    assert not verify_signature(key.public_key(), message, headers[HEADER_SIGNATURE])


# --- require_credentials --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            "demo",
            "no API key for demo: set KALSHI_DEMO_API_KEY_ID and KALSHI_DEMO_PRIVATE_KEY_PATH "
            "(or KALSHI_DEMO_PRIVATE_KEY)",
        ),
        (
            "prod",
            "no API key for prod: set KALSHI_PROD_API_KEY_ID and KALSHI_PROD_PRIVATE_KEY_PATH "
            "(or KALSHI_PROD_PRIVATE_KEY)",
        ),
        (
            "local",
            "no API key for local: set KALSHI_LOCAL_API_KEY_ID and "
            "KALSHI_LOCAL_PRIVATE_KEY_PATH (or KALSHI_LOCAL_PRIVATE_KEY), or run "
            "`kalshi sandbox keygen`",
        ),
    ],
)
def test_require_credentials_names_the_variables(env: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve(env).require_credentials()
    assert str(caught.value) == expected


def test_require_credentials_says_which_half_is_missing() -> None:
    with pytest.raises(ConfigError, match=r"^no API key id for demo: set KALSHI_DEMO_API_KEY_ID$"):
        resolve("demo", environ={"KALSHI_DEMO_PRIVATE_KEY": "x"}).require_credentials()
    with pytest.raises(
        ConfigError, match=r"^no private key for prod: set KALSHI_PROD_PRIVATE_KEY_P"
    ):
        resolve("prod", environ={"KALSHI_PROD_API_KEY_ID": PROD_ID}).require_credentials()
    resolve(
        "demo", environ={"KALSHI_API_KEY_ID": "x", "KALSHI_PRIVATE_KEY": "y"}
    ).require_credentials()


# --- signer() -------------------------------------------------------------------------------------


def test_signer_from_a_key_file(tmp_path: Path, key: PrivateKey, pem: str) -> None:
    environ = {
        "KALSHI_API_KEY_ID": PLAIN_ID,
        "KALSHI_PRIVATE_KEY_PATH": str(write_key_file(tmp_path, pem)),
    }
    signer = resolve(environ=environ).signer()
    assert signer.key_id == PLAIN_ID
    assert signer.public_key() == key.public_key()


def test_signer_from_base64_pem_variable(key: PrivateKey, pem: str) -> None:
    environ = {
        "KALSHI_DEMO_API_KEY_ID": DEMO_ID,
        "KALSHI_DEMO_PRIVATE_KEY": base64.b64encode(pem.encode()).decode(),
    }
    headers = (
        resolve("demo", environ=environ)
        .signer()
        .ws_headers(DEFAULT_URLS[Environment.DEMO].ws, now_ms=5)
    )
    assert headers[HEADER_TIMESTAMP] == "5"
    assert verify_signature(key.public_key(), b"5GET/trade-api/ws/v2", headers[HEADER_SIGNATURE])


def test_signer_with_encrypted_key_and_passphrase(tmp_path: Path, key: PrivateKey) -> None:
    encrypted = private_key_to_pem(key, passphrase=PASSPHRASE)
    environ = {"KALSHI_PROD_API_KEY_ID": PROD_ID, "KALSHI_PROD_PRIVATE_KEY": encrypted}
    with pytest.raises(KeyLoadError, match="KALSHI_PRIVATE_KEY_PASSPHRASE"):
        resolve("prod", environ=environ).signer()
    environ["KALSHI_PRIVATE_KEY_PASSPHRASE"] = PASSPHRASE
    assert resolve("prod", environ=environ).signer().key_id == PROD_ID


def test_signer_error_names_the_variable_not_the_value() -> None:
    environ = {"KALSHI_DEMO_API_KEY_ID": DEMO_ID, "KALSHI_DEMO_PRIVATE_KEY": "s3cr3t-not-a-key"}
    with pytest.raises(KeyLoadError) as caught:
        resolve("demo", environ=environ).signer()
    assert "KALSHI_DEMO_PRIVATE_KEY" in str(caught.value)
    assert "s3cr3t" not in str(caught.value)


def test_signer_is_lazy(tmp_path: Path) -> None:
    environ = {"KALSHI_API_KEY_ID": PLAIN_ID, "KALSHI_PRIVATE_KEY_PATH": str(tmp_path / "no.pem")}
    config = resolve(environ=environ)  # resolving never touches the key file
    assert config.has_credentials
    with pytest.raises(KeyLoadError, match="not found"):
        config.signer()


# --- showing a config never shows a secret --------------------------------------------------------


def test_repr_str_and_describe_hide_secrets(pem: str) -> None:
    environ = {
        "KALSHI_PROD_API_KEY_ID": PROD_ID,
        "KALSHI_PROD_PRIVATE_KEY": pem,
        "KALSHI_PRIVATE_KEY_PASSPHRASE": PASSPHRASE,
    }
    config = resolve("prod", environ=environ)
    shown = [repr(config), str(config), repr(config.describe()), repr(dict(config.sources))]
    pem_line = pem.splitlines()[1]
    for text in shown:
        assert pem_line not in text
        assert "PRIVATE KEY-----" not in text
        assert PASSPHRASE not in text
        assert PROD_ID not in text
    assert "api_key_id='cafe…pr0d'" in repr(config)
    assert "private_key='set'" in repr(config)
    assert "private key: set" in str(config)


def test_repr_of_a_config_without_credentials() -> None:
    config = resolve("demo")
    assert "private_key='unset'" in repr(config)
    assert "private key: unset" in str(config)


def test_describe_rows(tmp_path: Path) -> None:
    environ = {
        "KALSHI_ENV": "demo",
        "KALSHI_API_KEY_ID": PLAIN_ID,
        "KALSHI_PRIVATE_KEY_PATH": str(tmp_path / "k.pem"),
    }
    rows = {name: (value, source) for name, value, source in resolve(environ=environ).describe()}
    assert rows["environment"] == ("demo", "KALSHI_ENV")
    assert rows["rest_url"] == (DEFAULT_URLS[Environment.DEMO].rest, "default")
    assert rows["api_key_id"] == (
        "0123…la1n",
        "KALSHI_API_KEY_ID (fallback from KALSHI_DEMO_API_KEY_ID)",
    )
    assert rows["private_key"][0] == f"file {tmp_path / 'k.pem'}"
    assert rows["private_key_passphrase"] == ("not set", "not set")
    assert rows["rate_tier"] == ("default", "default")
    assert rows["timeout"] == ("10 s", "default")


# --- .env handling and the dataclass itself -------------------------------------------------------


def test_dotenv_in_working_directory_is_read_without_touching_os_environ(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("KALSHI_"):
            monkeypatch.delenv(name)
    write_dotenv(tmp_path, KALSHI_ENV="demo", KALSHI_DEMO_API_KEY_ID=DEMO_ID)
    monkeypatch.chdir(tmp_path)
    config = APIConfig.resolve()
    assert config.environment is Environment.DEMO
    assert config.api_key_id == DEMO_ID
    assert config.sources["environment"] == "KALSHI_ENV (.env)"
    assert "KALSHI_ENV" not in os.environ
    assert APIConfig.resolve(dotenv_path=False).environment is Environment.LOCAL


def test_multiline_pem_in_dotenv(tmp_path: Path, key: PrivateKey, pem: str) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f'KALSHI_API_KEY_ID={PLAIN_ID}\nKALSHI_PRIVATE_KEY="{pem}"\n')
    signer = resolve(dotenv=dotenv).signer()
    message = b"7GET/trade-api/v2/portfolio/balance"
    signature = signer.sign(7, "GET", "/trade-api/v2/portfolio/balance")
    assert verify_signature(key.public_key(), message, signature)


def test_an_explicit_missing_dotenv_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        resolve(dotenv=tmp_path / "missing.env")


def test_config_is_frozen_and_sources_read_only() -> None:
    config = resolve()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.rest_url = "http://elsewhere"  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.sources["rest_url"] = "x"  # type: ignore[index]


def test_direct_construction() -> None:
    config = APIConfig("demo", "https://h/trade-api/v2", "wss://h/trade-api/ws/v2")  # type: ignore[arg-type]
    assert config.environment is Environment.DEMO
    assert config.describe()[0] == ("environment", "demo", "argument")
    with pytest.raises(ValidationError, match="not both"):
        APIConfig(
            Environment.DEMO,
            "https://h",
            "wss://h",
            private_key_pem="x",
            private_key_path=Path("y"),
        )
