"""How Gradepath talks to its database."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's JIT: PostgreSQL only.")
def test_postgresql_compiles_no_query_just_in_time():
    """A people or case list page with a subquery per row passed jit_above_cost at 50,000 staff and spent
    120 ms compiling a 4 ms query (issue 13): the application's connections turn JIT off."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
