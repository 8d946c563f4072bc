"""Push notifications: queued in the step that announces them (notify.py), delivered by a job
through the configured provider (delivery.py)."""
