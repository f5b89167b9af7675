"""The portal's icon (issue 22): every page names it, the administration too, and a
browser asking /favicon.ico is sent to it instead of a 404."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

ICON = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'


def test_the_icon_is_a_static_file() -> None:
    found = finders.find("favicon.svg")
    assert found is not None
    assert "<svg" in Path(str(found)).read_text(encoding="utf-8")


@pytest.mark.django_db
def test_every_page_and_the_administration_name_the_icon() -> None:
    assert ICON in Client().get(reverse("login")).content.decode()
    assert ICON in Client().get(reverse("admin:login")).content.decode()


@pytest.mark.django_db
def test_favicon_ico_leads_to_the_icon() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
