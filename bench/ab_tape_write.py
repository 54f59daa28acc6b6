"""The tape write path of this tree against another revision's, in alternating rounds.

This machine's speed moves by up to half within minutes, so two versions are compared by
their ratio within a round, never by rates from different times. Each round runs one process
per tree (the order swapped every round), each doing ``bench_tape_write.once()`` over the same
frames ``PASSES`` times after a warm-up; a round's ratio is this tree's median rate over the
other's. The other tree is a temporary ``git worktree`` of ``--base``.

Run: ``.venv/bin/python bench/ab_tape_write.py --base REV [--rounds 12]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSES = 2
_ONE_TREE = """
import json, statistics, sys, tempfile
from pathlib import Path
root, passes = sys.argv[1], int(sys.argv[2])
sys.path[:0] = [root + "/src", root + "/bench"]
import bench_tape_write as bench
frames = bench.stream()
with tempfile.TemporaryDirectory() as folder:
    bench.once(frames[:20_000], Path(folder) / "warm-up")
    runs = [bench.once(frames, Path(folder) / f"run{n}") for n in range(passes)]
print(json.dumps(statistics.median(r["frames"] / r["seconds"] for r in runs)))
"""


def rate(tree: Path) -> float:
    """The median messages/s of one process running the bench of ``tree``."""
    done = subprocess.run(
        [sys.executable, "-c", _ONE_TREE, str(tree), str(PASSES)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return float(json.loads(done.stdout.strip().splitlines()[-1]))


def rounds(base: Path, count: int) -> list[tuple[float, float]]:
    """(this tree's rate, the base's rate) per round, the order swapped every round."""
    results = []
    for number in range(count):
        if number % 2:
            ours, theirs = rate(ROOT), rate(base)
        else:
            theirs, ours = rate(base), rate(ROOT)
        print(f"round {number + 1}: this {ours:,.0f} base {theirs:,.0f} "
              f"ratio {ours / theirs:.3f}", flush=True)  # fmt: skip
        results.append((ours, theirs))
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True, help="the revision to compare with (git)")
    parser.add_argument("--rounds", type=int, default=12, help="alternating rounds (12)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base),
                        args.base], check=True, capture_output=True)  # fmt: skip
        try:
            results = rounds(base, args.rounds)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                           check=False, capture_output=True)  # fmt: skip
    ratios = [ours / theirs for ours, theirs in results]
    this, that = [r[0] for r in results], [r[1] for r in results]
    spread = f"this {min(this):,.0f}-{max(this):,.0f}, base {min(that):,.0f}-{max(that):,.0f}"
    middle = statistics.median(ratios)
    print(f"ratio {middle:.3f} median ({min(ratios):.3f}-{max(ratios):.3f}); {spread} msg/s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
