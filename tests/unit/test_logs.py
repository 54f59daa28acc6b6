"""redact(): whatever form a log line gives a header in, no signature and no whole key id."""

from __future__ import annotations

import logging

from hypothesis import given
from hypothesis import strategies as st

from kalshikit.logs import RedactingFilter, redact

base64 = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", min_size=40)
key_ids = st.uuids().map(str)
FORMS = (
    "> {name}: {value}",
    "{name}={value}",
    "{{'{name}': '{value}'}}",
    "[(b'{name}', b'{value}')]",
    '{{"{name}": "{value}"}}',
)


@given(signature=base64, key_id=key_ids, form=st.sampled_from(FORMS), upper=st.booleans())
def test_no_signature_and_no_whole_key_id_survive(
    signature: str, key_id: str, form: str, upper: bool
) -> None:
    names = ("KALSHI-ACCESS-SIGNATURE", "KALSHI-ACCESS-KEY")
    if not upper:
        names = (names[0].lower(), names[1].lower())
    line = (
        form.format(name=names[0], value=signature) + " " + form.format(name=names[1], value=key_id)
    )
    cleaned = redact(line)
    assert signature not in cleaned
    assert key_id not in cleaned
    assert "[redacted]" in cleaned
    assert f"{key_id[:4]}…" in cleaned


def test_lines_without_secrets_are_left_alone() -> None:
    line = "GET /trade-api/v2/markets?limit=5 HTTP/1.1 200"
    assert redact(line) == line


def test_the_filter_rewrites_a_record_with_arguments() -> None:
    record = logging.LogRecord(
        "websockets.client", logging.DEBUG, __file__, 1, "> %s: %s",
        ("KALSHI-ACCESS-SIGNATURE", "c2lnbmF0dXJlLWJ5dGVzLWZvci10ZXN0aW5nLW9ubHk="), None,
    )  # fmt: skip
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "> KALSHI-ACCESS-SIGNATURE: [redacted]"
