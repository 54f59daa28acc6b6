#!/usr/bin/env bash
# The main job (`make run`): a fresh sandbox from a clean data dir, its open markets, one book.
# Later issues make this the live scanner; the shape stays: start, show, stop by itself.
set -euo pipefail
BIN=${BIN:-.venv/bin}
DATA=$(mktemp -d)
PORT=$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export KALSHI_ENV=local KALSHI_API_URL="http://127.0.0.1:$PORT/trade-api/v2"
trap '"$BIN/kalshi" sandbox stop --data-dir "$DATA" >/dev/null; rm -rf "$DATA"' EXIT

"$BIN/kalshi" sandbox start --data-dir "$DATA" --port "$PORT"
"$BIN/kalshi" markets list --status open --limit 10
TICKER=$("$BIN/kalshi" --json markets list --status open --limit 1 2>/dev/null \
  | "$BIN/python" -c 'import json, sys; print(json.load(sys.stdin)[0]["ticker"])')
"$BIN/kalshi" markets book "$TICKER" --depth 5
