"""`kalshi keys ...`: your API keys: list, register a public key, generate a key pair, delete.

``generate`` writes the private key the exchange answers to ``--out`` (mode 600, never over an
existing file) and never prints it, with ``--json`` either: that shows where the key went.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from kalshikit.cli._output import emit, emit_json, say
from kalshikit.cli._state import state
from kalshikit.errors import ValidationError

app = typer.Typer(help="API keys: list, create, generate, delete.", no_args_is_help=True)

_COLUMNS = ["id", "name", "scopes", "subaccount"]


def _read_public_key(path: Path) -> str:
    try:
        return path.expanduser().read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise ValidationError(f"--public-key: cannot read {path} ({error})") from None


def _check_out(path: Path) -> Path:
    """Where the private key will go: refused before anything is sent if it cannot."""
    out = path.expanduser()
    if out.exists():
        raise ValidationError(
            f"--out: {out} exists; choose a new file (a key is never overwritten)"
        )
    if not out.parent.is_dir():
        raise ValidationError(f"--out: the folder {out.parent} does not exist")
    return out


def _write_private_key(path: Path, pem: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(pem)
    path.chmod(0o600)


@app.command("list")
def list_keys(ctx: typer.Context) -> None:
    """Your API keys: id, name, scopes and the sub-account a key is locked to (— for none).

    Example: kalshi keys list
    """
    state_ = state(ctx)
    with state_.client(authenticated=True) as client:
        answer = client.api_keys.list()
    rows = (
        [
            k.api_key_id,
            k.name or "—",
            ", ".join(k.scopes) or "—",
            "—" if k.subaccount is None else k.subaccount,
        ]
        for k in answer.api_keys
    )
    emit(state_.json, answer.api_keys, None, _COLUMNS, rows, empty="no API keys")


@app.command("create")
def create(
    ctx: typer.Context,
    public_key: Annotated[
        Path, typer.Option("--public-key", help="Your public key's PEM file (RSA or Ed25519).")
    ],
    name: Annotated[str, typer.Option(help="A name that says what the key is for.")] = "kalshikit",
    scope: Annotated[
        list[str] | None,
        typer.Option(help="A scope to grant (read, write, ...); repeat it. Default: read, write."),
    ] = None,
    subaccount: Annotated[
        int | None, typer.Option(help="Lock the key to this sub-account (0-63).")
    ] = None,
) -> None:
    """Register your own public key as a new API key (its private key stays with you).

    Example: kalshi keys create --public-key ~/.kalshi/bot.pub --name bot
    """
    state_ = state(ctx)
    pem = _read_public_key(public_key)
    with state_.client(authenticated=True) as client:
        answer = client.api_keys.create(name, pem, scopes=scope or None, subaccount=subaccount)
    if state_.json:
        emit_json(answer)
        return
    say(f"created API key {answer.api_key_id} ({name})")


@app.command("generate")
def generate(
    ctx: typer.Context,
    out: Annotated[
        Path, typer.Option("--out", help="A new file for the private key (written mode 600).")
    ],
    name: Annotated[str, typer.Option(help="A name that says what the key is for.")] = "kalshikit",
    key_type: Annotated[
        str, typer.Option("--type", help="The key's algorithm: rsa or ed25519.")
    ] = "rsa",
    scope: Annotated[
        list[str] | None,
        typer.Option(help="A scope to grant (read, write, ...); repeat it. Default: read, write."),
    ] = None,
    subaccount: Annotated[
        int | None, typer.Option(help="Lock the key to this sub-account (0-63).")
    ] = None,
) -> None:
    """Have the exchange make a key pair; its private key goes to --out, never to the screen.

    Example: kalshi keys generate --out ~/.kalshi/bot.pem --name bot
    """
    state_ = state(ctx)
    path = _check_out(out)
    with state_.client(authenticated=True) as client:
        answer = client.api_keys.generate(
            name, key_type=key_type, scopes=scope or None, subaccount=subaccount
        )
    _write_private_key(path, answer.private_key)
    shown = {
        "api_key_id": answer.api_key_id,
        "key_type": answer.key_type,
        "private_key_path": str(path),
    }
    if state_.json:
        emit_json(shown)
        return
    say(f"generated API key {answer.api_key_id} ({name}); private key written to {path}")


@app.command("delete")
def delete(
    ctx: typer.Context,
    api_key_id: Annotated[str, typer.Argument(help="The key's id (kalshi keys list).")],
) -> None:
    """Delete an API key: requests signed with it are refused from now on.

    Example: kalshi keys delete 0f3c2a9e-5d1b-4c7e-9a2f-6b8d4e1c7a30
    """
    state_ = state(ctx)
    with state_.client(authenticated=True) as client:
        client.api_keys.delete(api_key_id)
    if state_.json:
        emit_json({"api_key_id": api_key_id, "deleted": True})
        return
    say(f"deleted API key {api_key_id}")
