"""The bitcoin tests' fixtures: `app_factory` (registers Peach apps), from
tests/fixtures/factories/bitcoin.py with the rest of the factories."""

from tests.fixtures.factories.bitcoin import app_factory  # noqa: F401 - a fixture, requested by name
