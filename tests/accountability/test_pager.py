"""The pager under every list keeps the list's filters from page to page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.utils.translation import gettext


def _pager(number: int, query: str = "") -> str:
    page = Paginator(list(range(60)), 25).page(number)
    return render_to_string("_pager.html", {"page": page, "query": query})


def test_it_keeps_the_filters_in_the_links_to_the_other_pages() -> None:
    html = _pager(2, "state=open&kind=complaint")
    assert 'href="?state=open&amp;kind=complaint&amp;page=1"' in html
    assert 'href="?state=open&amp;kind=complaint&amp;page=3"' in html
    assert gettext("Page %(number)s of %(total)s") % {"number": 2, "total": 3} in html


def test_it_links_plain_pages_without_filters_and_only_where_there_are_pages() -> None:
    html = _pager(1)
    assert 'href="?page=2"' in html
    assert gettext("Previous") not in html
    single = Paginator([1], 25).page(1)
    assert "pager" not in render_to_string("_pager.html", {"page": single})
