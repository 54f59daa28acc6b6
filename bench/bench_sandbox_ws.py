"""Benchmark of the sandbox's WebSocket fan-out with the market simulator at full speed.

For 1, 10 and 50 subscribers (each its own signed connection, subscribed to `orderbook_delta`,
`ticker` and `trade` on every open market): frames per second delivered in total, the
engine-to-client latency of book deltas (client receive time minus the frame's `ts_ms`, one
machine, one clock) at p50 and p99, and the sandbox's resident memory.

The sandbox runs as its own process (`kalshi sandbox serve --activity ...`); the subscribers
share one asyncio process. Both live on the same 2 cores, so the figures are a floor.

Run: ``.venv/bin/python bench/bench_sandbox_ws.py``; bench/run.py gathers it.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sandbox_http import _rss_mb, sandbox  # a sibling bench module
from kalshikit.auth import Signer, generate_private_key, public_key_pem

SUBSCRIBERS = (1, 10, 50)
SECONDS = 8.0
ACTIVITY = "2000"  # simulator actions per second: more than 2 cores can serve, i.e. full speed
# the pace at which 10 subscribers receive about the 20,000 frames/s of the target, to read the
# latency at that load rather than with both cores saturated by server and client together
TARGET_PACE = "800"
TARGETS = {"frames_per_s_10": 20_000.0, "p99_ms": 20.0}


def _signer(base: str) -> Signer:
    key = generate_private_key("ed25519")
    made = httpx.post(f"{base}/sandbox/admin/users", json={"public_key_pem": public_key_pem(key)})
    made.raise_for_status()
    return Signer(made.json()["api_key_id"], key)


def _tickers(base: str) -> list[str]:
    page = httpx.get(f"{base}/trade-api/v2/markets", params={"status": "open", "limit": 1000})
    return [m["ticker"] for m in page.json()["markets"]]


async def _subscriber(
    base: str, signer: Signer, tickers: list[str], until: float, latencies: list[float]
) -> int:
    url = base.replace("http://", "ws://") + "/trade-api/ws/v2"
    async with connect(url, additional_headers=signer.ws_headers(url), compression=None) as ws:
        await _subscribe(ws, tickers)
        return await _count(ws, until, latencies)


async def _subscribe(ws: ClientConnection, tickers: list[str]) -> None:
    command = {
        "id": 1,
        "cmd": "subscribe",
        "params": {"channels": ["orderbook_delta", "ticker", "trade"], "market_tickers": tickers},
    }
    await ws.send(json.dumps(command))


async def _count(ws: ClientConnection, until: float, latencies: list[float]) -> int:
    frames = 0
    while (left := until - time.time()) > 0:
        try:
            raw = await asyncio.wait_for(ws.recv(), timeout=left)
        except TimeoutError:
            break
        frames += 1
        if frames % 50 == 0 and '"orderbook_delta"' in str(raw):
            sent_ms = json.loads(raw)["msg"].get("ts_ms")
            if sent_ms:
                latencies.append(time.time() * 1000 - sent_ms)
    return frames


async def _measure(base: str, count: int) -> dict[str, float]:
    signers = [_signer(base) for _ in range(count)]
    tickers = _tickers(base)
    latencies: list[float] = []
    until = time.time() + SECONDS + 1.0
    counts = await asyncio.gather(
        *(_subscriber(base, s, tickers, until, latencies) for s in signers)
    )
    latencies.sort()
    return {
        f"frames_per_s_{count}": sum(counts) / SECONDS,
        f"p50_ms_{count}": statistics.median(latencies) if latencies else float("nan"),
        f"p99_ms_{count}": latencies[int(len(latencies) * 0.99)] if latencies else float("nan"),
    }


def run() -> dict[str, float]:
    results: dict[str, float] = {}
    for count in SUBSCRIBERS:
        with sandbox(200, "--no-limits", "--activity", ACTIVITY) as (base, pid, _):
            time.sleep(2.0)  # let the simulator reach its pace
            results |= asyncio.run(_measure(base, count))
            results[f"rss_mb_{count}"] = _rss_mb(pid)
    with sandbox(200, "--no-limits", "--activity", TARGET_PACE) as (base, _, _):
        time.sleep(2.0)
        paced = asyncio.run(_measure(base, 10))
    results |= {f"paced_{name}": value for name, value in paced.items()}
    return results


def markdown(r: dict[str, float]) -> str:
    rows = [
        f"| {n} | {r[f'frames_per_s_{n}']:,.0f} | {r[f'p50_ms_{n}']:.1f} ms "
        f"| {r[f'p99_ms_{n}']:.1f} ms | {r[f'rss_mb_{n}']:.0f} MB |"
        for n in SUBSCRIBERS
    ]
    ten_ok = r["frames_per_s_10"] >= TARGETS["frames_per_s_10"]
    p99_ok = r["paced_p99_ms_10"] <= TARGETS["p99_ms"]
    return "\n".join(
        [
            "### Sandbox WebSocket fan-out (simulator at full speed)\n",
            f"Subscribers each on their own signed connection to `orderbook_delta`, `ticker` and "
            f"`trade` for every open market; {SECONDS:g} s per run; latency = receive time - "
            f"frame `ts_ms` on book deltas (sampled 1 in 50).\n",
            "| subscribers | frames/s delivered (total) | p50 | p99 | sandbox memory |",
            "|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"At the target load (10 subscribers, simulator at {TARGET_PACE} actions/s): "
            f"{r['paced_frames_per_s_10']:,.0f} frames/s, p50 {r['paced_p50_ms_10']:.1f} ms, "
            f"p99 {r['paced_p99_ms_10']:.1f} ms. At full speed the server and the one Python "
            "client process share 2 cores, so the full-speed latencies above are mostly the "
            "client's own backlog.",
            "",
            f"Targets (10 subscribers): 20,000 frames/s at full speed "
            f"({'meets' if ten_ok else 'MISSES'}); p99 under 20 ms at that load "
            f"({'meets' if p99_ok else 'MISSES'}).",
            "",
        ]
    )


if __name__ == "__main__":
    print(markdown(run()))
