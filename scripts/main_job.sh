#!/usr/bin/env bash
# The main job (`make run`): a fresh sandbox with simulated traders, and the live movers table
# for about 30 seconds, then a summary of what the scanner saw. Starts, shows, stops by itself.
set -euo pipefail
BIN=${BIN:-.venv/bin}
SECONDS_TO_WATCH=${SECONDS_TO_WATCH:-30}
DATA=$(mktemp -d)
PORT=$("$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
trap '"$BIN/kalshi" sandbox stop --data-dir "$DATA" >/dev/null; rm -rf "$DATA"' EXIT

# a funded user for the signed WebSocket handshake, then the exchange itself
KEY=$("$BIN/kalshi" --json sandbox keygen --data-dir "$DATA")
field() { "$BIN/python" -c "import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$KEY" "$1"; }
export KALSHI_ENV=local KALSHI_API_URL="http://127.0.0.1:$PORT/trade-api/v2"
export KALSHI_LOCAL_API_KEY_ID=$(field api_key_id) KALSHI_LOCAL_PRIVATE_KEY_PATH=$(field private_key_path)
"$BIN/kalshi" sandbox start --data-dir "$DATA" --port "$PORT" --activity 100

"$BIN/kalshi" scan movers --window 5m --watch --duration "$SECONDS_TO_WATCH"
