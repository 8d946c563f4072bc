"""One module per console screen; each gives `router` and `nav` (see peerx/console/app.py)."""
