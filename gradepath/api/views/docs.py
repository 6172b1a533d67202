"""The OpenAPI schema and its documentation page (Swagger UI served from local files).

The page is drf-spectacular's "split" Swagger view: its start-up script is a separate URL
rather than an inline <script>, and our template moves its inline <style> to a static file,
so the page works under the Content-Security-Policy without 'unsafe-inline'.
"""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from gradepath.api.base import AnswersAnonymousWith401


class SchemaApi(AnswersAnonymousWith401, SpectacularAPIView):
    """The OpenAPI 3 schema (YAML by default; ``?format=json`` for JSON)."""


class DocsPage(AnswersAnonymousWith401, SpectacularSwaggerSplitView):
    """Swagger UI over the schema, with no inline script or style."""

    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    title = "Gradepath API"
