"""The operator console: server-rendered pages (Jinja2 + htmx) on the operator actions in peerx.ops."""
