"""WebSocket ingest: kalshikit beside its peers on the shared harness, and tick-to-book latency.

Throughput runs ``../shared/bench/ingest.py`` (its own venv, with the peer libraries) over the
harness's 1,000,000-frame stream for the reference adapters, kalshi_sdk, and our two adapters
(``bench/adapters/kalshikit_ws.py``: the public KalshiWebSocket API; ``kalshikit_protocol.py``:
its per-frame core), each in a fresh process, and checks every adapter's final books against
the generator's. Targets (issue 6): >= 5x kalshi_sdk through the public API, and within 2x of
the msgspec floor (``msgspec_ticks``).

Latency is measured here, in-process: (a) receive-to-book, the time ``Protocol.receive`` takes
from the raw frame to the updated book, per delta; (b) exchange-to-book over loopback: a
sandbox with simulated activity, each book update's wall time minus the delta's ``ts_ms``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HARNESS = Path(os.environ.get("KALSHI_BENCH_HARNESS", ROOT.parent / "shared" / "bench"))
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kalshi-bench"
VENV_PY = CACHE / "venv" / "bin" / "python"
STREAM = CACHE / "work" / "current.ndjson"
EDGE = CACHE / "work" / "edge.ndjson"
FRAMES, SEED = 1_000_000, 20261124
OURS = {
    "kalshikit_ws": ROOT / "bench" / "adapters" / "kalshikit_ws.py",
    "kalshikit_protocol": ROOT / "bench" / "adapters" / "kalshikit_protocol.py",
}
PEERS = ["json_dict_decimal", "orjson_ticks", "msgspec_ticks", "kalshi_sdk", "kalshi_sdk_frame"]


def unavailable() -> str | None:
    """Why this benchmark cannot run here (bench/run.py then skips it), or None."""
    if HARNESS.is_dir():
        return None
    return f"needs the team's peer benchmark harness at {HARNESS} (or KALSHI_BENCH_HARNESS)"


def _ensure_harness() -> None:
    if not HARNESS.is_dir():
        raise SystemExit(f"the shared harness is not at {HARNESS} (set KALSHI_BENCH_HARNESS)")
    if not VENV_PY.exists():
        subprocess.run(["bash", str(HARNESS / "setup_venv.sh")], check=True)
    probe = subprocess.run([str(VENV_PY), "-c", "import kalshikit"], capture_output=True)
    if probe.returncode:
        pip = [str(VENV_PY), "-m", "pip", "install", "-q", "-e", str(ROOT)]
        subprocess.run(pip, check=True)
    gen = [sys.executable, str(HARNESS / "gen_stream.py"), "ws", "--seed", str(SEED)]
    if not STREAM.exists():
        subprocess.run([*gen, "--out", str(STREAM), "--frames", str(FRAMES), "--markets", "500"],
                       check=True)  # fmt: skip
    if not EDGE.exists():
        edge = ["--frames", "100000", "--markets", "100", "--markets-per-sub", "50"]
        edge += ["--one-sided", "0.01", "--fractional", "0.2"]
        subprocess.run([*gen, "--out", str(EDGE), *edge], check=True)


def _ingest(adapter: str, frames: Path, runs: int) -> dict[str, Any]:
    warmup = "1" if runs > 1 else "0"
    command = [str(VENV_PY), str(HARNESS / "ingest.py"), "--adapter", adapter, "--json",
               "--frames", str(frames), "--runs", str(runs), "--warmup", warmup]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        return {"failed": (done.stdout + done.stderr).strip().splitlines()[-1:]}
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _throughput() -> dict[str, Any]:
    table: dict[str, Any] = {}
    for name in PEERS + list(OURS):
        adapter = str(OURS.get(name, name))
        print(f"  ingest {name} ...", flush=True)
        table[name] = _ingest(adapter, STREAM, runs=5)
    edge = {name: _ingest(str(path), EDGE, runs=1) for name, path in OURS.items()}
    return {"stream": table, "edge": edge}


def _receive_to_book(frames: int = 200_000) -> dict[str, float]:
    from kalshikit.models.stream import DeltaFrame
    from kalshikit.ws import Protocol

    proto, clock, spans = Protocol(adopt=True), time.perf_counter_ns, []
    with STREAM.open("rb") as lines:
        raw = [next(lines).rstrip(b"\n") for _ in range(frames)]
    for line in raw:
        start = clock()
        frame = proto.receive(line)
        end = clock()
        if type(frame) is DeltaFrame:
            spans.append(end - start)
    spans.sort()
    return {"p50_us": spans[len(spans) // 2] / 1000, "p99_us": spans[int(len(spans) * 0.99)] / 1000,
            "deltas": float(len(spans))}  # fmt: skip


def _exchange_to_book(seconds: float = 10.0) -> dict[str, float]:
    import httpx

    from bench_sandbox_http import sandbox  # a sibling bench module: a sandbox process
    from kalshikit.auth import Signer, generate_private_key, public_key_pem
    from kalshikit.config import APIConfig

    with sandbox(200, "--activity", "500", "--no-limits") as (base, _pid, _started):
        key = generate_private_key("ed25519")
        body = {"public_key_pem": public_key_pem(key)}
        made = httpx.post(f"{base}/sandbox/admin/users", json=body).json()
        page = httpx.get(f"{base}/trade-api/v2/markets", params={"status": "open", "limit": 50})
        tickers = [m["ticker"] for m in page.json()["markets"]]
        config = APIConfig.resolve(
            "local", rest_url=f"{base}/trade-api/v2", environ={}, dotenv_path=False
        )
        signer = Signer(made["api_key_id"], key)
        lags = asyncio.run(_lags(config, signer, tickers, seconds))
    lags.sort()
    if not lags:
        return {"deltas": 0.0}
    return {"p50_ms": float(lags[len(lags) // 2]), "p99_ms": float(lags[int(len(lags) * 0.99)]),
            "deltas": float(len(lags)), "per_s": len(lags) / seconds}  # fmt: skip


async def _lags(config: Any, signer: Any, tickers: list[str], seconds: float) -> list[int]:
    """Wall time at each applied delta minus the exchange time the delta carries."""
    from kalshikit.ws import KalshiWebSocket

    lags: list[int] = []

    def on_delta(frame: Any) -> None:
        sent_ms = getattr(frame.msg, "ts_ms", None)  # deltas carry it; snapshots do not
        if sent_ms is not None:
            lags.append(time.time_ns() // 1_000_000 - sent_ms)

    async with KalshiWebSocket(config=config, signer=signer) as ws:
        await ws.subscribe("orderbook_delta", tickers, on_message=on_delta, iterate=False,
                           frames=True)  # fmt: skip
        await asyncio.sleep(seconds)
    return lags


def run() -> dict[str, Any]:
    _ensure_harness()
    results = _throughput()
    results["receive_to_book"] = _receive_to_book()
    results["exchange_to_book"] = _exchange_to_book()
    return results


def _row(name: str, found: dict[str, Any], floor: float, sdk: float) -> str:
    if "failed" in found:
        return f"| {name} | failed: {' '.join(found['failed'])} | | | | |"
    rate = found["frames_per_s"]
    return (f"| {name} | {rate:,.0f} | {found['us_per_frame']:.2f} | {floor / rate:.2f} | "
            f"{rate / sdk:.1f} | {'yes' if found['matches_generator'] else 'NO'} |")  # fmt: skip


def markdown(results: dict[str, Any]) -> str:
    stream = results["stream"]
    floor = stream["msgspec_ticks"]["frames_per_s"]
    sdk = stream["kalshi_sdk"]["frames_per_s"]
    rows = [_row(name, found, floor, sdk) for name, found in stream.items()]
    ours, core = stream["kalshikit_ws"], stream["kalshikit_protocol"]
    edge = ", ".join(f"{n}: {'exact' if r.get('matches_generator') else 'WRONG'}"
                     for n, r in results["edge"].items())  # fmt: skip
    r2b, e2b = results["receive_to_book"], results["exchange_to_book"]
    return "\n".join([
        "## WebSocket ingest (issue 6)\n",
        f"`bench/bench_ws_ingest.py`: the shared harness (`{HARNESS.name}/ingest.py`, 5 timed runs "
        f"after 1 warm-up, each adapter in a fresh process) on its {FRAMES:,}-frame stream "
        "(seed 20261124, 500 markets). Frames are in memory; no socket or TLS is timed.\n",
        "| adapter | frames/s | µs/frame | x msgspec_ticks time | x kalshi_sdk | books exact |",
        "|---|---:|---:|---:|---:|---|",
        *rows,
        "",
        f"- Public API (`kalshikit_ws`): **{ours['frames_per_s'] / sdk:.1f}x kalshi_sdk** "
        "(target >= 5x).",
        f"- Per-frame core (`kalshikit_protocol`): **{floor / core['frames_per_s']:.2f}x** the "
        f"msgspec floor's time per frame (target within 2x); the public API is "
        f"{floor / ours['frames_per_s']:.2f}x.",
        f"- Edge stream (one-sided snapshots, 20% fractional sizes, 2 book sids): {edge}.",
        f"- Receive-to-book, per delta through `Protocol.receive`: p50 {r2b['p50_us']:.1f} µs, "
        f"p99 {r2b['p99_us']:.1f} µs ({r2b['deltas']:,.0f} deltas).",
        f"- Exchange-to-book over loopback (sandbox with 500 simulated writes/s, 50 books): "
        f"p50 {e2b.get('p50_ms', 0):.0f} ms, p99 {e2b.get('p99_ms', 0):.0f} ms over "
        f"{e2b['deltas']:,.0f} deltas (ms resolution: the wire's `ts_ms`).",
        "",
    ])  # fmt: skip


if __name__ == "__main__":
    print(markdown(run()))
