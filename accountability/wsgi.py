"""WSGI entry point (gunicorn accountability.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accountability.settings")
application = get_wsgi_application()
