"""Every test here runs on PostgreSQL (its own database, built from a migrated template)."""

from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/pg/" in str(item.fspath):
            item.add_marker(pytest.mark.pg)
