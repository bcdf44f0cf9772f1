"""The Celery application; configured from Django settings (``CELERY_*``).

``enqueue_on_commit`` is the one way the apps queue a task from a request or an import:
after the transaction commits, and, when the broker cannot be reached, through a
callback that records what is left to do, so that a periodic sweep queues it later.
"""

import logging
import os
from collections.abc import Callable
from typing import Any

from celery import Celery, Task
from django.db import transaction

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strategi.settings")

app = Celery("strategi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger(__name__)


def enqueue_on_commit(
    task: Task,
    *args: Any,
    on_unreachable: Callable[[], None],
    **kwargs: Any,
) -> None:
    """Queue ``task(*args, **kwargs)`` once the current transaction has committed.

    A task queued before the commit would not see the data it is for. When queueing
    fails (Redis down: Celery gives up after about half a second, see
    ``CELERY_TASK_PUBLISH_RETRY_POLICY``), the data stays committed and
    ``on_unreachable`` records that the work is pending; the caller's periodic sweep
    queues it once the broker is back. Outside a transaction it queues at once.
    """

    def send() -> None:
        try:
            task.delay(*args, **kwargs)
        except Exception:  # any failure to queue; the data is committed already
            logger.warning(
                "Could not queue %s%r; it is pending until the task queue is reachable.",
                task.name,
                args or kwargs,
                exc_info=True,
            )
            on_unreachable()

    transaction.on_commit(send)
