"""The social side of a trade: chat, ratings and trade history."""
