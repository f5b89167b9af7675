"""The project package and the organisation app (departments, staff, roles, audit log)."""

from accountability.celery import app as celery_app

__all__ = ["celery_app"]
