"""Cells that stay text: every spreadsheet and CSV file the portal writes passes its values
through ``escape_formula``, so that a citizen who gives their name as
``=HYPERLINK("http://x","y")`` does not plant a live formula in the files staff open.

Spreadsheet programs treat a cell that starts with = + - @ (and a tab or carriage return
before one) as a formula, in a CSV file as in an Excel cell that openpyxl writes. Chinese
input methods type the full-width forms ＝＋－＠, which some spreadsheet programs convert
to their ASCII forms as they read: they are escaped too. The escape is the one OWASP
advises: a leading apostrophe, which the program shows as plain text. A plain number
("-5", "+86") is left alone: it computes nothing, and numeric columns stay numeric.

Imports take the apostrophe off again (``unescape_formula``), so that a file exported,
edited and imported back does not grow an apostrophe on each round.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Field, Model
from django.utils.functional import Promise
from import_export import fields, resources

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def escape_formula(value: Any) -> Any:
    """``value`` as a spreadsheet must hold it: text that a spreadsheet program would run as
    a formula gets a leading apostrophe; anything else is returned unchanged."""
    if isinstance(value, Promise):
        value = str(value)
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not _PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def verbose_name(model: type[Model], name: str) -> Any:
    """A column's header: the model field's translated name (never the field's own)."""
    field = model._meta.get_field(name)
    assert isinstance(field, Field)
    return field.verbose_name


def escape_row(values: Any) -> list[Any]:
    return [escape_formula(value) for value in values]


def unescape_formula(value: Any) -> Any:
    """The value before ``escape_formula``: an imported cell that an export escaped."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class FormulaSafeResource(resources.ModelResource):
    """A django-import-export resource whose exports never carry a formula (the admin's
    export buttons and the oversight exports both read rows through ``export_field``), and
    whose imports read escaped cells back as they were."""

    def export_field(self, field: fields.Field, instance: Any, **kwargs: Any) -> Any:
        return escape_formula(super().export_field(field, instance, **kwargs))

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        for column, value in row.items():
            row[column] = unescape_formula(value)
        super().before_import_row(row, **kwargs)
