"""Every page of the demo, for each role, in a real browser (issue 22): nothing in
English, no internal code, no console error.

The demo utility is built once for the module (tests/e2e/demo_pages.py) and served by a
live server of its own. For each of the six roles one browser context signs in through
the sign-in page and opens every page the portal names (each URL pattern filled from demo
records), plus the links it finds on them (same origin, GET, bounded): working pages,
refusals (403) and missing records (404) alike. A page fails when

- its visible text (and its titles, placeholders and options) has a run of Latin words
  not on the short allow-list of demo_pages.ALLOWED_WORDS and UNITS (e-mail and web
  addresses, case numbers and the demo staff's user names aside);
- it shows an internal code: a time-limit policy's code, a raw choice value
  (`front_desk`, `in_progress`), a snake_case token, a `__` field path, the word seed,
  a Python or script value (`None`, `[object Object]`), an unrendered template tag;
- the browser logs an error, a script throws, or a subresource fails
  (tests/e2e/test_pages_console.py's watcher);
- the server answers 500.

POST-only actions (demo_pages.post_only), the API, Open311 and downloads are not pages.
The crawl is bounded (MAX_PAGES per role, PER_NAME addresses per pattern, REFUSALS per
app; pages that are the same for everyone are read once) so that the six roles take
about a minute. A failing page leaves a screenshot in test-artifacts/e2e/<test>/; the
failure lists every problem by page. `E2E_LIST_PAGES=1` prints the pages read.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.cache import cache
from django.test.utils import override_settings
from django.urls import Resolver404, resolve, reverse
from playwright.sync_api import Browser, Error, Page
from pytest_django.live_server_helper import LiveServer

from tests.e2e.conftest import TIMEOUT_MS, artifacts_root, watch
from tests.e2e.demo_pages import (
    LOGINS,
    NOW,
    PASSWORD,
    Demo,
    as_migrated,
    is_page_name,
    make_demo,
    problems_in,
    restore_database,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    # Not transactional: the data is committed once by the module's fixture, outside the
    # tests' transactions; serialized_rollback makes the run keep the migrations' data
    # that the fixture brings back when it is done.
    pytest.mark.django_db(serialized_rollback=True),
]

MAX_PAGES = 55  # per role
PER_NAME = 3  # addresses of one URL pattern per role (a few records, a few filters)
PER_NAME_MORE = {"deadlines:case_detail": 6, "sanctions:violation": 4, "sanctions:decision": 4}
MAX_SCREENSHOTS = 8  # per role
# The administration's index is Django's: its table headers for screen readers have no
# Chinese in Django's own catalogue (Django 5.2); the project's names around them do.
DJANGO_ADMIN_UNTRANSLATED = re.compile(
    r"\b(Model name|Add link|Change or view list link)\b", re.IGNORECASE
)
ADMIN = "/admin/"
# Refusals (403) per role: one per pattern and a few per app (the same page, each with
# its reason).
REFUSALS = 3
# Pages that are the same whoever opens them: checked by the first role only.
SAME_FOR_EVERYONE = {
    "login",
    "password_change",
    "password_change_done",
    "intake:public_status",
    "outages:public",
}
# The page's text as a reader meets it: the visible text, the title, and the words in
# attributes and closed parts that show on hover, focus or a click.
READ_PAGE = """() => {
  const extra = [];
  for (const el of document.querySelectorAll('[placeholder],[title],[aria-label],img[alt]')) {
    for (const name of ['placeholder', 'title', 'aria-label', 'alt']) {
      const value = el.getAttribute(name);
      if (value) extra.push(value);
    }
  }
  for (const el of document.querySelectorAll('option, details, dialog')) {
    extra.push(el.textContent);
  }
  for (const el of document.querySelectorAll('input[type=submit], input[type=button]')) {
    if (el.value) extra.push(el.value);
  }
  const links = [];
  for (const a of document.querySelectorAll('a[href]:not([download])')) {
    try {
      links.push(new URL(a.getAttribute('href'), document.baseURI).href);
    } catch (error) {}  // not an address
  }
  return {text: document.body ? document.body.innerText : '', title: document.title,
          extra, links};
}"""


@dataclass
class Site:
    url: str
    demo: Demo
    checked_once: set[str] = field(default_factory=set)  # of SAME_FOR_EVERYONE


@pytest.fixture(scope="module")
def site(django_db_setup: None, django_db_blocker: Any, browser: Browser) -> Iterator[Site]:
    """The demo, committed, behind a live server of the module's own; emptied after."""
    with (
        django_db_blocker.unblock(),
        time_machine.travel(NOW, tick=True),
        # The live server speaks plain HTTP.
        override_settings(SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False),
    ):
        cache.clear()  # no sign-in throttling left over from earlier tests
        if not as_migrated():
            pytest.fail(
                "the test database is not as the migrations left it (a --reuse-db database "
                "that a transactional test emptied, or a run killed half-way): --create-db"
            )
        try:
            demo = make_demo()
            server = LiveServer("localhost:0")
            try:
                yield Site(url=server.url, demo=demo)
            finally:
                server.stop()
        finally:
            restore_database()
            cache.clear()


@dataclass
class Visit:
    url: str
    status: int
    problems: list[str] = field(default_factory=list)


