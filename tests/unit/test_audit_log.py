"""The audit log: one JSON line per record, with time and environment, flushed as written, and
never a key, a signature or a credential."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from kalshikit.errors import ValidationError
from kalshikit.strategy.audit import AuditLog, default_audit_path, read_audit

PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----"


def test_each_record_is_a_line_on_disk_at_once(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with AuditLog(path, "demo") as audit:
        audit.write("order", {"order_id": "abc", "price": Decimal("0.4500")}, at_ns=0)
        # flushed per line: a reader sees it while the log is still open
        assert [r["order_id"] for r in read_audit(path)] == ["abc"]
        audit.write("fill", {"count_centi": 300})
    first, second = read_audit(path)
    assert first == {
        "at": "1970-01-01T00:00:00.000000000+00:00",
        "env": "demo",
        "kind": "order",
        "order_id": "abc",
        "price": "0.4500",
    }
    assert second["kind"] == "fill"
    assert second["at"][:4] >= "2026"


def test_no_secret_reaches_the_log(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with AuditLog(path, "prod") as audit:
        audit.write(
            "halt",
            {
                "reason": f"leaked {PEM} and KALSHI-ACCESS-SIGNATURE: c2lnbmF0dXJl",
                "api_key_id": "0f1e2d3c-aaaa-bbbb",
                "private_key_path": "/home/ana/key.pem",
                "headers": {"KALSHI-ACCESS-KEY": "0f1e2d3c", "host": "x"},
                "by": "ana",
            },
        )
    text = path.read_text()
    for secret in ("MIIEvQIBADANBg", "c2lnbmF0dXJl", "0f1e2d3c-aaaa", "key.pem", "0f1e2d3c"):
        assert secret not in text
    (record,) = read_audit(path)
    assert record["by"] == "ana"
    assert record["headers"] == {"host": "x"}


@pytest.mark.parametrize(
    ("kind", "fields", "says"),
    [
        ("trade", {}, "kind is one of intent, refusal, order, fill, halt, clear"),
        ("fill", {"env": "prod"}, "may not be named env"),
        ("fill", {"price": 0.45}, "exact numbers"),
    ],
)
def test_bad_records_are_refused_and_nothing_is_written(
    tmp_path: Path, kind: str, fields: dict[str, object], says: str
) -> None:
    path = tmp_path / "audit.jsonl"
    with AuditLog(path, "local") as audit, pytest.raises(ValidationError, match=says):
        audit.write(kind, fields)
    assert not path.exists() or path.read_text() == ""


def test_a_torn_last_line_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with AuditLog(path, "local") as audit:
        audit.write("clear", {"by": "ana"})
    with path.open("a") as handle:
        handle.write('{"at": "2026-')  # a crash mid-write
    assert [r["kind"] for r in read_audit(path)] == ["clear"]


def test_the_default_path_sits_beside_the_halt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_audit_path("demo") == tmp_path / "kalshikit" / "audit-demo.jsonl"
