"""The staff search (issue 22, "Finding and being told"): one box in the header finds a
case by its number (or a pasted receipt line), the citizen's name, phone, address or
account number, or its subject, among the cases the user may see; a complaint about staff
is found by its complainant's identity only by whom may see that identity; the lists take
the same filter. The registration page asks for earlier contacts as the clerk types."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.timezone import now as timezone_now

from accountability.roles import Role
from accountability.rules import may
from deadlines.models import Case
from deadlines.rules import complainant_visible_q, sees_complainant, viewable_cases_q
from deadlines.services.cases import case_accept, case_name_accused
from tests.deadlines.conftest import Cast, _staff, open_case
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 6, 1, 9, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(MONDAY, tick=False):
        yield


@pytest.fixture
def accused(cast: Cast) -> Any:
    """A meter reader of the service department the citizen complains about."""
    return _staff("meter_reader", cast.service, Role.HANDLER)


@pytest.fixture
def about_staff(cast: Cast, accused: Any) -> Case:
    """A complaint by 李四光 about the meter reader, handled by cast.handler."""
    case = open_case(
        cast,
        subject="抄表员态度恶劣",
        citizen_name="李四光",
        citizen_phone="13911112222",
        citizen_address="光明路12号",
        citizen_account="WA-5566",
    )
    case = case_accept(actor=cast.head, case=case, handler=cast.handler)
    return case_name_accused(actor=cast.desk, case=case, accused=[accused], reason="态度恶劣")


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def search(user: Any, text: str) -> str:
    response = signed_in(user).get(reverse("deadlines:search"), {"q": text})
    assert response.status_code == 200
    return response.content.decode()


def found(user: Any, text: str) -> set[str]:
    """The numbers of the cases the result page links to (the box echoes the text typed)."""
    page = search(user, text)
    return {
        number
        for number in Case.objects.values_list("number", flat=True)
        if f'href="{reverse("deadlines:case_detail", args=[number])}"' in page
    }


# -- what each field finds ------------------------------------------------------------------


def test_it_finds_by_every_field_of_a_case_the_user_may_see(cast: Cast) -> None:
    case = open_case(
        cast,
        subject="水表漏水严重",
        citizen_name="王小明",
        citizen_phone="13712345678",
        citizen_address="人民路100号3单元",
        citizen_account="WA-102030",
    )
    other = open_case(cast, subject="水压不足", citizen_name="赵六", citizen_phone="13600000000")
    for text in (
        case.number,
        case.number[-6:],  # the number's digits, as a clerk reads them out
        "王小明",
        "王小",  # two characters: a name beginning with them
        "王",
        "12345",  # inside the phone
        "人民路100",
        "102030",
        "水表",  # two characters: a subject beginning with them
        "水表漏",
    ):
        assert found(cast.handler, text) == {case.number}, text
    assert found(cast.handler, "小明") == set()  # two characters inside a name: no match
    assert other.number in found(cast.handler, "水压不足")


def test_a_pasted_receipt_line_searches_the_number_and_never_the_secret(cast: Cast) -> None:
    case = open_case(cast)
    open_case(cast)
    line = f"办件编号:{case.number}  查询码:{case.lookup_secret}"
    assert found(cast.handler, line) == {case.number}
    assert found(cast.handler, f"{case.number} {case.lookup_secret}") == {case.number}
    assert found(cast.handler, case.lookup_secret) == set()


def test_it_finds_only_cases_the_user_may_see(cast: Cast) -> None:
    case = open_case(cast, citizen_name="钱七")
    assert found(cast.outsider, case.number) == set()
    assert found(cast.outsider, "钱七") == set()
    assert found(cast.network_head, "钱七") == set()
    for viewer in (cast.desk, cast.head, cast.leader, cast.inspector):
        assert found(viewer, "钱七") == {case.number}


# -- a complaint about staff ------------------------------------------------------------------


def test_a_protected_complaint_is_found_by_its_complainant_only_by_whom_may_see_them(
    about_staff: Case, accused: Any, cast: Cast
) -> None:
    for text in ("李四光", "李四", "13911112222", "光明路12", "WA-5566"):
        assert found(accused, text) == set(), text
        assert found(cast.head, text) == set(), text  # a colleague: the case, not who
        assert found(cast.desk, text) == set(), text
        assert found(cast.inspector, text) == {about_staff.number}, text
        assert found(cast.handler, text) == {about_staff.number}, text


def test_a_protected_complaint_is_found_by_number_by_whoever_may_view_it(
    about_staff: Case, accused: Any, cast: Cast
) -> None:
    for viewer in (accused, cast.head, cast.desk, cast.handler, cast.leader, cast.inspector):
        assert found(viewer, about_staff.number) == {about_staff.number}
    assert found(cast.outsider, about_staff.number) == set()


def test_a_hit_says_why_it_matched_without_the_protected_identity(
    about_staff: Case, cast: Cast
) -> None:
    page = search(cast.head, about_staff.number)
    reasons = page.split('class="match-reasons">')[1].split("</td>")[0]
    assert reasons == "办件编号"
    for identity in ("李四光", "13911112222", "光明路12号", "WA-5566"):
        assert identity not in page
    page = search(cast.inspector, "1391111")
    assert page.split('class="match-reasons">')[1].split("</td>")[0] == "服务对象电话"


def test_the_query_filters_say_what_the_predicates_say(
    about_staff: Case, accused: Any, cast: Cast
) -> None:
    ordinary = open_case(cast)
    elsewhere = open_case(cast, department=cast.network)
    people = [accused, *vars(cast).values()]
    people = [person for person in people if hasattr(person, "username")]
    for person in people:
        viewable = set(Case.objects.filter(viewable_cases_q(person)).values_list("pk", flat=True))
        visible = set(
            Case.objects.filter(complainant_visible_q(person)).values_list("pk", flat=True)
        )
        for case in (about_staff, ordinary, elsewhere):
            case = Case.objects.select_related("department").get(pk=case.pk)
            assert (case.pk in viewable) is may(person, "deadlines.view_case", case), person
            assert (case.pk in visible) is sees_complainant(person, case), person


# -- the page and the lists -------------------------------------------------------------------


def test_it_pages_results_in_a_fixed_number_of_queries(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    client = signed_in(cast.head)
    for _ in range(3):
        open_case(cast, citizen_name="孙八")
    url = reverse("deadlines:search")
    client.get(url, {"q": "孙八"})  # warm the session
    # Session, user, roles, staff profile, count, page, and the header's notification count.
    with django_assert_num_queries(7):
        small = client.get(url, {"q": "孙八"}).content.decode()
    for _ in range(27):
        open_case(cast, citizen_name="孙八")
    with django_assert_num_queries(7):
        full = client.get(url, {"q": "孙八"}).content.decode()
    assert small.count('class="match-reasons"') == 3
    assert full.count('class="match-reasons"') == 25
    assert "第 1 页,共 2 页" in full
    assert "q=%E5%AD%99%E5%85%AB" in full  # the next page keeps the search


def test_every_staff_page_carries_the_search_box(cast: Cast) -> None:
    page = signed_in(cast.desk).get(reverse("deadlines:my_cases")).content.decode()
    assert 'role="search"' in page
    assert f'action="{reverse("deadlines:search")}"' in page
    assert '<label for="site-search-q"' in page


@pytest.mark.parametrize("url_name", ["deadlines:my_cases", "deadlines:department_cases"])
def test_the_lists_take_the_same_filter(
    about_staff: Case, cast: Cast, accused: Any, url_name: str
) -> None:
    mine = open_case(cast, citizen_name="周九")
    client = signed_in(cast.desk)  # first responder of both, not allowed the complainant
    page = client.get(reverse(url_name), {"q": "周九"}).content.decode()
    assert mine.number in page
    assert about_staff.number not in page
    page = client.get(reverse(url_name), {"q": "李四光"}).content.decode()
    assert about_staff.number not in page
    page = client.get(reverse(url_name), {"q": about_staff.number}).content.decode()
    assert about_staff.number in page
    assert mine.number not in page


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
@pytest.mark.parametrize(
    ("text", "index"),
    [("王小明", "case_citizen_name_trgm"), ("王小", "case_citizen_name_prefix")],
)
def test_postgresql_serves_a_search_from_its_indexes(cast: Cast, text: str, index: str) -> None:
    from deadlines.selectors.search import case_search

    open_case(cast, citizen_name="王小明")
    query = case_search(user=cast.inspector, text=text).filter(citizen_name__isnull=False)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert index in plan


# -- the desk's earlier contacts --------------------------------------------------------------


def test_the_registration_page_asks_for_earlier_contacts_as_the_clerk_types(cast: Cast) -> None:
    page = signed_in(cast.desk).get(reverse("intake:registration")).content.decode()
    history_url = reverse("intake:history")
    assert f'data-history-url="{history_url}"' in page
    assert 'data-history-fields="phone=id_citizen_phone account=id_citizen_account"' in page
    assert 'id="id_citizen_phone"' in page
    assert 'id="id_citizen_account"' in page
    assert "intake/history_as_typed.js" in page
    script = finders.find("intake/history_as_typed.js")
    assert script is not None
    with open(script, encoding="utf-8") as source:
        code = source.read()
    assert 'addEventListener("input"' in code  # as the clerk types, not only on leaving
    assert "setTimeout(refresh, PAUSE_MS)" in code
    assert "clearTimeout(timer)" in code


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: psycopg's")
def test_postgresql_plans_each_search_for_its_words_never_a_prepared_generic_plan(
    cast: Cast,
) -> None:
    from deadlines.selectors.search import case_search_hits

    open_case(cast, citizen_name="王小明")
    # More runs of the same search statement than psycopg's prepare_threshold (5): a
    # prepared statement would get PostgreSQL's generic plan, made for no words at all.
    for _ in range(8):
        hits = case_search_hits(user=cast.inspector, text="王小明")
        assert hits.count() == 1
        assert len(hits[:25]) == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%citizen_name%"],
        )
        assert cursor.fetchone()[0] == 0
    assert connection.connection.prepare_threshold == 5  # left as it was


def test_a_broad_search_counts_up_to_its_cap_and_says_there_are_more(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deadlines.selectors import search

    monkeypatch.setattr(search, "COUNT_UP_TO", 3)
    for _ in range(4):
        open_case(cast, citizen_name="孙八")
    page = signed_in(cast.inspector).get(reverse("deadlines:search"), {"q": "孙八"})
    assert page.context["more"] is True
    assert page.context["page"].paginator.count == 3
    assert "超过 3 件" in page.content.decode()
    open_case(cast, citizen_name="周九")
    single = signed_in(cast.inspector).get(reverse("deadlines:search"), {"q": "周九"})
    assert single.context["more"] is False
    assert single.context["page"].paginator.count == 1


@pytest.mark.parametrize("url_name", ["deadlines:my_cases", "deadlines:department_cases"])
def test_a_lists_search_counts_up_to_the_cap_and_says_there_are_more(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, url_name: str
) -> None:
    from deadlines.selectors import cases

    monkeypatch.setattr(cases, "COUNT_UP_TO", 3)
    numbers = {open_case(cast, citizen_name="孙八").number for _ in range(4)}
    client = signed_in(cast.desk)  # the first responder of every case, in their department
    page = client.get(reverse(url_name), {"q": "孙八", "state": ""})
    assert page.context["more"] is True
    assert page.context["page"].paginator.count == 3
    assert len({case.number for case, _colour in page.context["rows"]} & numbers) == 3
    assert "超过 3 件" in page.content.decode()
    # Without a search every case is counted, however many.
    everything = client.get(reverse(url_name), {"state": ""})
    assert everything.context["more"] is False
    assert everything.context["page"].paginator.count == 4


# -- the search's scope read from the case's indexes (issue 24) ------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="`= ANY(ARRAY(…))`: PostgreSQL's")
def test_the_scope_the_search_reads_from_indexes_is_the_cases_the_user_may_see(
    cast: Cast,
) -> None:
    from deadlines.selectors.search import _scope_from_indexes

    # The outsider heads the network department without belonging to it: the cases of a
    # department one heads come through its head, not through one's own department.
    cast.network.head = cast.outsider
    cast.network.save()
    in_service = open_case(cast)
    case_accept(actor=cast.head, case=open_case(cast), handler=cast.handler)
    open_case(cast, department=cast.network)
    supervised = open_case(cast, department=cast.network)
    escalated = open_case(cast, department=cast.network)
    Case.objects.filter(pk=supervised.pk).update(supervisor=cast.desk)
    Case.objects.filter(pk=escalated.pk).update(leader=cast.handler)
    Case.objects.filter(pk=in_service.pk).update(first_responder=cast.network_head)
    for user in (
        cast.desk,
        cast.handler,
        cast.head,
        cast.network_head,
        cast.network_handler,
        cast.outsider,
    ):
        scope = _scope_from_indexes(user)
        assert scope is not None, user
        assert set(Case.objects.filter(scope)) == set(Case.objects.filter(viewable_cases_q(user)))
    # Who sees every case needs no scope.
    assert _scope_from_indexes(cast.leader) is None
    assert _scope_from_indexes(cast.inspector) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="planner settings: PostgreSQL's")
def test_a_broad_search_reads_its_page_in_order_and_leaves_the_planner_as_it_was(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deadlines.selectors import search

    monkeypatch.setattr(search, "COUNT_UP_TO", 3)
    cases = [open_case(cast, citizen_name="孙八") for _ in range(5)]
    hits = search.case_search_hits(user=cast.handler, text="孙八")
    assert hits.more is True
    assert [case.pk for case in hits[:2]] == [case.pk for case in reversed(cases)][:2]
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_bitmapscan")
        assert cursor.fetchone()[0] == "on"


# -- the planning of a search's statements (issue 24: under 100 ms at a million cases) -------


def test_a_term_of_several_words_finds_exactly_the_cases_holding_it_whole(cast: Cast) -> None:
    # On PostgreSQL the index is asked for the longest word ("102030") and each case
    # tested for the whole term: a case holding the word without the rest is not found.
    whole = open_case(cast, citizen_account="WA-102030")
    inside = open_case(cast, citizen_account="XWA-1020305")
    open_case(cast, citizen_account="WB-102030")
    open_case(cast, citizen_account="WA 102030")
    open_case(cast, citizen_address="解放路-102030")
    assert found(cast.inspector, "WA-102030") == {whole.number, inside.number}
    address = open_case(cast, citizen_address="幸福路 12号楼")
    open_case(cast, citizen_address="幸福路12号楼")
    assert found(cast.inspector, "幸福路 12号") == {address.number}
    assert found(cast.inspector, "路 1") == {address.number}  # no word of three: as before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_trgm is PostgreSQL's")
def test_postgresql_asks_the_trigram_index_for_the_longest_word_only(cast: Cast) -> None:
    from deadlines.selectors.search import case_search

    open_case(cast, citizen_account="WA-00012345")
    query = case_search(user=cast.inspector, text="WA-00012345")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "case_citizen_account_trgm" in plan, plan
    # Every index condition asks for the word: the edges' trigrams ("wa ", " 00") that
    # every account number holds are never looked up.
    conditions = [line for line in plan.splitlines() if "Index Cond" in line and "~~" in line]
    assert conditions, plan
    assert all("%00012345%" in line for line in conditions), plan
    assert "WA-" not in "\n".join(conditions), plan


def test_a_search_is_counted_in_no_order(cast: Cast) -> None:
    from django.test.utils import CaptureQueriesContext

    from deadlines.selectors import search

    for _ in range(3):
        open_case(cast, citizen_name="孙八")
    with CaptureQueriesContext(connection) as captured:
        hits = search.case_search_hits(user=cast.head, text="孙八")
        assert hits.count() == 3
    counts = [query["sql"] for query in captured if "COUNT(" in query["sql"].upper()]
    assert counts, [query["sql"] for query in captured]
    # Any COUNT_UP_TO + 1 hits do: sorting them first had PostgreSQL walk the
    # latest-first index for a head's common word (200k cases read).
    assert all("ORDER BY" not in sql for sql in counts), counts


def test_a_persons_list_pages_a_search_in_list_order_across_its_branches(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each branch (first responder, supervisor…) is read up to the page's end on its
    own: the page is still the list's first cases in list order."""
    from deadlines.selectors import cases as selectors
    from deadlines.selectors.cases import LIST_ORDER, CaseFilters, case_list_for_person

    monkeypatch.setattr(selectors, "COUNT_UP_TO", 2)
    made = [open_case(cast, citizen_name="孙八") for _ in range(6)]
    open_case(cast, citizen_name="周九")
    # Every other case supervised by the desk: the supervisor's branch, not the first
    # responder's.
    Case.objects.filter(pk__in=[case.pk for case in made[::2]]).update(supervisor=cast.desk)
    Case.objects.filter(pk=made[1].pk).update(next_due_at=None)
    expected = list(
        Case.objects.filter(pk__in=[case.pk for case in made])
        .order_by(*LIST_ORDER)
        .values_list("pk", flat=True)
    )
    listed = case_list_for_person(
        user=cast.desk, filters=CaseFilters(state="", search="孙八"), now=timezone_now()
    )
    assert listed.count() == 2
    assert listed.more is True
    assert [case.pk for case in listed[0:4]] == expected[:4]
    assert [case.pk for case in listed[2:5]] == expected[2:5]


