"""Operator actions, shared by the CLI, the /ops/v1 JSON API and (later) the console."""
