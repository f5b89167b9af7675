"""Accept with deficiency (容缺受理, seed 002 附件4): every refusal, the deadline bounded
by the promised limit, the one-year bar of a broken pledge, keeping a pledge, the scan
that ends the cases whose pledge was missed, and the pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from deadlines.models import Case, CaseEvent, CaseState, Clock, ClockKind, EventAction, MatterKind
from deadlines.services.cases import CaseConflict, case_withdraw
from intake.models import (
    ItemKind,
    MaterialStatus,
    OneTimeNotice,
    Pledge,
    ServiceItem,
    ServiceItemMaterial,
)
from intake.selectors.desk import case_desk_for, citizen_broken_pledge
from intake.services.catalogue import service_item_create
from intake.services.notice import notice_issue
from intake.services.pledge import pledge_keep, pledge_take, pledges_lapse_due
from intake.tasks import lapse_missed_pledges
from tests.deadlines.conftest import Cast, open_case
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 1 June 2026, 09:00: an ordinary working fortnight follows (the Dragon Boat
# Festival is on 19 June).
MONDAY = datetime(2026, 6, 1, 9, tzinfo=SHANGHAI)
# The item's promised limit, 5 working days counted from Monday 09:00, ends at 24:00 on
# Monday 8 June.
LATEST = datetime(2026, 6, 9, 0, 0, tzinfo=SHANGHAI)
FRIDAY_5PM = datetime(2026, 6, 5, 17, tzinfo=SHANGHAI)

FORM = "申请表"
ID_CARD = "申请人身份证"
DEED = "房屋产权证明"  # secondary: may be handed in later
SKETCH = "位置示意图"  # secondary
WINDOW_RULES = "《阜新市民政局优化营商环境规范化建设工作制度》"
PRESENT, MISSING, DEFICIENT = (
    MaterialStatus.PRESENT,
    MaterialStatus.MISSING,
    MaterialStatus.DEFICIENT,
)


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def make_item(cast: Cast, code: str = "name-transfer", **fields: Any) -> ServiceItem:
    values: dict[str, Any] = {
        "name": "过户更名",
        "kind": ItemKind.PROMISED,
        "department": cast.service,
        "legal_basis": "《供水营业规则》",
        "conditions": "产权已变更。",
        "procedure": "受理、审核、办结。",
        "fee_standard": "免费",
        "refusal_reasons": "材料虚假。",
        "statutory_limit_amount": 10,
        "statutory_limit_unit": "working_days",
        "promised_limit_amount": 5,
        "promised_limit_unit": "working_days",
        "allows_deficiency": True,
        **fields,
    }
    deficiency = values["allows_deficiency"]
    return service_item_create(
        actor=None,
        item=ServiceItem(code=code, **values),
        materials=[
            ServiceItemMaterial(name=FORM, form_requirements="原件1份"),
            ServiceItemMaterial(name=ID_CARD, form_requirements="原件核验，复印件1份"),
            ServiceItemMaterial(
                name=DEED, form_requirements="复印件1份", may_be_deficient=deficiency
            ),
            ServiceItemMaterial(name=SKETCH, form_requirements="1份", may_be_deficient=deficiency),
        ],
    )


@pytest.fixture
def item(cast: Cast) -> ServiceItem:
    return make_item(cast)


def application(cast: Cast, code: str = "name-transfer", **fields: Any) -> Case:
    values: dict[str, Any] = {
        "matter_kind": MatterKind.APPLICATION,
        "subject": "过户更名",
        "content": "房屋已过户,申请水表户名变更。",
        "service_item_code": code,
        "citizen_account": "WA-1001",
        **fields,
    }
    return open_case(cast, **values)


def issue(cast: Cast, case: Case, code: str = "name-transfer", **statuses: str) -> OneTimeNotice:
    """A notice with the deed and the sketch missing unless told otherwise."""
    marked = {FORM: PRESENT, ID_CARD: PRESENT, DEED: MISSING, SKETCH: MISSING}
    names = {"form": FORM, "id_card": ID_CARD, "deed": DEED, "sketch": SKETCH}
    for key, status in statuses.items():
        marked[names[key]] = MaterialStatus(status)
    notice = notice_issue(
        actor=cast.desk,
        case=case,
        item_code=code,
        statuses={name: str(status) for name, status in marked.items()},
    )
    case.refresh_from_db()  # the notice is a step on the case: its version moved on
    return notice


def take(cast: Cast, case: Case, notice: OneTimeNotice, **fields: Any) -> Pledge:
    actor = fields.pop("actor", cast.desk)
    values: dict[str, Any] = {"due_at": FRIDAY_5PM, **fields}
    return pledge_take(actor=actor, case=case, notice=notice, **values)


def refusal(call: Any) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value


def broken_pledge(cast: Cast, settled_at: datetime, **citizen: str) -> Pledge:
    """A pledge of an earlier case, broken at `settled_at`."""
    earlier = application(cast, citizen_phone="13700000000", citizen_account="WA-0001")
    notice = issue(cast, earlier)
    return Pledge.objects.create(
        case=earlier,
        notice=notice,
        materials=[DEED],
        citizen_name="张三",
        citizen_phone=citizen.get("phone", ""),
        citizen_account=citizen.get("account", ""),
        due_at=settled_at - timedelta(hours=1),
        taken_by=cast.desk,
        taken_at=settled_at - timedelta(days=3),
        state=Pledge.State.BROKEN,
        settled_at=settled_at,
    )


# -- taking a pledge --------------------------------------------------------------------


def test_it_takes_a_pledge_accepts_the_case_and_copies_the_citizen(
    cast: Cast, item: ServiceItem
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = application(cast)
        notice = issue(cast, case)
        pledge = take(cast, case, notice)
    assert pledge.materials == [DEED, SKETCH]  # every secondary material the notice asks for
    assert (pledge.citizen_name, pledge.citizen_phone, pledge.citizen_account) == (
        "张三",
        "13800000000",
        "WA-1001",
    )
    assert (pledge.state, pledge.settled_at, pledge.taken_by) == ("open", None, cast.desk)
    case.refresh_from_db()
    assert (case.state, case.handler) == (CaseState.ACCEPTED, cast.desk)
    event = CaseEvent.objects.get(case=case, action=EventAction.PLEDGE)
    assert event.data["pledge"] == pledge.pk
    assert event.data["materials"] == [DEED, SKETCH]


def test_it_takes_a_pledge_of_some_materials_on_an_accepted_case(
    cast: Cast, item: ServiceItem
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = application(cast)
        notice = issue(cast, case)
        pledge = take(cast, case, notice, materials=[SKETCH])
    assert pledge.materials == [SKETCH]
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=False):
        pledge_keep(actor=cast.desk, pledge=pledge)
        case.refresh_from_db()
        second = take(cast, case, notice, materials=[DEED])
    assert second.state == Pledge.State.OPEN
    assert Case.objects.get(pk=case.pk).state == CaseState.ACCEPTED


def test_it_refuses_an_item_the_catalogue_does_not_open_to_deficiency(cast: Cast) -> None:
    strict = make_item(cast, allows_deficiency=False)
    case = application(cast)
    notice = issue(cast, case)
    error = refusal(lambda: take(cast, case, notice))
    assert error.messages == [
        gettext(
            "The catalogue does not allow accepting %(item)s with deficiency: every material "
            "must be handed in first."
        )
        % {"item": strict.name}
    ]
    assert not Pledge.objects.exists()
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED


def test_it_refuses_an_item_touching_safety_and_says_so(cast: Cast) -> None:
    risky = make_item(cast, allows_deficiency=False, touches_safety=True, name="二次供水设施验收")
    case = application(cast)
    notice = issue(cast, case)
    error = refusal(lambda: take(cast, case, notice))
    assert error.messages == [
        gettext(
            "%(item)s touches public safety, the environment, health, life or property, so it "
            "is never accepted with deficiency (%(regulation)s)."
        )
        % {"item": risky.name, "regulation": WINDOW_RULES + "附件4 第四条"}
    ]
    assert not Pledge.objects.exists()


def test_it_refuses_to_pledge_a_main_material_or_one_the_notice_found_present(
    cast: Cast, item: ServiceItem
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = application(cast)
        notice = issue(cast, case, sketch=PRESENT)
        error = refusal(lambda: take(cast, case, notice, materials=[DEED, SKETCH, FORM]))
    messages = error.message_dict["materials"]
    assert (
        gettext(
            "Notice %(notice)s does not list %(name)s as missing or deficient, so it cannot be "
            "pledged."
        )
        % {"notice": notice.number, "name": SKETCH}
        in messages
    )
    assert (
        gettext(
            "Notice %(notice)s does not list %(name)s as missing or deficient, so it cannot be "
            "pledged."
        )
        % {"notice": notice.number, "name": FORM}
        in messages
    )
    assert not Pledge.objects.exists()


def test_it_refuses_a_pledge_while_a_main_material_is_missing(
    cast: Cast, item: ServiceItem
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = application(cast)
        notice = issue(cast, case, id_card=DEFICIENT)
        secondary_only = refusal(lambda: take(cast, case, notice, materials=[DEED, SKETCH]))
        main_pledged = refusal(lambda: take(cast, case, notice, materials=[ID_CARD]))
    missing_main = gettext(
        "Main materials are missing or deficient on notice %(notice)s: %(names)s. Accepting "
        "with deficiency needs every main material present (%(regulation)s)."
    ) % {"notice": notice.number, "names": ID_CARD, "regulation": WINDOW_RULES + "附件4 第二条"}
    assert secondary_only.message_dict["materials"] == [missing_main]
    assert (
        gettext(
            "%(name)s is a main material: it must be handed in before the case is accepted and "
            "cannot be pledged for later (%(regulation)s)."
        )
        % {"name": ID_CARD, "regulation": WINDOW_RULES + "附件4 第二条"}
        in main_pledged.message_dict["materials"]
    )
    assert not Pledge.objects.exists()


def test_it_bounds_the_deadline_by_the_promised_limit_counted_from_now(
    cast: Cast, item: ServiceItem
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = application(cast)
        notice = issue(cast, case)
        late = refusal(lambda: take(cast, case, notice, due_at=LATEST + timedelta(minutes=1)))
        past = refusal(lambda: take(cast, case, notice, due_at=MONDAY - timedelta(minutes=1)))
        assert not Pledge.objects.exists()
        pledge = take(cast, case, notice, due_at=LATEST)
    assert late.message_dict["due_at"] == [
        gettext(
            "The deadline may be no later than the item's promised limit (%(limit)s) counted "
            "from now: %(latest)s at the latest (%(regulation)s)."
        )
        % {
            "limit": item.promised_limit_label,
            "latest": "2026-06-08 24:00",
            "regulation": WINDOW_RULES + "附件4 第六条",
        }
    ]
    assert past.message_dict["due_at"] == [gettext("The deadline must be in the future.")]
    assert pledge.due_at == LATEST


@pytest.mark.parametrize(
    ("days_ago", "barred"), [(364, True), (366, False)], ids=["364-days", "366-days"]
)
@pytest.mark.parametrize("match", ["phone", "account"])
def test_it_bars_a_citizen_whose_pledge_broke_within_a_year(
    cast: Cast, item: ServiceItem, days_ago: int, barred: bool, match: str
) -> None:
    with time_machine.travel(MONDAY - timedelta(days=days_ago), tick=False):
        earlier = broken_pledge(
            cast,
            MONDAY - timedelta(days=days_ago),
            **({"phone": "13800000000"} if match == "phone" else {"account": "WA-1001"}),
        )
    with time_machine.travel(MONDAY, tick=False):
        case = application(cast)
        notice = issue(cast, case)
        assert (citizen_broken_pledge("13800000000", "WA-1001", MONDAY) is not None) is barred
        if barred:
            error = refusal(lambda: take(cast, case, notice))
            assert error.messages == [
                gettext(
                    "The citizen broke a deficiency pledge (case %(case)s, deadline %(due)s), so "
                    "accepting with deficiency is barred until %(until)s (%(regulation)s)."
                )
                % {
                    "regulation": WINDOW_RULES + "附件4 第十三条",
                    "case": earlier.case.number,
                    "due": "2025-06-02 08:00",
                    "until": "2026-06-02 09:00",
                }
            ]
            assert not Pledge.objects.filter(case=case).exists()
        else:
            assert take(cast, case, notice).state == Pledge.State.OPEN


def test_it_does_not_match_citizens_on_an_empty_phone_or_account(
    cast: Cast, item: ServiceItem
) -> None:
    broken_pledge(cast, MONDAY - timedelta(days=10), phone="", account="")
    with time_machine.travel(MONDAY, tick=False):
        case = application(cast, citizen_phone="", citizen_account="")
        notice = issue(cast, case)
        assert take(cast, case, notice).state == Pledge.State.OPEN


def test_it_takes_one_open_pledge_per_case_on_the_latest_notice(
    cast: Cast, item: ServiceItem
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = application(cast)
        first = issue(cast, case)
        second = issue(cast, case, sketch=PRESENT)
        error = refusal(lambda: take(cast, case, first))
        assert error.messages == [
            gettext("Notice %(newer)s replaces notice %(notice)s: take the pledge on it.")
            % {"newer": second.number, "notice": first.number}
        ]
        take(cast, case, second)
        case.refresh_from_db()
        with pytest.raises(CaseConflict):
            take(cast, case, second)
    assert Pledge.objects.filter(case=case).count() == 1


def test_it_lets_only_the_handling_department_take_a_pledge(cast: Cast, item: ServiceItem) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = application(cast)
        notice = issue(cast, case)
        with pytest.raises(PermissionDenied):
            take(cast, case, notice, actor=cast.outsider)
    assert not Pledge.objects.exists()


# -- keeping and missing it -------------------------------------------------------------


def test_it_keeps_a_pledge_whose_materials_were_handed_in(cast: Cast, item: ServiceItem) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = application(cast)
        pledge = take(cast, case, issue(cast, case))
    with time_machine.travel(FRIDAY_5PM - timedelta(hours=1), tick=False):
        kept = pledge_keep(actor=cast.handler, pledge=pledge)
    assert (kept.state, kept.settled_at) == (Pledge.State.KEPT, FRIDAY_5PM - timedelta(hours=1))
    assert CaseEvent.objects.filter(
        case=case, action=EventAction.PLEDGE_KEPT, actor=cast.handler
    ).exists()
    with time_machine.travel(FRIDAY_5PM + timedelta(days=1), tick=False):
        assert pledges_lapse_due() == 0
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED
    with pytest.raises(CaseConflict):
        pledge_keep(actor=cast.handler, pledge=kept)


def test_it_does_not_keep_a_pledge_after_its_deadline(cast: Cast, item: ServiceItem) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = application(cast)
        pledge = take(cast, case, issue(cast, case))
    with time_machine.travel(FRIDAY_5PM + timedelta(minutes=1), tick=False):
        refusal(lambda: pledge_keep(actor=cast.desk, pledge=pledge))
    pledge.refresh_from_db()
    assert pledge.state == Pledge.State.OPEN


def test_it_ends_the_case_of_a_missed_pledge_and_bars_the_citizen(
    cast: Cast, item: ServiceItem
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = application(cast)
        pledge = take(cast, case, issue(cast, case))
    saturday = datetime(2026, 6, 6, 1, tzinfo=SHANGHAI)
    with time_machine.travel(saturday, tick=False):
        assert pledges_lapse_due() == 1
    pledge.refresh_from_db()
    assert (pledge.state, pledge.settled_at) == (Pledge.State.BROKEN, saturday)
    case.refresh_from_db()
    assert case.state == CaseState.TERMINATED
    assert not (
        Clock.objects.filter(case=case, stopped_at__isnull=True)
        .exclude(kind=ClockKind.WRITTEN_NOTICE)
        .exists()
    )
    notice_clock = Clock.objects.get(case=case, kind=ClockKind.WRITTEN_NOTICE)
    # 3 working days after Saturday: Monday 8, Tuesday 9 and Wednesday 10 June, to 24:00.
    assert notice_clock.policy.code == "pledge-termination-notice"
    assert notice_clock.responsible == cast.desk
    assert notice_clock.due_at == datetime(2026, 6, 11, 0, 0, tzinfo=SHANGHAI)
    assert notice_clock.stopped_at is None
    terminated = CaseEvent.objects.get(case=case, action=EventAction.TERMINATE)
    assert terminated.actor is None
    assert DEED in terminated.reason

    # Running again changes nothing.
    events = CaseEvent.objects.count()
    with time_machine.travel(saturday + timedelta(hours=1), tick=False):
        assert pledges_lapse_due() == 0
        assert lapse_missed_pledges() == 0
    assert CaseEvent.objects.count() == events
    assert Clock.objects.filter(case=case, kind=ClockKind.WRITTEN_NOTICE).count() == 1

    # The citizen comes back with another application: barred for a year.
    with time_machine.travel(datetime(2026, 6, 15, 9, tzinfo=SHANGHAI), tick=False):
        again = application(cast, citizen_account="WA-9999")
        error = refusal(
            lambda: take(cast, again, issue(cast, again), due_at=LATEST + timedelta(days=14))
        )
    assert error.messages == [
        gettext(
            "The citizen broke a deficiency pledge (case %(case)s, deadline %(due)s), so "
            "accepting with deficiency is barred until %(until)s (%(regulation)s)."
        )
        % {
            "case": case.number,
            "due": "2026-06-05 17:00",
            "until": "2027-06-06 01:00",
            "regulation": WINDOW_RULES + "附件4 第十三条",
        }
    ]


def test_it_leaves_a_pledge_alone_when_its_case_ended_another_way(
    cast: Cast, item: ServiceItem
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        withdrawn = application(cast)
        moot = take(cast, withdrawn, issue(cast, withdrawn))
        withdrawn.refresh_from_db()
        case_withdraw(actor=cast.desk, case=withdrawn, reason="市民撤回申请")
        live = application(cast, citizen_phone="13911112222", citizen_account="WA-2002")
        missed = take(cast, live, issue(cast, live))
    with time_machine.travel(datetime(2026, 6, 6, 1, tzinfo=SHANGHAI), tick=False):
        assert lapse_missed_pledges() == 1
    moot.refresh_from_db()
    missed.refresh_from_db()
    assert (moot.state, missed.state) == (Pledge.State.OPEN, Pledge.State.BROKEN)
    assert Case.objects.get(pk=withdrawn.pk).state == CaseState.WITHDRAWN
    assert Case.objects.get(pk=live.pk).state == CaseState.TERMINATED


# -- pages ------------------------------------------------------------------------------


def test_it_takes_a_pledge_on_its_page_and_prints_it(cast: Cast, item: ServiceItem) -> None:
    client = signed_in(cast.desk)
    with time_machine.travel(MONDAY, tick=False):
        case = application(cast)
        issue(cast, case)
        url = reverse("intake:pledge_new", args=[case.number])
        form_page = client.get(url)
        assert form_page.status_code == 200
        assert form_page.context["form"].fields["materials"].choices == [
            (DEED, DEED),
            (SKETCH, SKETCH),
        ]
        too_late = client.post(
            url,
            {"version": case.version, "materials": [DEED], "due_at": "2026-06-09T00:01"},
        )
        assert too_late.status_code == 400
        assert "due_at" in too_late.context["form"].errors
        assert 'value="2026-06-09T00:01"' in too_late.content.decode()  # the entry is kept
        response = client.post(
            url,
            {"version": case.version, "materials": [DEED], "due_at": "2026-06-05T17:00"},
        )
    pledge = Pledge.objects.get(case=case)
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:pledge", args=[pledge.pk])
    assert (pledge.materials, pledge.due_at) == ([DEED], FRIDAY_5PM)
    page = client.get(response["Location"]).content.decode()
    assert gettext("Accept-with-deficiency pledge (容缺受理承诺书)") in page
    assert (
        gettext(
            "A broken pledge is recorded and bars you from accept-with-deficiency for one year "
            "(%(regulation)s)."
        )
        % {"regulation": WINDOW_RULES + "附件4 第十三条"}
        in page
    )
    assert "2026-06-05 17:00" in page
    assert reverse("intake:pledge_keep", args=[pledge.pk]) in page

    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        kept = client.post(reverse("intake:pledge_keep", args=[pledge.pk]))
    assert kept.status_code == 302
    pledge.refresh_from_db()
    assert pledge.state == Pledge.State.KEPT
    assert (
        reverse("intake:pledge_keep", args=[pledge.pk])
        not in client.get(reverse("intake:pledge", args=[pledge.pk])).content.decode()
    )


def test_it_explains_on_the_page_why_no_pledge_can_be_taken(cast: Cast) -> None:
    make_item(cast, allows_deficiency=False)
    case = application(cast)
    client = signed_in(cast.desk)
    url = reverse("intake:pledge_new", args=[case.number])
    assert client.get(url).status_code == 409  # no notice yet
    issue(cast, case)
    response = client.get(url)
    assert response.status_code == 409
    assert "form" not in response.context
    assert signed_in(cast.outsider).get(url).status_code == 403


def test_it_shows_a_cases_pledges_and_refusal_links(cast: Cast, item: ServiceItem) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = application(cast)
        blank = render_to_string(
            "intake/_case_desk.html", {"desk": case_desk_for(case=case, user=cast.desk)}
        )
        assert reverse("intake:rejection_new", args=[case.number]) in blank
        assert reverse("intake:pledge_new", args=[case.number]) not in blank  # no notice yet
        pledge = take(cast, case, issue(cast, case))
        case.refresh_from_db()
        html = render_to_string(
            "intake/_case_desk.html", {"desk": case_desk_for(case=case, user=cast.desk)}
        )
    assert reverse("intake:pledge", args=[pledge.pk]) in html
    assert reverse("intake:rejection_new", args=[case.number]) not in html  # accepted now
    assert reverse("intake:pledge_new", args=[case.number]) not in html  # one open pledge
