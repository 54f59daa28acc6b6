"""When to try the WebSocket again: jittered exponential backoff. No I/O here.

Full jitter (a uniform draw between 0 and the capped exponential) spreads the reconnects of many
clients cut at the same moment, which is when an exchange is least able to take a stampede.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from kalshikit.errors import ValidationError

__all__ = ["Backoff"]


@dataclass
class Backoff:
    """The reconnect policy. Inject your own (or one with a seeded ``rng``) to change it.

    - ``initial_s`` doubles (``factor``) per failed attempt up to ``max_s``; the wait is a
      uniform draw in ``[0, that]`` (full jitter).
    - ``max_attempts``: give up after this many failures in a row (None: never give up on
      errors that may pass; authentication failures are never retried).
    - ``healthy_after_s``: a connection that lived this long resets the attempt count.
    """

    initial_s: float = 0.5
    max_s: float = 30.0
    factor: float = 2.0
    max_attempts: int | None = None
    healthy_after_s: float = 10.0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if not 0 < self.initial_s <= self.max_s or self.factor < 1:
            raise ValidationError(
                "backoff needs 0 < initial_s <= max_s and factor >= 1, got "
                f"{self.initial_s}, {self.max_s}, {self.factor}"
            )
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ValidationError(f"max_attempts must be >= 1 or None, got {self.max_attempts}")

    def ceiling(self, attempt: int) -> float:
        """The largest wait before attempt ``attempt`` (1 = the first retry)."""
        exponent = min(max(attempt - 1, 0), 64)  # beyond 2**64 the cap has long won
        return float(min(self.max_s, self.initial_s * self.factor**exponent))

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt``."""
        return self.rng.uniform(0.0, self.ceiling(attempt))

    def gives_up(self, attempt: int) -> bool:
        return self.max_attempts is not None and attempt > self.max_attempts
