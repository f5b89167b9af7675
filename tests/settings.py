"""Settings for the test suite: the project's settings with test-only speed-ups.

pytest-django imports this before any conftest runs, so the defaults set here are in
place when accountability.settings reads the environment.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-never-used-outside-the-test-suite")

from accountability.settings import *  # noqa: F403
from accountability.settings import STORAGES

# The hosts the test clients use (Django's "testserver", schemathesis's "localhost"), so
# that the suite runs as it is, without DEBUG or ALLOWED_HOSTS set (a newcomer's machine).
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver", "localhost", "127.0.0.1"]  # noqa: F405

# The test client speaks plain HTTP; HTTPS redirection (on whenever DEBUG is off) is
# tested by turning it on (tests/accountability/test_deployment.py).
SECURE_SSL_REDIRECT = False
# Hashing with the production hasher costs ~0.3 s a password; tests create many.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Templates render without collectstatic having run.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Evidence files go to a folder of this run, not the checkout's .demo/media.
STORAGES["evidence"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": tempfile.mkdtemp(prefix="evidence-")},
}
# Every API request reads its client, so that pinned query counts do not depend on how
# long a test took; tests/accountability/test_api_tokens.py turns the cache on to test it.
API_CLIENT_CACHE_SECONDS = 0
# Transactional tests end with a flush, which truncates every table: the history tables'
# TRUNCATE trigger lets this connection through (accountability.history,
# ALLOW_TRUNCATE_SETTING), and no other (tests/accountability/test_db_roles.py).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # Added to the portal's own connection options (no JIT: accountability.env).
    _options = DATABASES["default"]["OPTIONS"]  # noqa: F405
    _options["options"] = (
        f"{_options.get('options', '')} -c accountability.allow_history_truncate=on".strip()
    )
