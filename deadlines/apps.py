from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class DeadlinesConfig(AppConfig):
    name = "deadlines"
    verbose_name = _("Time limits")

    def ready(self) -> None:
        from deadlines.next_due import sqlite_drop_triggers, sqlite_install_triggers

        # SQLite only: the triggers keeping a case's next deadline, out of the way of a
        # migration's table rebuilds (deadlines.next_due; PostgreSQL's are migration 0018's).
        pre_migrate.connect(sqlite_drop_triggers, sender=self)
        post_migrate.connect(sqlite_install_triggers, sender=self)
