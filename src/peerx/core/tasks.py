"""The core's jobs by kind: webhook deliveries (a Batch: a claimed batch's deliveries go out
together) and mail. The composition root registers this table with the worker beside each
product's."""

from __future__ import annotations

from peerx.core import mail, webhooks
from peerx.core.jobs import Batch, CoreJob, TaskTable

TASKS: TaskTable = {
    CoreJob.DELIVER_WEBHOOK: Batch(webhooks.deliver),
    CoreJob.SEND_MAIL: mail.send_mail,
}
