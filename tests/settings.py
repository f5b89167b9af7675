"""Settings for the test suite: the project's settings with test-only speed-ups.

pytest-django imports this before any conftest runs, so the defaults set here are in
place when accountability.settings reads the environment.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-never-used-outside-the-test-suite")

from accountability.settings import *  # noqa: F403
from accountability.settings import STORAGES

# The hosts the test clients use (Django's "testserver", schemathesis's "localhost"), so
# that the suite runs as it is, without DEBUG or ALLOWED_HOSTS set (a newcomer's machine).
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver", "localhost", "127.0.0.1"]  # noqa: F405

# Hashing with the production hasher costs ~0.3 s a password; tests create many.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Templates render without collectstatic having run.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Every API request reads its client, so that pinned query counts do not depend on how
# long a test took; tests/accountability/test_api_tokens.py turns the cache on to test it.
API_CLIENT_CACHE_SECONDS = 0
