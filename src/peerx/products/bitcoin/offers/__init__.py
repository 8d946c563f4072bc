"""Offers: buy and sell offers, their search, matching and trading limits."""
