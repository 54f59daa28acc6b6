"""The error body of a non-2xx answer and of a failed batch item. No I/O here.

Three shapes are seen (reference section 5.2): the SDK's flat ``{code, message, details}`` (also
the ``error`` of a batch item), January's wrapped ``{"error": {code, message}}``, and the
documented 429 ``{"error": "too many requests"}``. One struct parses all three;
:meth:`ErrorResponse.flat` folds them into the flat form.
"""

from __future__ import annotations

from kalshikit.models.base import WireModel

__all__ = ["ErrorResponse"]


class ErrorResponse(WireModel, kw_only=True, frozen=True):
    """An error body; see :meth:`flat` for the one view of its three shapes."""

    code: str | None = None
    message: str | None = None
    details: str | None = None
    error: ErrorResponse | str | None = None
    """January wraps the body under ``error``; a 429 may carry just a string here."""

    def flat(self) -> ErrorResponse:
        """The flat ``{code, message, details}`` view: the wrapped object, the string as message,
        or this body itself."""
        if isinstance(self.error, ErrorResponse):
            return self.error.flat()
        if isinstance(self.error, str):
            return ErrorResponse(code=self.code, message=self.error, details=self.details)
        return self
