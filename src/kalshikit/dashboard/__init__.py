"""The live dashboard: a local web page over the same stream, books and checks as the CLI.

views (pure: the page's picture as JSON-ready dicts), hub (the live state: one WebSocket, the
scanner, followed markets, the account), desk (the order ticket: `kalshi order place`'s checks),
app (the Starlette app: the page, its WebSocket, the writes, the token), server (uvicorn), and
static/ (the page: HTML, CSS and one script, shipped as they are: no build step). Starlette and
uvicorn are the ``sandbox`` extra, which the CLI pulls; ``kalshi dashboard`` serves it.
"""
