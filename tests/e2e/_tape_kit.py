"""What the tape tests share: the DuckDB query of docs/tape.md for a book at a moment."""

from __future__ import annotations

# docs/tape.md shows this query: the last snapshot (or reset) before the moment, plus the
# deltas after it; a reset last means the book was not known then
BOOK_AT = """
WITH rows AS (
    SELECT recv_ns, n, kind, side, price, size
    FROM read_parquet($tape, hive_partitioning = true)
    WHERE ticker = $ticker AND recv_ns < $at AND kind IN ('snapshot', 'delta', 'reset')
), base AS (
    SELECT recv_ns, n, kind FROM rows WHERE kind IN ('snapshot', 'reset')
    ORDER BY recv_ns DESC, n DESC LIMIT 1
)
SELECT r.side, r.price, sum(r.size) AS size
FROM rows r, base b
WHERE b.kind = 'snapshot' AND r.side IS NOT NULL AND (
    (r.kind = 'snapshot' AND r.n = b.n)
    OR (r.kind = 'delta' AND (r.recv_ns > b.recv_ns OR (r.recv_ns = b.recv_ns AND r.n > b.n))))
GROUP BY r.side, r.price HAVING sum(r.size) > 0
ORDER BY r.side, r.price
"""
