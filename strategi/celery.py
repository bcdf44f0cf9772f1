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
    on_queued: Callable[[], None] | None = None,
    **kwargs: Any,
) -> None:
    """Queue ``task(*args, **kwargs)`` once the current transaction has committed.

    A task queued before the commit would not see the data it is for. When queueing
    fails (Redis down: Celery gives up after about half a second, see
    ``CELERY_TASK_PUBLISH_RETRY_POLICY``), the data stays committed and
    ``on_unreachable`` records that the work is pending; the caller's periodic sweep
    queues it once the broker is back. ``on_queued`` is called when the task is in the
    queue. Outside a transaction it queues at once.

    Eager mode (no broker) runs the task here; a task that fails records its own
    failure, so its exception is logged, not raised into the committed request.
    """

    def send() -> None:
        if task.app.conf.task_always_eager:
            try:
                task.delay(*args, **kwargs)
            except Exception:
                logger.exception("%s%r failed in-process.", task.name, args or kwargs)
            return
        try:
            task.delay(*args, **kwargs)
        except Exception:  # any failure to queue; the data is committed already
            logger.warning(
                "Could not queue %s%r; it is pending until the task queue is reachable.",
                task.name,
                args or kwargs,
                exc_info=True,
            )
            _call(on_unreachable)
        else:
            if on_queued is not None:
                _call(on_queued)

    transaction.on_commit(send)


def _call(record: Callable[[], None]) -> None:
    """Run a bookkeeping callback after commit; its failure must not fail the request.

    What it would have recorded is found by the caller's sweep anyway (e.g. a recompute
    that is still open).
    """
    try:
        record()
    except Exception:
        logger.exception("Could not record the state of a queued task.")
