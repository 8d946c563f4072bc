"""The operator's remittances desk: actions (what the CLI, /ops/v1 and the console call), /ops/v1
routes and console read views."""
