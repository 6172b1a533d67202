import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    """``api(person)``: a DRF client signed in as that persona (``api(None)``: anonymous)."""

    def _api(person):
        client = APIClient()
        if person is not None:
            client.force_login(person.user)
        return client

    return _api
