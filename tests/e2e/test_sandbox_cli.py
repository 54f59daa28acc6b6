"""`kalshi sandbox keygen|start|serve|status|stop|reset` from a clean data dir, as a user runs
them.

The sandbox runs as its own process on a free loopback port; the key keygen writes signs real
requests from our client; a restart replays the store to the same state. A data dir has one
writer and its own catalog; a key goes to the data dir's sandbox, not to whatever answers on a
port (nothing here relies on the default port, except the test of the CLI's own auto-start).
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import socket
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from _sandbox_process import kalshi_process, sandbox_process

from kalshikit import KalshiClient
from kalshikit.cli.main import main
from kalshikit.config import APIConfig
from kalshikit.errors import Unauthorized
from kalshikit.http._core import Call, prepare
from kalshikit.models import BalanceResponse
from kalshikit.sandbox import launch
from kalshikit.sandbox.datadir import DataDirBusy
from kalshikit.sandbox.store import DB_NAME, SNAPSHOT_SUFFIX

pytestmark = pytest.mark.slow


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """``count`` distinct ports free now (each socket stays bound until all are picked)."""
    with ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in socks]


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(["--json", *argv]) == 0
    found = json.loads(capsys.readouterr().out)
    assert isinstance(found, dict)
    return found


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "sandbox"
    yield directory
    main(["sandbox", "stop", "--data-dir", str(directory)])


@pytest.fixture
def data_dirs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Names data dirs under tmp_path; whatever sandbox runs from them is stopped after."""
    made: list[Path] = []

    def make(name: str) -> Path:
        made.append(tmp_path / name)
        return made[-1]

    yield make
    for directory in made:
        main(["sandbox", "stop", "--data-dir", str(directory)])


def client_for(port: int, key: dict[str, object]) -> KalshiClient:
    config = APIConfig.resolve(
        "local",
        rest_url=f"http://127.0.0.1:{port}/trade-api/v2",
        api_key_id=str(key["api_key_id"]),
        private_key_path=str(key["private_key_path"]),
        environ={},
        dotenv_path=False,
    )
    return KalshiClient(config=config)


def balance_at(port: int, key: dict[str, object]) -> Decimal:
    with client_for(port, key) as client:
        return client.portfolio.balance().balance


def port_of(url: object) -> int:
    return int(str(url).split(":")[-1].split("/")[0])