def _name_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def _sign_in(page: Page, username: str) -> None:
    page.get_by_label(re.compile("用户名")).fill(username)
    page.get_by_label(re.compile("密码")).fill(PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_load_state()


def _crawl(page: Page, site: Site, role: str, folder: Any) -> tuple[list[Visit], set[str]]:
    demo = site.demo
    origin = urlsplit(site.url)
    watched = watch(page)
    visits: list[Visit] = []
    post_only: set[str] = set()
    screenshots = 0

    def check(url: str, status: int) -> list[str]:
        """Read the page, record its problems, and return its links."""
        nonlocal screenshots
        seen_problems = len(watched)
        read = page.evaluate(READ_PAGE)
        text = read["text"]
        if urlsplit(url).path.startswith(ADMIN):
            text = DJANGO_ADMIN_UNTRANSLATED.sub(" ", text)
        problems = problems_in([text, read["title"], *read["extra"]], demo)
        if status >= 500:
            problems.append(f"server error {status}")
        problems += watched[seen_problems:]
        visit = Visit(url, status, problems)
        if problems and screenshots < MAX_SCREENSHOTS:
            screenshots += 1
            folder.mkdir(parents=True, exist_ok=True)
            slug = re.sub(r"[^\w-]+", "_", urlsplit(url).path).strip("_") or "home"
            page.screenshot(path=str(folder / f"{screenshots:02d}-{slug}.png"), full_page=True)
        visits.append(visit)
        return list(read["links"])

    # The sign-in page, then the role's landing page.
    login = reverse("login")
    response = page.goto(login)
    if "login" not in site.checked_once:
        site.checked_once.add("login")
        check(login, response.status if response else 0)
    _sign_in(page, LOGINS[role])
    assert urlsplit(page.url).path != login, f"{LOGINS[role]} could not sign in"

    # The landing page first; then, in turn, a link found on the pages (the role's own
    # way through the portal) and an address of a pattern not seen yet (every page the
    # portal names); then the patterns' further records.
    found: deque[str] = deque([urlsplit(page.url).path])
    patterns: deque[str] = deque()
    later: deque[str] = deque()
    for addresses in demo.pages.values():
        if addresses:
            patterns.append(addresses[0])
            later.extend(addresses[1:])
    queued = {*found, *patterns, *later}
    visited: set[str] = set()
    per_name: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    turn = 0
    while (found or patterns or later) and len(visits) < MAX_PAGES:
        turn += 1
        first, second = (found, patterns) if turn % 2 else (patterns, found)
        address = (first or second or later).popleft()
        name = _name_of(urlsplit(address).path)
        if address in visited or name is None or not _visitable(name) or name in site.checked_once:
            continue
        namespace = name.partition(":")[0] if ":" in name else ""
        if (
            per_name[name] >= PER_NAME_MORE.get(name, PER_NAME)
            or refused[name] >= 1
            or refused[namespace] >= REFUSALS
        ):
            continue
        per_name[name] += 1
        if name in SAME_FOR_EVERYONE:
            site.checked_once.add(name)
        mark = len(watched)
        response = None
        try:
            response = page.goto(address)
            status = response.status if response else 0
        except Error as error:  # an error answer without a body, a download, …
            status = page.request.get(address).status
            # Chromium shows its own error page next, which would cut the next address's
            # navigation short.
            _settle(page)
            if status != 405:
                message = error.message.splitlines()[0]
                visits.append(Visit(address, status, [f"not loaded: {message}"]))
                continue
        visited.update({address, _address(page.url)})  # and where a redirection led
        if status == 405:  # a POST-only action demo_pages.post_only did not recognise
            post_only.add(name)
            del watched[mark:]  # the browser reports the refused GET; not a page
            continue
        if response is not None and "text/html" not in response.headers.get("content-type", ""):
            continue  # a file shown in the browser (an attachment), not a page
        if status == 403:
            refused[name] += 1
            refused[namespace] += 1
        for link in check(address, status):
            parts = urlsplit(link)
            if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
                continue
            target = _address(link)
            if target not in queued:
                queued.add(target)
                found.append(target)
    return visits, post_only


def _address(url: str) -> str:
    """The path and query of a URL, without its fragment."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _settle(page: Page) -> None:
    try:
        page.goto("about:blank")
    except Error:
        page.wait_for_load_state()


def _visitable(name: str) -> bool:
    """A page of the portal; of the administration only its index (the project's own
    names of its records), not Django's own screens."""
    if name.startswith("admin:"):
        return name == "admin:index"
    return is_page_name(name)


@pytest.mark.parametrize("role", list(LOGINS))
def test_every_page_is_chinese_without_codes_or_console_errors(
    role: str, site: Site, browser: Browser, request: pytest.FixtureRequest
) -> None:
    folder = artifacts_root() / re.sub(r"[^\w.-]+", "_", request.node.name)
    if folder.exists():
        shutil.rmtree(folder)  # no screenshots of an earlier run beside this one's
    context = browser.new_context(
        base_url=site.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    started = time.monotonic()
    try:
        visits, post_only = _crawl(context.new_page(), site, role, folder)
    finally:
        context.close()
    elapsed = time.monotonic() - started
    statuses = Counter(visit.status for visit in visits)
    print(
        f"\n{role}: {len(visits)} pages in {elapsed:.1f} s, statuses {dict(statuses)}, "
        f"{len(post_only)} POST-only skipped"
    )
    if os.environ.get("E2E_LIST_PAGES"):
        print("\n".join(f"  {visit.status} {visit.url}" for visit in visits))
    failing = {visit.url: visit.problems for visit in visits if visit.problems}
    report = "\n".join(
        f"{url} [{next(v.status for v in visits if v.url == url)}]\n    " + "\n    ".join(problems)
        for url, problems in failing.items()
    )
    if failing:
        pytest.fail(f"{len(failing)} of {len(visits)} pages as {role}:\n{report}")
    assert statuses[200] >= 5, f"{role} opened too few pages: {dict(statuses)}"
