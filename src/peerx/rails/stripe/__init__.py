"""The Stripe pay-in connector: client (charges and refunds through PaymentIntents)."""
