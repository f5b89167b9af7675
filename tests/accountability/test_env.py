"""Settings parsing: good values, bad values, and a bad value stopping start-up."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from accountability import env


def test_it_reads_booleans() -> None:
    assert env.read_bool("DEBUG", False, environ={"DEBUG": "yes"}) is True
    assert env.read_bool("DEBUG", True, environ={"DEBUG": "0"}) is False
    assert env.read_bool("DEBUG", True, environ={}) is True


def test_it_names_the_variable_of_a_bad_boolean() -> None:
    with pytest.raises(ImproperlyConfigured, match="DEBUG='maybe'"):
        env.read_bool("DEBUG", False, environ={"DEBUG": "maybe"})


def test_it_reads_a_host_list_and_refuses_empty_entries() -> None:
    assert env.read_list("ALLOWED_HOSTS", [], environ={"ALLOWED_HOSTS": "a.cn, b.cn"}) == [
        "a.cn",
        "b.cn",
    ]
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        env.read_list("ALLOWED_HOSTS", [], environ={"ALLOWED_HOSTS": "a.cn,,b.cn"})


def test_it_defaults_to_sqlite() -> None:
    config = env.read_database("DATABASE_URL", "sqlite:////tmp/x.sqlite3", environ={})
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == "/tmp/x.sqlite3"


def test_it_uses_postgresql_with_persistent_connections_and_prepared_statements() -> None:
    config = env.read_database(
        "DATABASE_URL",
        "sqlite:///x",
        environ={"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/portal"},
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "portal"
    assert config["HOST"] == "127.0.0.1"
    assert config["CONN_MAX_AGE"] == 600
    assert "pool" not in config["OPTIONS"]
    assert config["OPTIONS"]["server_side_binding"] is True
    assert config["OPTIONS"]["prepare_threshold"] == 5
    assert config["OPTIONS"]["options"] == "-c jit=off"


@pytest.mark.django_db
@pytest.mark.postgres
def test_the_portals_postgresql_connection_runs_without_jit() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


@pytest.mark.parametrize(
    "url", ["mysql://root@localhost/portal", "postgresql://postgres@127.0.0.1:5432/", "nonsense"]
)
def test_it_refuses_an_unsupported_database_url(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env.read_database("DATABASE_URL", "sqlite:///x", environ={"DATABASE_URL": url})


def test_it_reads_redis_urls() -> None:
    assert env.read_redis_url("REDIS_URL", environ={}) is None
    assert env.read_redis_url("REDIS_URL", environ={"REDIS_URL": "redis://h:6379/1"}) == (
        "redis://h:6379/1"
    )
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL"):
        env.read_redis_url("REDIS_URL", environ={"REDIS_URL": "http://h:6379"})


def test_it_requires_a_secret_key_when_debug_is_off() -> None:
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY must be set"):
        env.read_secret_key("SECRET_KEY", debug=False, fallback="", environ={})
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is too short"):
        env.read_secret_key("SECRET_KEY", debug=False, fallback="", environ={"SECRET_KEY": "short"})
    assert env.read_secret_key("SECRET_KEY", debug=True, fallback="dev", environ={}) == "dev"


def test_it_reads_whole_numbers_and_choices() -> None:
    assert env.read_int("N", 3, environ={"N": "5"}) == 5
    with pytest.raises(ImproperlyConfigured, match="N='five'"):
        env.read_int("N", 3, environ={"N": "five"})
    assert (
        env.read_choice(
            "LOG_LEVEL", default="INFO", choices=("INFO", "DEBUG"), environ={"LOG_LEVEL": "debug"}
        )
        == "DEBUG"
    )
    with pytest.raises(ImproperlyConfigured, match="LOG_LEVEL"):
        env.read_choice("LOG_LEVEL", default="INFO", choices=("INFO",), environ={"LOG_LEVEL": "x"})


def test_it_runs_in_china_time_and_chinese_first() -> None:
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert settings.USE_TZ is True
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _ in settings.LANGUAGES] == ["zh-hans", "en"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DATABASE_URL", "mysql://root@localhost/portal"), ("DEBUG", "perhaps"), ("REDIS_URL", "x")],
)
def test_it_stops_start_up_naming_the_bad_variable(variable: str, value: str) -> None:
    environment = {**os.environ, variable: value}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert f"{variable}=" in result.stderr
    assert "ImproperlyConfigured" in result.stderr
