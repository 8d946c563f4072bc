"""Money in and out of the platform: payout rails (mobile money, banks) behind one interface."""
