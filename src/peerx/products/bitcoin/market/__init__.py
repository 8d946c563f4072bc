"""Market data: prices from the configured source and the catalogue of payment methods."""
