"""`pip install kalshikit` (no extras) is enough to trade: the library runs, and trades against a
sandbox started elsewhere, with the sandbox's and the command line's libraries unimportable.

The child process is a real interpreter whose import system refuses those libraries, so any
import of them on the library's path fails the test (a fresh virtualenv says the same; see the
note of issue 15 for that run).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from _client_kit import Kit, kit, pool, sandbox_url  # noqa: F401 (fixtures)

EXTRAS_ONLY = ("starlette", "uvicorn", "typer", "rich", "click", "platformdirs", "httptools")

CHILD = textwrap.dedent(
    """
    import importlib.abc, json, sys

    BLOCKED = set(sys.argv[1].split(","))

    class NotInstalled(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r} (not installed)", name=name)
            return None

    sys.meta_path.insert(0, NotInstalled())
    from kalshikit import KalshiClient

    url, key_id, pem, ticker = sys.argv[2:6]
    with KalshiClient("local", rest_url=url, api_key_id=key_id, private_key_pem=pem) as client:
        placed = client.orders.create(
            ticker, side="yes", action="buy", count=1, price_cents=1, post_only=True
        )
        resting = [o.order_id for o in client.orders.list(ticker=ticker)]
        client.orders.cancel(placed.order_id, market_ticker=ticker)
    loaded = sorted({m.split(".")[0] for m in sys.modules} & BLOCKED)
    extras = ("kalshikit.sandbox", "kalshikit.cli")
    kalshikit_parts = sorted(m for m in sys.modules if m.startswith(extras))
    print(json.dumps({"placed": placed.order_id, "resting": resting, "loaded": loaded,
                      "parts": kalshikit_parts}))
    """
)


def test_the_library_alone_trades_against_a_sandbox_run_elsewhere(kit: Kit) -> None:  # noqa: F811
    account = kit.account()
    ticker = kit.market()
    argv = [sys.executable, "-c", CHILD, ",".join(EXTRAS_ONLY)]
    argv += [kit.url, account.api_key_id, account.pem, ticker]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["resting"] == [report["placed"]]
    assert report["loaded"] == []
    assert report["parts"] == []


def test_kalshi_without_the_cli_extra_says_what_to_install() -> None:
    child = textwrap.dedent(
        """
        import importlib.util, sys
        real = importlib.util.find_spec
        importlib.util.find_spec = lambda name, *a: None if name == "typer" else real(name, *a)
        from kalshikit._entry import run
        run()
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert "pip install 'kalshikit[cli]'" in done.stderr
    assert "typer" in done.stderr
