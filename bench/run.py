"""Run every kalshikit benchmark and write the figures to docs/benchmarks.md.

Run: ``make bench`` (or ``.venv/bin/python bench/run.py [--only engine,http]``). Each benchmark
module has ``run() -> dict`` and ``markdown(results) -> str``; this script only gathers them,
stamps the machine and the date, and writes one page. Figures are ratios and rates from one run
on a shared 2-core machine: compare within a run, not across runs.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = {
    "engine": "bench_engine",
    "sandbox_http": "bench_sandbox_http",
    "sandbox_ws": "bench_sandbox_ws",
    "sandbox_restart": "bench_sandbox_restart",
    "ratelimit": "bench_ratelimit",
    "rest_parse": "bench_rest_parse",
    "ws_ingest": "bench_ws_ingest",
    "scanner": "bench_scanner",
    "cli_startup": "bench_cli_startup",
    "tape_replay": "bench_tape_replay",
    "tape_query": "bench_tape_query",
    "tape_write": "bench_tape_write",
    "strategy": "bench_strategy",
    "paper_calibration": "bench_paper_calibration",
    "dashboard": "bench_dashboard",
}


def _header() -> str:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    return (
        "# Benchmarks\n\n"
        f"Written by `make bench` (bench/run.py) on {when}; {machine}.\n"
        "Each section is one benchmark module in `bench/`. Targets come from the issues.\n"
    )


def _block(name: str, text: str) -> str:
    return f"<!-- bench:{name} -->\n{text.rstrip()}\n<!-- /bench:{name} -->\n"


def _sections(page: Path) -> dict[str, str]:
    """The sections of an earlier page, by benchmark name (from the markers _block writes)."""
    found: dict[str, str] = {}
    text = page.read_text() if page.exists() else ""
    for name in BENCHMARKS:
        start, end = f"<!-- bench:{name} -->\n", f"\n<!-- /bench:{name} -->"
        if start in text and end in text:
            found[name] = text.split(start, 1)[1].split(end, 1)[0]
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated names: " + ",".join(BENCHMARKS))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    chosen = [n for n in BENCHMARKS if not args.only or n in args.only.split(",")]
    sys.path.insert(0, str(ROOT / "bench"))
    sections = _sections(args.out)  # --only keeps the other benchmarks' last figures
    for name in chosen:
        module = importlib.import_module(BENCHMARKS[name])
        reason = getattr(module, "unavailable", lambda: None)()
        if reason:  # e.g. the peer harness outside the repo: its last figures are kept
            print(f"skipped {name}: {reason}", flush=True)
            continue
        print(f"running {name} ...", flush=True)
        sections[name] = module.markdown(module.run())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    blocks = [_block(name, sections[name]) for name in BENCHMARKS if name in sections]
    args.out.write_text("\n".join([_header(), *blocks]))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
