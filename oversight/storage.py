"""Where export files are written: settings.OVERSIGHT_EXPORT_DIR (outside the static and
media trees, so a file is served only by oversight's download view, to its requester)."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class ExportStorage(FileSystemStorage):
    """The file system under settings.OVERSIGHT_EXPORT_DIR, read at each use (a test can
    point it elsewhere)."""

    @property
    def base_location(self) -> str:
        return str(settings.OVERSIGHT_EXPORT_DIR)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def deconstruct(self) -> tuple[str, tuple[()], dict[str, object]]:
        return ("oversight.storage.ExportStorage", (), {})


export_storage = ExportStorage()
