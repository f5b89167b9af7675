"""The Chinese catalogue is complete and its compiled form matches it."""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_it_translates_every_message_into_chinese() -> None:
    catalogue = polib.pofile(str(CATALOGUE / "django.po"))
    untranslated = [entry.msgid for entry in catalogue if not entry.translated()]
    assert untranslated == []
    assert len(catalogue) > 50


def test_it_ships_a_compiled_catalogue_in_step_with_the_source() -> None:
    # Keyed by context too: one msgid may stand in several contexts (pgettext).
    source = {
        (entry.msgctxt, entry.msgid): entry.msgstr
        for entry in polib.pofile(str(CATALOGUE / "django.po"))
    }
    compiled = {
        (entry.msgctxt, entry.msgid): entry.msgstr
        for entry in polib.mofile(str(CATALOGUE / "django.mo"))
        if entry.msgid
    }
    assert compiled == source
