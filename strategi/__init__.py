"""Strategi: follow-up of a municipality's organisation (employer) strategy."""

from .celery import app as celery_app

__all__ = ("celery_app",)
