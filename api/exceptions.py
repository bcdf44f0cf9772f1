"""Every API error as JSON: ``{"detail": message, "code": code, "fields": {...}}``.

Errors raised by the services (Django's ``ValidationError``, edit conflicts, a
submitted report) become 400 and 409 here, so views need no try/except of their own.
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from plans.services import (
    ConflictError,
    OwnReportError,
    ReportStateError,
    ReportSubmittedError,
    RoundClosedError,
    RoundNotOpenError,
)
from strategi.db import BUSY_RETRY_AFTER_SECONDS, database_busy


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy(
        "Someone else has changed this since you read it. Nothing was saved."
    )
    default_code = "conflict"

    def __init__(self, detail: str | None = None, *, current_version: int | None = None) -> None:
        super().__init__(detail)
        self.current_version = current_version


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = gettext_lazy(
        "Send the version you read in an If-Match header (or a «version» field), so that "
        "a colleague's change is not overwritten."
    )
    default_code = "precondition_required"


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = gettext_lazy(
        "This Idempotency-Key was used for another request (another body or another "
        "endpoint). Nothing was saved; send a new key for a new request."
    )
    default_code = "idempotency_key_reused"


class DatabaseBusy(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = gettext_lazy(
        "The database is busy with another change. Nothing was saved; try again in a moment."
    )
    default_code = "database_busy"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request is too large.")
    default_code = "too_large"


def _fields(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {str(key): value for key, value in detail.items()}
    return {}


def _message(detail: Any) -> str:
    if isinstance(detail, dict):
        return _("Invalid input: see «fields».")
    if isinstance(detail, list):
        return " ".join(str(item) for item in detail) or _("Invalid input.")
    return str(detail)


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, ConflictError):
        exc = Conflict(current_version=exc.version)
    elif isinstance(exc, ReportSubmittedError):
        exc = Conflict(
            _("The report is submitted and read-only until it is returned or HR reopens it.")
        )
    elif isinstance(exc, RoundClosedError):
        exc = Conflict(_("The tertial's round is closed: its reports can no longer be changed."))
    elif isinstance(exc, RoundNotOpenError):
        exc = Conflict(
            _(
                "The tertial's round has not opened: a report can be submitted once its "
                "figures exist and the round opens."
            )
        )
    elif isinstance(exc, OwnReportError):
        exc = exceptions.PermissionDenied(
            _("No one approves or sends back a report they submitted or of a unit they lead.")
        )
    elif isinstance(exc, ReportStateError):
        exc = Conflict(_("Only a submitted report can be approved or returned."))
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, SuspiciousOperation):
        exc = exceptions.ParseError(_("The request could not be read."))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif database_busy(exc):
        exc = DatabaseBusy()
    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: Django's 500 handling (logged)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    body: dict[str, Any] = {"detail": _message(exc.detail), "code": _code(exc)}
    fields = _fields(exc.detail)
    if fields:
        body["fields"] = fields
    if isinstance(exc, Conflict) and exc.current_version is not None:
        body["current_version"] = exc.current_version
    response.data = body
    if isinstance(exc, DatabaseBusy):
        response["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
    return response
