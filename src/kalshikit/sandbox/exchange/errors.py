"""The one exception the sandbox exchange raises when it refuses a call. No I/O here.

``status`` is the HTTP status the API layer answers with, ``code`` the machine-readable
snake_case code of the error body (as the real API names them) and ``message`` says what was
wrong and what to do. A refusal is raised before anything changes.
"""

from __future__ import annotations

__all__ = ["ExchangeError", "bad_request", "conflict", "not_found"]


class ExchangeError(Exception):
    """A refused call: nothing changed. The API layer turns it into an error body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type[ExchangeError], tuple[int, str, str]]:
        return (ExchangeError, (self.status, self.code, self.message))


def bad_request(code: str, message: str) -> ExchangeError:
    return ExchangeError(400, code, message)


def not_found(code: str, message: str) -> ExchangeError:
    return ExchangeError(404, code, message)


def conflict(code: str, message: str) -> ExchangeError:
    return ExchangeError(409, code, message)
