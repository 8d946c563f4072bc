"""Console read views shared by every product: paging helpers, the ledger, payouts and webhooks."""
