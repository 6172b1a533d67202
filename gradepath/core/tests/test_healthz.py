"""The health check: open to the load balancer, says only whether the database answers."""

from unittest import mock

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


def test_healthz_answers_200_json_when_the_database_is_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_cursor_fails(client):
    with mock.patch("gradepath.core.views.connection.cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    assert "connection refused" not in response.content.decode()


def test_healthz_answers_503_when_the_query_fails(client):
    cursor = mock.MagicMock()
    cursor.__enter__.return_value.execute.side_effect = OperationalError("server closed the connection")
    with mock.patch("gradepath.core.views.connection.cursor", return_value=cursor):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_healthz_needs_no_login_and_refuses_post(client):
    assert client.get("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
