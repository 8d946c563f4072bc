"""Bitcoin for peerx: keys, the 2-of-2 escrow script, PSBTs, transaction checks, and chain
backends (a sandbox chain in the database, Esplora over HTTP) behind one interface.
Products use this package; it imports nothing from products."""
