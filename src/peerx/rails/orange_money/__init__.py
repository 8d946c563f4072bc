"""The Orange Money Cameroon connector: client (cash-in payouts), callbacks (notifications), settings."""