def store_digest(data_dir: Path) -> str:
    """The bytes of the data dir's store (log, WAL, snapshot): they change only on a write.
    Not the -shm file: readers' shared memory, not data."""
    digest = hashlib.sha256()
    snapshot = Path(DB_NAME).with_suffix(SNAPSHOT_SUFFIX).name
    for name in (DB_NAME, f"{DB_NAME}-wal", snapshot):
        path = data_dir / name
        digest.update(path.read_bytes() if path.exists() else b"-")
    return digest.hexdigest()


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_keygen_prints_the_export_lines_of_the_local_environment(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run as printed, the lines sign local requests, and never become demo's or prod's key."""
    assert main(["sandbox", "keygen", "--data-dir", str(data_dir), "--balance", "75"]) == 0
    printed = capsys.readouterr().out
    exports = [line for line in printed.splitlines() if line.startswith("export ")]
    assert len(exports) == 2, printed
    environ = dict(shlex.split(line.removeprefix("export "))[0].split("=", 1) for line in exports)
    assert set(environ) == {"KALSHI_LOCAL_API_KEY_ID", "KALSHI_LOCAL_PRIVATE_KEY_PATH"}
    port = free_port()
    run_json(capsys, "sandbox", "start", "--data-dir", str(data_dir), "--port", str(port))
    url = f"http://127.0.0.1:{port}/trade-api/v2"
    config = APIConfig.resolve("local", rest_url=url, environ=environ, dotenv_path=False)
    with KalshiClient(config=config) as client:
        balance = client.call(Call(prepare("portfolio.balance"), BalanceResponse, lambda b: b))
    assert Decimal(balance.balance_dollars or "0") == 75
    demo = APIConfig.resolve("demo", environ=environ, dotenv_path=False)
    assert demo.api_key_id is None


def test_keygen_start_use_restart_reset(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    key = run_json(capsys, "sandbox", "keygen", "--data-dir", str(data_dir), "--balance", "250")
    assert set(key) == {"api_key_id", "private_key_path", "user_id", "balance_dollars"}
    assert key["balance_dollars"] == "250.00"
    assert os.stat(str(key["private_key_path"])).st_mode & 0o077 == 0  # only the owner reads it

    started = run_json(capsys, "sandbox", "start", "--data-dir", str(data_dir), "--port", str(port))
    assert started["status"] == "started"
    with client_for(port, key) as client:
        balance = client.call(Call(prepare("portfolio.balance"), BalanceResponse, lambda b: b))
        markets = client.markets.list(status="open").to_list()
        book = client.markets.orderbook(markets[0].ticker)
    assert balance.balance_dollars is not None
    assert Decimal(balance.balance_dollars) == Decimal("250")
    assert len(markets) > 100
    assert book.yes  # the house ladder rests on every open market
    assert book.no

    live_key = run_json(
        capsys,
        "sandbox",
        "keygen",
        "--data-dir",
        str(data_dir),
        "--port",
        str(port),
        "--type",
        "ed25519",
    )
    assert run_json(capsys, "sandbox", "status", "--data-dir", str(data_dir))["status"] == "running"
    assert run_json(capsys, "sandbox", "stop", "--data-dir", str(data_dir))["status"] == "stopped"

    run_json(capsys, "sandbox", "start", "--data-dir", str(data_dir), "--port", str(port))
    with client_for(port, live_key) as client:  # a user made while running survives a restart
        again = client.markets.orderbook(markets[0].ticker)
    assert again == book

    assert main(["--json", "sandbox", "reset", "--data-dir", str(data_dir)]) == 0
    said = capsys.readouterr()
    assert json.loads(said.out)["status"] == "reset"
    assert "API key" in said.err  # the user is warned that keys went, and told what to run next
    assert "kalshi sandbox keygen" in said.err
    assert not data_dir.exists()


def test_keygen_refuses_bad_input(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "keygen", "--data-dir", str(data_dir), "--balance", "12.345"]) == 2
    assert main(["sandbox", "keygen", "--data-dir", str(data_dir), "--type", "dsa"]) == 2
    assert "error:" in capsys.readouterr().err
    assert not (data_dir / "keys").exists()


def test_local_commands_start_a_sandbox_when_none_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """DESIGN.md: with --env local at the default URL, the CLI starts the sandbox and says so."""
    if launch.is_answering(launch.DEFAULT_HOST, launch.DEFAULT_PORT):
        pytest.skip("something already listens on the default sandbox port 8470")
    for name in [n for n in os.environ if n.startswith("KALSHI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))  # the user data dir, kept out of $HOME
    monkeypatch.chdir(tmp_path)
    data_dir = launch.default_data_dir()
    assert str(data_dir).startswith(str(tmp_path))
    try:
        assert main(["--env", "local", "--json", "markets", "list", "--limit", "1"]) == 0
        captured = capsys.readouterr()
        assert len(json.loads(captured.out)) == 1
        assert "started the local sandbox" in captured.err
    finally:
        main(["sandbox", "stop", "--data-dir", str(data_dir)])


def test_local_commands_use_the_default_sandbox_wherever_it_listens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default data dir's sandbox runs on another port: --env local talks to it (and its
    default user), and starts no second one; whatever answers on 8470 is not asked."""
    for name in [n for n in os.environ if n.startswith("KALSHI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    data_dir = launch.default_data_dir()
    (port,) = free_ports(1)
    run_json(capsys, "sandbox", "start", "--port", str(port), "--activity", "0")
    try:
        assert main(["--env", "local", "--json", "portfolio", "balance"]) == 0
        captured = capsys.readouterr()
        assert "started the local sandbox" not in captured.err
        assert Decimal(json.loads(captured.out)["balance_dollars"]) == 10_000
        shown = run_json(capsys, "config", "show")["rest_url"]  # and what config shows
        assert shown == {"value": f"http://127.0.0.1:{port}/trade-api/v2",
                         "source": "the running local sandbox"}  # fmt: skip
        assert main(["sandbox", "fault", "ws-skip-seq", "--count", "2"]) == 0  # faults too
        assert capsys.readouterr().out == "armed: 2 seq gap(s) ahead\n"
        armed = httpx.get(f"http://127.0.0.1:{port}/sandbox/admin/faults").json()
        assert armed["ws_skip_seq_count"] == 2
    finally:
        main(["sandbox", "stop", "--data-dir", str(data_dir)])


def test_keygen_writes_into_its_data_dirs_sandbox_not_the_one_on_the_port(
    data_dirs: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """Another data dir's sandbox listens on the port keygen is given (before the fix, the port
    keygen used); the key still goes to its own data dir, stopped (store) or running (server)."""
    other, mine = data_dirs("other"), data_dirs("mine")
    other_port, my_port = free_ports(2)
    quiet = ("--activity", "0")
    run_json(
        capsys, "sandbox", "start", "--data-dir", str(other), "--port", f"{other_port}", *quiet
    )

    def keygen(balance: str) -> dict[str, object]:
        argv = ["sandbox", "keygen", "--data-dir", str(mine), "--port", str(other_port)]
        assert main(["--json", *argv, "--balance", balance]) == 0
        said = capsys.readouterr()
        assert "--host/--port are ignored" in said.err  # the user is told where the key went
        found = json.loads(said.out)
        assert isinstance(found, dict)
        return found

    stored = keygen("111")  # mine is stopped: the key goes into its store
    run_json(capsys, "sandbox", "start", "--data-dir", str(mine), "--port", str(my_port), *quiet)
    live = keygen("222")  # mine runs: the key goes through its server, at once
    assert balance_at(my_port, stored) == Decimal("111")
    assert balance_at(my_port, live) == Decimal("222")
    with pytest.raises(Unauthorized):
        balance_at(other_port, live)


def test_keygen_beside_a_running_server_goes_through_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """keygen with a port that is not the server's (before the fix: straight into the live
    store, a key the server never heard of); orders keep their ids across a restart."""
    data = tmp_path / "sandbox"
    data.mkdir()
    with sandbox_process(data, "--activity", "0") as base:  # a foreground `serve`: no pid file
        status = run_json(capsys, "sandbox", "status", "--data-dir", str(data))
        assert status["status"] == "running"
        assert status["url"] == f"{base}/trade-api/v2"
        argv = ["sandbox", "keygen", "--data-dir", str(data), "--port", str(free_port())]
        key = run_json(capsys, *argv)
        with client_for(port_of(base), key) as client:
            ticker = client.markets.list(status="open").to_list()[0].ticker
            for cents in (2, 3, 4):
                buy = {"side": "yes", "action": "buy", "count": 1, "price_cents": cents}
                client.orders.create(ticker, client_order_id=f"mine-{cents}", **buy)
            acknowledged = {o.client_order_id: o.order_id for o in client.orders.list().to_list()}
        assert len(acknowledged) == 3

    with sandbox_process(data, "--activity", "0") as base, client_for(port_of(base), key) as client:
        replayed = {o.client_order_id: o.order_id for o in client.orders.list().to_list()}
        assert replayed == acknowledged
        assert run_json(capsys, "sandbox", "reset", "--data-dir", str(data))["status"] == "reset"
        assert not launch.is_answering("127.0.0.1", port_of(base))  # reset stopped it first
        assert not data.exists()


def test_a_second_server_on_a_data_dir_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Refused before it writes anything, naming the data dir, the running one and the fix;
    `start` reports the running one instead of starting another; the first one goes on."""
    data = tmp_path / "sandbox"
    data.mkdir()
    with sandbox_process(data, "--activity", "0") as base:
        status = run_json(capsys, "sandbox", "status", "--data-dir", str(data))
        written = store_digest(data)
        serve = ["sandbox", "serve", "--data-dir", str(data), "--port", str(free_port())]
        second = kalshi_process(*serve)
        assert second.returncode == 1
        refusal = one_error_line(second.stderr)
        assert f"{data} is in use by the sandbox on 127.0.0.1:{port_of(base)}" in refusal
        assert f"pid {status['pid']}" in refusal
        assert f"`kalshi sandbox stop --data-dir {data}`" in refusal

        again = ["sandbox", "start", "--data-dir", str(data), "--port", str(free_port())]
        started = run_json(capsys, *again)
        assert started["status"] == "already running"
        assert started["url"] == status["url"]
        with pytest.raises(DataDirBusy, match=f"{data} is in use by the sandbox on 127.0.0.1"):
            launch.start_background(launch.SandboxSettings(data_dir=data, port=free_port()))
        assert store_digest(data) == written
        with KalshiClient(rest_url=str(status["url"])) as client:  # the first one goes on
            assert client.markets.list(status="open").to_list()


def test_a_data_dir_keeps_the_catalog_it_was_made_with(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """keygen before the first start makes the store (seed 0, 200 markets): a different --seed
    or --markets later is refused, not silently ignored; the stored ones (given or not) run."""
    run_json(capsys, "sandbox", "keygen", "--data-dir", str(data_dir))
    port = free_port()
    served = ("sandbox", "serve", "--data-dir", str(data_dir), "--port", str(port))
    refused = kalshi_process(*served, "--markets", "20")
    assert refused.returncode == 2
    refusal = one_error_line(refused.stderr)
    assert "was made with --seed 0 --markets 200" in refusal
    assert f"`kalshi sandbox reset --data-dir {data_dir}`" in refusal
    assert "sandbox on" not in refused.stderr + refused.stdout

    start = ["sandbox", "start", "--data-dir", str(data_dir), "--port", str(port)]
    assert main([*start, "--seed", "7"]) == 2
    assert "was made with --seed 0 --markets 200" in one_error_line(capsys.readouterr().err)
    assert run_json(capsys, *start, "--seed", "0", "--activity", "0")["status"] == "started"
    with KalshiClient(rest_url=f"http://127.0.0.1:{port}/trade-api/v2") as client:
        assert len(client.markets.list(status="open").to_list()) > 100


def test_serve_on_a_busy_port_fails_before_it_says_it_runs(
    data_dirs: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    other, mine = data_dirs("other"), data_dirs("mine")
    port = str(free_port())
    run_json(capsys, "sandbox", "start", "--data-dir", str(other), "--port", port, "--activity=0")
    serve = ("sandbox", "serve", "--data-dir", str(mine), "--port", port)
    for json_flag in ((), ("--json",)):
        busy = kalshi_process(*json_flag, *serve)
        assert busy.returncode == 1
        assert busy.stdout == ""
        refusal = one_error_line(busy.stderr)  # and nothing said about running
        assert f"port {port} on 127.0.0.1 is already in use" in refusal
        assert "--port" in refusal
        assert "`kalshi sandbox stop" in refusal

    assert main(["--json", "sandbox", "start", "--data-dir", str(mine), "--port", port]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"port {port} on 127.0.0.1 is already in use" in one_error_line(captured.err)
    assert main(["--json", "sandbox", "status", "--data-dir", str(mine)]) == 1  # for scripts
    assert json.loads(capsys.readouterr().out)["status"] == "not running"
    assert run_json(capsys, "sandbox", "status", "--data-dir", str(other))["status"] == "running"


def test_a_start_on_a_port_another_sandbox_answers_is_never_taken_for_ours(
    data_dirs: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """What every `--env local` command does when the sandbox is not running (start it in the
    background): another data dir's sandbox answering on the port must not pass for ours."""
    other, mine = data_dirs("other"), data_dirs("mine")
    port = free_port()
    run_json(capsys, "sandbox", "start", "--data-dir", str(other), "--port", str(port),
             "--activity=0")  # fmt: skip
    for _ in range(3):  # the race it used to lose: the port answers before our child fails
        with pytest.raises(RuntimeError, match=f"port {port} on 127.0.0.1 is already in use"):
            launch.start_background(launch.SandboxSettings(data_dir=mine, port=port))


def test_a_background_start_reports_each_step_as_it_goes(tmp_path: Path) -> None:
    """A big catalog takes seconds to build and seed: `start` hears each step from the server
    (through its log) while it waits, in order, and only steps, never other log lines."""
    settings = launch.SandboxSettings(data_dir=tmp_path / "sandbox", port=free_port(), markets=50)
    steps: list[str] = []
    launch.start_background(settings, progress=steps.append)
    try:
        assert steps == [
            "opening about 50 markets (built once, then replayed)",
            "seeding the opening books",
            "listening",
        ]
    finally:
        launch.stop_background(settings)


def test_a_server_that_refuses_to_start_is_heard_in_one_line(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The background server's own error reaches the user, not only "see the log"."""
    run_json(capsys, "sandbox", "keygen", "--data-dir", str(data_dir))
    (data_dir / "sandbox.snapshot").write_text("not a snapshot\n")
    start = ["sandbox", "start", "--data-dir", str(data_dir), "--port", str(free_port())]
    assert main(start) == 1
    said = one_error_line(capsys.readouterr().err)
    assert "the sandbox exited with code 1: " in said
    assert "sandbox.snapshot is not a sandbox snapshot" in said
    assert f"(its log: {data_dir / 'sandbox.log'})" in said
