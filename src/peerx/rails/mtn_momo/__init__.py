"""The MTN MoMo Open API connector: client (payouts), callbacks (what MTN reports), settings."""
