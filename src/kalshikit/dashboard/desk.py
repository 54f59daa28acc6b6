"""The dashboard's order ticket: a form from the page, checked as `kalshi order place` checks it.

The same steps in the same order as the CLI: :func:`kalshikit.entry.order_entry` (the CLI's
messages), then the client's own ``dry_run`` (the market's tick grid), then, in prod, the
person's confirmation of the same summary the CLI asks about, and only then the order. A form
refused at any step sends nothing. Answers are (HTTP status, JSON body): 200 with the CLI's
line, 400 with the CLI's message, 409 asking to confirm, 502 when the exchange refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from kalshikit.config import Environment
from kalshikit.entry import Entry, flagged, order_entry, placed_line
from kalshikit.errors import APIStatusError, KalshiError, NotFound, ValidationError
from kalshikit.http.client import AsyncKalshiClient
from kalshikit.http.orders_core import OrderResult
from kalshikit.units.display import ID_PREFIX

__all__ = ["Answer", "Desk", "read_form"]

Answer = tuple[int, dict[str, Any]]
_TEXT_FIELDS: Final = ("ticker", "side", "action", "count", "cents", "dollars", "tif")
_FLAGS: Final = ("post_only", "confirm")


class Desk:
    """Places and cancels the account's orders for the page."""

    def __init__(self, client: AsyncKalshiClient, environment: Environment) -> None:
        self.client = client
        self.prod = environment is Environment.PROD

    async def place(self, form: object) -> Answer:
        try:
            fields, flags = read_form(form)
            entry = _entry(fields, flags)
            await self.client.orders.create(entry.ticker, **entry.intent, dry_run=True)
        except ValidationError as error:
            return 400, {"error": str(flagged(error))}
        except NotFound:
            return 400, {"error": f"no market {fields['ticker']}; pick one from the market watch"}
        except KalshiError as error:
            return 502, {"error": _said(error)}
        if self.prod and not flags["confirm"]:
            return 409, {"confirm": f"PRODUCTION: {entry.summary}. Send it?"}
        try:
            result = await self.client.orders.create(entry.ticker, **entry.intent)
        except ValidationError as error:
            return 400, {"error": str(flagged(error))}
        except KalshiError as error:
            return 502, {"error": _said(error)}
        assert isinstance(result, OrderResult)
        line = placed_line(result, entry.side, entry.action, entry.count)
        return 200, {"line": line, "order_id": result.order_id}

    async def cancel(self, order_id: str, ticker: str | None, confirm: bool) -> Answer:
        short = order_id[:ID_PREFIX]
        if self.prod and not confirm:
            return 409, {"confirm": f"PRODUCTION: cancel order {short}. Send it?"}
        try:
            await self.client.orders.cancel(order_id, market_ticker=ticker)
        except NotFound:
            return 400, {"error": f"no resting order {short}: it filled or was canceled"}
        except KalshiError as error:
            return 502, {"error": _said(error)}
        return 200, {"line": f"canceled order {short}"}


def read_form(form: object) -> tuple[dict[str, str | None], dict[str, bool]]:
    """The form's fields, each text (or absent) and each flag a boolean; anything else is
    refused by name."""
    if not isinstance(form, Mapping):
        raise ValidationError("the order form must be a JSON object")
    fields: dict[str, str | None] = {}
    for name in _TEXT_FIELDS:
        value = form.get(name)
        if value is not None and not isinstance(value, str):
            raise ValidationError(f"--{name} must be text; got {value!r}")
        fields[name] = value.strip() if isinstance(value, str) and value.strip() else None
    flags = {}
    for name in _FLAGS:
        value = form.get(name, False)
        if not isinstance(value, bool):
            raise ValidationError(f"{name} must be true or false; got {value!r}")
        flags[name] = value
    for name in ("ticker", "side", "action", "count"):
        if fields[name] is None:
            raise ValidationError(f"--{name} is missing: fill it in")
    return fields, flags


def _entry(fields: Mapping[str, str | None], flags: Mapping[str, bool]) -> Entry:
    return order_entry(
        str(fields["ticker"]), side=str(fields["side"]), action=str(fields["action"]),
        count=str(fields["count"]), cents_text=fields["cents"], dollars=fields["dollars"],
        tif=fields["tif"] or "gtc",
        post_only=flags["post_only"],
    )  # fmt: skip


def _said(error: KalshiError) -> str:
    """The exchange's refusal in one line (its own message, as the CLI prints it)."""
    if isinstance(error, APIStatusError):
        return str(error).splitlines()[0]
    return str(error)
