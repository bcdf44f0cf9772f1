"""Celery tasks of the goals app."""

from celery import shared_task

from .services import strategies_load_seeded


@shared_task
def load_seeded_strategies() -> dict[str, int | list[str]]:
    """Reload the seeded strategies in a worker; returns what changed."""
    result = strategies_load_seeded()
    return {
        "created": result.created,
        "updated": result.updated,
        "deleted": result.deleted,
        "strategies": result.strategies,
    }
