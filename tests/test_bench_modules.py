"""The benchmarks are not run by the suite (they measure, they do not assert), but each one
`make bench` runs must at least import against the current code: a moved module broke one once."""

from __future__ import annotations

import importlib

import pytest
from bench.run import MODULES


@pytest.mark.parametrize("name", MODULES)
def test_every_benchmark_imports_and_has_a_run(name: str) -> None:
    module = importlib.import_module(name)
    assert callable(module.run)
