"""Browser journeys: the portal on pytest-django's live server, driven by Playwright in
headless Chromium, with a numbered screenshot of every step kept as a test artifact.

- Chromium is the system's (Debian's `chromium`, or `E2E_CHROMIUM=/path`): Playwright's
  own browser download is not used. Without one, the journeys skip and say so (CI
  installs it, and turns the skip into a failure).
- One browser for the whole package; each test gets fresh contexts (cookies, storage).
- Screenshots go to `E2E_ARTIFACTS` (default `test-artifacts/e2e/`), one folder per test,
  `01-<step>.png`, `02-<step>.png`, …; a failing test adds `99-failure-<n>.png`, one
  per open page. They stay on disk after the run.
- The live server answers from another thread, so the tests run in real transactions
  (`transaction=True`); the serialised rollback brings back the roles that the
  migrations create, which the flush at the end of each such test removes.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connections
from django.urls import reverse
from django.utils import translation

from accountability.models import Department, LeadingGroup
from accountability.roles import Role
from deadlines.services.calendar import calendar_seed_from_library
from deadlines.services.policies import policies_load
from intake.models import ServiceItem
from intake.services.catalogue import catalogue_load
from tests.factories import PASSWORD, DepartmentFactory, StaffFactory, UserFactory

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Locator, Page

FIXTURES = Path(settings.BASE_DIR) / "fixtures"
# Headless without a GPU, as root in a container (no sandbox), with a small /dev/shm.
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
# One wait for actions and expectations (Playwright's defaults: 30 s and 5 s): a page of
# this portal answers within a few seconds even on a busy shared machine.
TIMEOUT_MS = 15_000


def chromium_path() -> str | None:
    """The Chromium to drive: `E2E_CHROMIUM` when set, else the system's."""
    configured = os.environ.get("E2E_CHROMIUM")
    candidates: list[str | None] = (
        [configured]
        if configured
        else [shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium"]
    )
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def artifacts_root() -> Path:
    configured = os.environ.get("E2E_ARTIFACTS")
    return Path(configured) if configured else Path(settings.BASE_DIR) / "test-artifacts" / "e2e"


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Before any fixture starts the browser or the live server.
    if item.get_closest_marker("e2e") and chromium_path() is None:
        where = os.environ.get("E2E_CHROMIUM") or "chromium on PATH or /usr/bin/chromium"
        pytest.skip(
            f"needs Chromium for the browser journeys: none at {where} "
            "(apt-get install chromium fonts-noto-cjk, or set E2E_CHROMIUM=/path/to/chromium)"
        )


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call" and report.failed:
        item.stash[_FAILED] = True
    return report


@contextmanager
def _django_under_a_running_loop(own: dict[str, Any]) -> Iterator[None]:
    """Let the tests use the ORM as usual while Playwright's sync API keeps an asyncio
    loop running in this thread.

    - Django refuses ORM calls under a running loop unless told that this is safe. It
      is: the loop only drives the browser.
    - Under a running loop, asgiref hands out connections per context instead of per
      thread, so the test would get a second connection without the test database's
      serialised contents: the serialised rollback would restore nothing (no roles) and
      the flush after the test would recreate the content types with new keys, which
      breaks the next test that restores them. So the thread's own connections (`own`,
      taken before the loop started) are installed for this context too, and removed
      before the loop stops.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    for alias, wrapper in own.items():
        connections[alias] = wrapper
    try:
        yield
    finally:
        for alias in own:
            del connections[alias]
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import expect, sync_playwright

    own = {alias: connections[alias] for alias in connections}  # before the loop runs
    with sync_playwright() as playwright, _django_under_a_running_loop(own):
        expect.set_options(timeout=TIMEOUT_MS)
        chromium = playwright.chromium.launch(
            executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def live_settings(settings: Any) -> Any:
    """The live server speaks plain HTTP: cookies must not be HTTPS-only, whatever
    `SECURE_COOKIES` the environment sets."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return settings


@dataclass
class Screenshots:
    """Numbered full-page screenshots of a journey: 01-signed-in.png, 02-…"""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def __call__(self, page: Page, step: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


@pytest.fixture
def screenshots(request: pytest.FixtureRequest) -> Screenshots:
    folder = artifacts_root() / re.sub(r"[^\w.-]+", "_", request.node.name)
    if folder.exists():
        shutil.rmtree(folder)  # no stale steps from an earlier run beside this one's
    folder.mkdir(parents=True)
    return Screenshots(folder)


@pytest.fixture
def new_context(
    browser: Browser,
    live_server: Any,
    live_settings: Any,
    screenshots: Screenshots,
    request: pytest.FixtureRequest,
) -> Iterator[Callable[[], BrowserContext]]:
    """Make browser contexts (a fresh set of cookies each, like another person's
    browser) on the live server; all are closed after the test, and when it failed,
    each open page is kept first as 99-failure-<n>.png."""
    contexts: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    if request.node.stash.get(_FAILED, False):
        pages = [page for context in contexts for page in context.pages]
        for n, page in enumerate(pages, start=1):
            page.screenshot(path=str(screenshots.folder / f"99-failure-{n}.png"), full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[[], BrowserContext]) -> Page:
    """A signed-out page in a browser context of its own."""
    return new_context().new_page()


@pytest.fixture(autouse=True)
def interface_language() -> Iterator[None]:
    """Expected texts are computed in the interface's language (zh-hans unless someone
    picks English), so they match the pages whether or not the catalogue has them yet."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@dataclass
class Journey:
    """The people and data of a front-desk journey."""

    desk: Any  # front desk of the service centre, signs in
    service: Department  # 客户服务中心: the desk's department
    network: Department  # 管网维护部: where the case is transferred
    staff: list[Any]  # everyone whose name the public page must not show
    item: ServiceItem  # 新装用水, with materials
    material: str  # the material found deficient


def _staff(username: str, name: str, department: Department, role: Role) -> Any:
    user = UserFactory(username=username, first_name=name, last_name="", roles=[role])
    StaffFactory(user=user, department=department)
    return user


@pytest.fixture
def journey(transactional_db: None) -> Journey:
    """Two departments with their heads, a front-desk clerk, the official calendar, the
    default time-limit policies and the service catalogue, committed so that the live
    server sees them; no lookup throttling left over."""
    missing = {role.value for role in Role} - set(Group.objects.values_list("name", flat=True))
    assert not missing, (
        f"roles {sorted(missing)} are missing: a transaction=True test needs "
        "serialized_rollback=True to get the migrations' data back"
    )
    # The live server's lookups come from 127.0.0.1, like the test client's: failed tries
    # that an earlier test left in the cache must not throttle the citizen's lookup.
    cache.clear()
    calendar_seed_from_library(actor=None)
    policies_load(actor=None, path=FIXTURES / "time_limit_policies.json")
    # The codes the catalogue names: 新装用水 belongs to "service".
    service = DepartmentFactory(code="service", name="客户服务中心")
    network = DepartmentFactory(code="network", name="管网维护部")
    service_head = _staff("service_head", "孙主任", service, Role.DEPARTMENT_HEAD)
    network_head = _staff("network_head", "赵主任", network, Role.DEPARTMENT_HEAD)
    service.head, network.head = service_head, network_head
    service.save()
    network.save()
    desk = _staff("desk", "周晓琳", service, Role.FRONT_DESK)
    catalogue_load(actor=None, path=FIXTURES / "service_catalogue.json")
    item = ServiceItem.objects.get(code="new-connection", retired_at__isnull=True)
    material = item.materials.get(may_be_deficient=True).name
    return Journey(
        desk=desk,
        service=service,
        network=network,
        staff=[desk, service_head, network_head],
        item=item,
        material=material,
    )


# -- the whole cast, for the role journeys ------------------------------------------------


@dataclass
class People:
    """Everyone the role journeys need, on top of the front-desk journey's cast: a handler
    in each department, the supervising leader of both, the inspection office (an
    inspector and its head), the efficiency leading group (the leader its principal
    leader, the office head a member) and an administrator with no business role."""

    j: Journey
    handler: Any  # 李文, handler in the service centre
    network_handler: Any  # 王强, handler in the network department
    leader: Any  # 钱副总, supervising leader of both departments
    inspector: Any  # 陈监察, inspection office
    inspection_head: Any  # 吴主任, heads the inspection office
    inspection: Department
    admin: Any  # 系统管理员: superuser, no role


@pytest.fixture
def people(journey: Journey) -> People:
    leadership = DepartmentFactory(code="leadership", name="公司领导", handles_cases=False)
    inspection = DepartmentFactory(code="inspection", name="监察室", handles_cases=False)
    leader = _staff("leader", "钱副总", leadership, Role.LEADERSHIP)
    inspector = _staff("inspector", "陈监察", inspection, Role.INSPECTION_OFFICE)
    inspection_head = _staff("inspection_head", "吴主任", inspection, Role.INSPECTION_OFFICE)
    inspection.head = inspection_head
    inspection.save()
    for department in (journey.service, journey.network):
        department.supervising_leader = leader
        department.save()
    group = LeadingGroup.objects.create(principal_leader=leader)
    group.members.set([leader, inspection_head])
    admin = UserFactory(
        username="admin", first_name="系统管理员", last_name="", is_staff=True, is_superuser=True
    )
    return People(
        j=journey,
        handler=_staff("handler", "李文", journey.service, Role.HANDLER),
        network_handler=_staff("network_handler", "王强", journey.network, Role.HANDLER),
        leader=leader,
        inspector=inspector,
        inspection_head=inspection_head,
        inspection=inspection,
        admin=admin,
    )


# -- what the journeys do on every page ----------------------------------------------------


def label(text: Any) -> re.Pattern[str]:
    """A field's label as rendered: the text, with or without Django's label suffix."""
    return re.compile(rf"^\s*{re.escape(str(text))}\s*[:：]?\s*$")


def exactly(text: Any) -> re.Pattern[str]:
    return re.compile(rf"^\s*{re.escape(str(text))}\s*$")


def url(name: str, *args: Any) -> re.Pattern[str]:
    """The page `name` (with `args`), as the browser's address ends."""
    return re.compile(re.escape(reverse(name, args=args)) + r"(\?.*)?$")


def definition(page: Page, term: Any) -> Locator:
    """The <dd> that follows the <dt> reading `term` on a facts list."""
    return (
        page.locator("dt")
        .filter(has_text=exactly(term))
        .first.locator("xpath=following-sibling::dd[1]")
    )


def sign_in(page: Page, user: Any, *, lands_on: str) -> None:
    """Sign in on the portal's own page and land on the role's home (`lands_on`)."""
    from playwright.sync_api import expect

    page.goto(reverse("login"))
    page.get_by_label(label(translation.gettext("Username"))).fill(user.username)
    page.get_by_label(label(translation.gettext("Password"))).fill(PASSWORD)
    page.get_by_role("button", name=translation.gettext("Sign in"), exact=True).click()
    expect(page).to_have_url(url(lands_on))
    expect(page.locator(".site-header .who")).to_contain_text(user.get_full_name())


def open_action(page: Page, name: Any) -> Locator:
    """Unfold the action (a <details> under "What you can do") whose summary reads `name`
    and return it: its form's fields are found by label inside it."""
    action = page.locator("details.action").filter(
        has=page.locator("summary").filter(has_text=exactly(name))
    )
    action.locator("summary").click()
    return action


def submit_action(action: Locator, name: Any) -> None:
    action.get_by_role("button", name=str(name), exact=True).click()


def nav_link(page: Page, name: Any) -> Locator:
    return page.get_by_role("navigation", name=translation.gettext("Main navigation")).get_by_role(
        "link", name=re.compile(rf"^\s*{re.escape(str(name))}(\s|$)")
    )


def zh(message: Any) -> str:
    """`message` (a msgid, or a lazy label) as the page shows it, which must be Chinese: a
    message the catalogue does not translate yet would reach the user in English."""
    with translation.override("en"):
        message = str(message)  # a lazy label: its msgid
    shown = translation.gettext(message)
    assert shown != message or not re.search(r"[A-Za-z]", message), f"untranslated: {message!r}"
    return shown


def watch(page: Page) -> list[str]:
    """What went wrong in `page` beyond what the user is shown: console errors, uncaught
    script errors, and subresources (styles, scripts, icons) that failed to load. A
    journey asserts the list empty at its end."""
    problems: list[str] = []

    def on_console(message: Any) -> None:
        # A deliberate 403 or 404 page is logged by the browser as a failed load.
        if message.type == "error" and "status of 40" not in message.text:
            problems.append(f"console: {message.text}")

    def on_response(response: Any) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            problems.append(f"{response.status} {response.url}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script: {error}"))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))
    page.on("response", on_response)
    return problems
