"""The engine is tested through its first process: grading's fixture (personas with an agreed JD library)."""

from gradepath.grading.tests.conftest import grading  # noqa: F401
