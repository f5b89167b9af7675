"""The registration page's form as the clerk sees it (issue 22): each radio sits inside
its own label under the question's legend, at any width."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.deadlines.conftest import Cast

pytestmark = pytest.mark.django_db


def _registration_page(cast: Cast) -> str:
    client = Client()
    client.force_login(cast.desk)
    response = client.get(reverse("intake:registration"))
    assert response.status_code == 200
    return str(response.content.decode())


def test_it_groups_each_disposition_radio_with_its_label(cast: Cast) -> None:
    page = _registration_page(cast)
    group = re.search(
        r'<fieldset class="field choices"><legend>(.*?)</legend>(.*?)</fieldset>', page, re.S
    )
    assert group is not None
    assert group.group(1) == "处理方式"
    radios = re.findall(r'<input type="radio"[^>]*>', group.group(2))
    assert len(radios) == 6
    labelled = re.findall(
        r'<label for="(id_disposition_\d)">\s*<input type="radio"[^>]*id="\1"[^>]*>\s*\S',
        group.group(2),
    )
    assert len(labelled) == 6  # every radio inside the label that names it, words right after


def test_the_stylesheet_keeps_radios_their_own_width_beside_their_words() -> None:
    css = (Path(settings.BASE_DIR) / "static/css/portal.css").read_text()
    assert re.search(r'fieldset\.field\.choices input\[type="radio"\][^{]*\{[^}]*width: auto', css)
    assert re.search(r"fieldset\.field\.choices label \{[^}]*display: flex", css)
    # The page's columns shrink below 20rem on a phone instead of running off the screen.
    assert "minmax(min(20rem, 100%), 1fr)" in css