@pytest.mark.parametrize("subject", ["水压不足", "严重水压不足"])
def test_a_common_word_is_counted_among_the_cases_the_user_may_see(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, subject: str
) -> None:
    """A word the subject begins with is counted first among one's own department's
    cases (on PostgreSQL, from an index alone); one inside the subject, and the cases of
    other departments, as every search is. Either way the same count."""
    from deadlines.selectors import search

    monkeypatch.setattr(search, "COUNT_UP_TO", 2)
    for _ in range(2):
        open_case(cast, subject=subject)
    for _ in range(3):
        open_case(cast, subject=subject, department=cast.network)
    for user, seen in ((cast.head, 2), (cast.desk, 5), (cast.network_head, 3), (cast.leader, 5)):
        hits = search.case_search_hits(user=user, text="水压不足")
        assert (hits.count(), hits.more) == (min(seen, 2), seen > 2), user
    open_case(cast, subject=subject)
    hits = search.case_search_hits(user=cast.head, text="水压不足")
    assert (hits.count(), hits.more) == (2, True)
    assert len(hits[0:25]) == 3


def test_a_department_lists_common_word_is_counted_under_the_lists_filters(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    from deadlines.selectors import cases as selectors
    from deadlines.selectors.cases import CaseFilters, case_list_for_department

    monkeypatch.setattr(selectors, "COUNT_UP_TO", 2)
    made = [open_case(cast, subject="水压不足") for _ in range(3)]
    Case.objects.filter(pk__in=[case.pk for case in made[1:]]).update(state="closed")

    def listed(state: str) -> Any:
        return case_list_for_department(
            department=cast.service,
            filters=CaseFilters(state=state, search="水压不足"),
            now=timezone_now(),
            viewer=cast.leader,
        )

    assert (listed("open").count(), listed("open").more) == (1, False)
    assert (listed("").count(), listed("").more) == (2, True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="text_pattern_ops: PostgreSQL's")
def test_postgresql_counts_a_departments_common_word_from_its_index_alone(cast: Cast) -> None:
    from deadlines.selectors.search import surely_found

    open_case(cast, subject="水压不足")
    open_case(cast, subject="水表漏水", department=cast.network)
    surely = surely_found(cases=Case.objects.filter(department=cast.service), text="水压不足")
    assert surely is not None
    query = surely.order_by().values("department")[:1001]
    with connection.cursor() as cursor:
        # A table this small is cheaper to read whole, or by any index on the department:
        # forbid the one, and drop the others inside the test's transaction (rolled back
        # after), to see this index serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no check pending on the table
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'deadlines_case'"
            " AND indexdef LIKE '%%(department_id%%'"
            " AND indexname <> 'case_department_subject_prefix'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Its department and the subject's range are the index's keys: nothing else is read
    # for a case (an index-only scan, once the table's pages are all visible).
    assert "using case_department_subject_prefix" in plan, plan
    assert "Filter" not in plan.replace("Filter: ((subject)::text ~~", ""), plan


def test_a_persons_common_word_is_counted_once_per_case_under_the_lists_filters(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cases a person handles and those they first responded to are counted first
    (on PostgreSQL, each from an index alone), a case that is both once: the same count
    as the list's."""
    from deadlines.selectors import cases as selectors
    from deadlines.selectors.cases import CaseFilters, case_list_for_person

    monkeypatch.setattr(selectors, "COUNT_UP_TO", 2)
    made = [open_case(cast, subject="水压不足") for _ in range(2)]
    # The desk first responded to both and handles one of them.
    Case.objects.filter(pk=made[0].pk).update(handler=cast.desk)

    def listed(state: str) -> Any:
        return case_list_for_person(
            user=cast.desk, filters=CaseFilters(state=state, search="水压不足"), now=timezone_now()
        )

    assert (listed("").count(), listed("").more) == (2, False)
    open_case(cast, subject="水压不足")
    assert (listed("").count(), listed("").more) == (2, True)
    Case.objects.filter(pk__in=[case.pk for case in made]).update(state="closed")
    assert (listed("open").count(), listed("open").more) == (1, False)


def _plan_without_other_indexes(sql: str, params: Any, kept: tuple[str, ...]) -> str:
    """The plan of a statement with no sequential scan, and, of the case table's indexes
    (but its keys'), only ``kept`` (the others dropped inside the test's transaction,
    rolled back after): a table this small is otherwise read by any index, or whole."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no check pending on the table
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'deadlines_case'"
            " AND NOT indexname = ANY(%s)"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [list(kept)],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="text_pattern_ops: PostgreSQL's")
def test_postgresql_counts_a_persons_common_word_from_its_indexes_alone(cast: Cast) -> None:
    from django.test.utils import CaptureQueriesContext

    from deadlines.selectors.cases import CaseFilters, case_list_for_person

    open_case(cast, subject="水压不足")
    listed = case_list_for_person(
        user=cast.desk, filters=CaseFilters(state="", search="水压不足"), now=timezone_now()
    )
    with CaptureQueriesContext(connection) as captured:
        assert listed.count() == 1
    (count,) = [query["sql"] for query in captured if "COUNT(" in query["sql"]]
    plan = _plan_without_other_indexes(
        count, None, ("case_handler_subject_prefix", "case_first_responder_subject_prefix")
    )
    # One part per index, each read without the table (a plain index scan of one, or a
    # bitmap of both, reads a case per entry: 35 ms for a front desk at a million cases).
    assert "Index Only Scan using case_handler_subject_prefix" in plan, plan
    assert "Index Only Scan using case_first_responder_subject_prefix" in plan, plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="partial indexes: PostgreSQL's")
def test_postgresql_reads_an_open_lists_search_among_the_open_cases_by_index(cast: Cast) -> None:
    """The open list's state is a condition an index serves (`= ANY`, where `<> ALL`
    is not): a common word whose open cases are all elsewhere is not read case by case
    for its state."""
    from django.test.utils import CaptureQueriesContext

    from deadlines.selectors.cases import CaseFilters, case_list_for_department

    open_case(cast, subject="水压不足")
    listed = case_list_for_department(
        department=cast.service,
        filters=CaseFilters(state="open", search="水压不足"),
        now=timezone_now(),
        viewer=cast.leader,
    )
    with CaptureQueriesContext(connection) as captured:
        assert listed.count() == 1
    (count,) = [query["sql"] for query in captured if "COUNT(" in query["sql"]]
    plan = _plan_without_other_indexes(count, None, ("case_open_figures",))
    assert "case_open_figures" in plan, plan
