"""File downloads: one way to answer with an attachment."""

from __future__ import annotations

from django.http import HttpResponse


def attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    """``content`` as a download named ``filename`` (never sniffed as something else by the browser)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
