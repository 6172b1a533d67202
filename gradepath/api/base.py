"""What every API endpoint shares: errors in the user's words, and stable pagination.

Endpoints are thin: parse input with a nested serializer, look the object up through the
same access gate as the web pages (strangers get 404), call the service, serialise output.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from gradepath.core.errors import StaleStateError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record changed since you loaded it. Reload it and try again."
    default_code = "conflict"


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def _message(error: DjangoValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


class AnswersAnonymousWith401:
    """Anonymous callers get 401 (not 403) from every endpoint.

    DRF views opt out of Django's LoginRequiredMiddleware and authenticate themselves; with
    session authentication DRF would answer 403 unless the view names an authentication
    scheme for the WWW-Authenticate header.
    """

    def get_authenticate_header(self, request):
        return 'Session realm="Gradepath"'


class ApiView(AnswersAnonymousWith401, APIView):
    """Base for Gradepath endpoints: a service's refusal becomes a clear HTTP answer.

    ServiceError (and Django's ValidationError) → 400 with the message; StaleStateError → 409;
    PermissionDenied → 403 with the message; Http404 → 404; a body over
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` → 413. (Bodies are parsed by api.parsers.JSONObjectParser.)
    """

    def handle_exception(self, exc):
        if isinstance(exc, StaleStateError):
            exc = Conflict(_message(exc))
        elif isinstance(exc, DjangoValidationError):
            exc = exceptions.ValidationError({"detail": _message(exc)})
        elif isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied(str(exc) or None)
        elif isinstance(exc, Http404):
            exc = exceptions.NotFound()
        elif isinstance(exc, RequestDataTooBig):
            exc = RequestTooLarge(f"The request body is too large: at most "
                                  f"{settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes are accepted.")
        return super().handle_exception(exc)


class ApiPagination(PageNumberPagination):
    """Page-number pagination; list querysets are always ordered down to the primary key."""

    page_size_query_param = "page_size"
    max_page_size = 200


def paginated(view: ApiView, queryset, serializer_class, *, context: dict | None = None) -> Response:
    """A page of ``queryset`` serialised with ``serializer_class``, with next/previous links."""
    paginator = ApiPagination()
    page = paginator.paginate_queryset(queryset, view.request, view=view)
    data = serializer_class(page, many=True, context=context or {}).data
    return paginator.get_paginated_response(data)


def paginated_serializer(serializer_class, name: str) -> type[serializers.Serializer]:
    """The shape of one page of ``serializer_class`` items, for the OpenAPI schema."""

    class Meta:
        ref_name = f"Paginated{name}"

    return type(
        f"Paginated{name}Serializer",
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
            "Meta": Meta,
        },
    )


def choice_filter(request, rows, param: str, choices, message: str):
    """``rows`` filtered on the query parameter ``param`` (a field of the same name) when it is given; a
    value not in ``choices`` is refused with ``message`` (400), in the user's words."""
    value = request.query_params.get(param, "").strip()
    if not value:
        return rows
    if value not in choices:
        raise exceptions.ValidationError({param: message})
    return rows.filter(**{param: value})
