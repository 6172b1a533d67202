"""The one parser every API endpoint reads its body with (settings: DEFAULT_PARSER_CLASSES).

A body is accepted only if it is JSON, an object at the top (every endpoint takes named fields)
and holds no text a database cannot store, in any value or key at any depth (core.text). So no
endpoint is reached with a list where it expects an object, and SQLite and PostgreSQL refuse the
same input (issue 11, item 2; ADR 0017).
"""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from gradepath.core.text import nested_text_problem

NOT_AN_OBJECT = ('The request body must be a JSON object, with the fields named, for example '
                 '{"reason": "…"}.')
TOO_DEEP = "The request body is nested too deeply to be read."


class JSONObjectParser(JSONParser):
    """JSON bodies that are objects with only storable text.

    The size is bounded before this runs: DRF reads the body through Django's ``request.body``,
    which refuses more than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413 from ``ApiView``).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if not isinstance(data, dict):
            raise ParseError(NOT_AN_OBJECT)
        if (problem := nested_text_problem(data)) is not None:
            raise ParseError(problem)
        return data
