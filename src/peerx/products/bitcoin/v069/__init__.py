"""The Peach app's v069 surface (mounted at /peach/v069): browsing sell and buy offers, trade
requests and their chat, v069 buy offers and the self-user settings. An accepted trade request
becomes a v1 contract through contracts/matching.py, so the trade goes on at /peach/v1."""
