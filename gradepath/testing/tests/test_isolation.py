"""What one test module writes to files never reaches another module or xdist worker."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

SHARED = Path(settings.DATA_DIR)  # the process's data folder, as the settings give it


@pytest.fixture(scope="module")
def module_data_dir() -> Path:
    return Path(settings.DATA_DIR)


def test_module_fixtures_write_to_the_modules_own_folder(module_data_dir, tmp_path):
    assert module_data_dir != SHARED
    assert module_data_dir.is_dir() and not any(module_data_dir.iterdir())
    assert Path(settings.DATA_DIR) == tmp_path  # and each test to its own
