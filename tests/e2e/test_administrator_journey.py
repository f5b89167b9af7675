"""The administrator's work in a browser (issue 22): 系统管理员 signs in to the
administration, renames a department, imports two staff members from a CSV file (with
the preview before anything is kept), and is refused a business page with the portal's
Chinese 403: administering the portal grants no business permission.

The cast is set up through the factories; the administrator's part happens on the pages.
Nothing here depends on the clock.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.translation import gettext
from playwright.sync_api import FilePayload, Page, expect

from accountability.models import Department, StaffProfile
from accountability.roles import Role
from tests.e2e.conftest import People, Screenshots, label, url, watch, zh
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

STAFF_CSV = (
    "username,full_name,email,department,title,desk_phone,roles\n"
    "chenjing,陈静,chenjing@example.cn,network,巡线员,0531-2001,handler\n"
    'liufang,刘芳,liufang@example.cn,service,窗口受理员,0531-2002,"front_desk,handler"\n'
)


def test_it_takes_an_administrator_through_the_administration_to_a_refusal(
    people: People, page: Page, screenshots: Screenshots
) -> None:
    admin = people.admin
    network = people.j.network
    problems = watch(page)

    # The administration's own sign-in page.
    page.goto(reverse("admin:index"))
    expect(page).to_have_url(re.compile(re.escape(reverse("admin:login"))))
    page.get_by_label(label(gettext("Username"))).fill(admin.username)
    page.get_by_label(label(gettext("Password"))).fill(PASSWORD)
    page.get_by_role("button", name=gettext("Log in"), exact=True).click()
    expect(page).to_have_url(url("admin:index"))
    expect(page.locator("#site-name")).not_to_be_empty()
    expect(page.get_by_role("link", name=zh("departments"), exact=True)).to_be_visible()
    screenshots(page, "administration")

    # A department renamed.
    page.get_by_role("link", name=zh("departments"), exact=True).click()
    expect(page).to_have_url(url("admin:accountability_department_changelist"))
    page.get_by_role("link", name=network.code, exact=True).click()
    expect(page).to_have_url(url("admin:accountability_department_change", network.pk))
    name = page.get_by_label(label(zh("name")), exact=True)
    expect(name).to_have_value(network.name)
    name.fill("管网维护部（北区）")
    screenshots(page, "department-form")
    page.get_by_role("button", name=gettext("Save"), exact=True).click()
    expect(page).to_have_url(url("admin:accountability_department_changelist"))
    changed = gettext("The {name} “{obj}” was changed successfully.")
    expect(page.locator("ul.messagelist")).to_contain_text(
        changed.format(name=zh("department"), obj="管网维护部（北区）")
    )
    network.refresh_from_db()
    assert network.name == "管网维护部（北区）"
    screenshots(page, "department-saved")

    # Staff imported from a file: previewed first, kept on confirmation.
    page.goto(reverse("admin:accountability_staffprofile_changelist"))
    page.get_by_role("link", name=re.compile(rf"^\s*{re.escape(gettext('Import'))}\s*$")).click()
    expect(page).to_have_url(url("admin:accountability_staffprofile_import"))
    upload: FilePayload = {
        "name": "staff.csv",
        "mimeType": "text/csv",
        "buffer": STAFF_CSV.encode(),
    }
    page.locator("input[type=file]").set_input_files(files=upload)
    page.locator("select[name=format]").select_option(label="csv")
    page.get_by_role("button", name=gettext("Submit"), exact=True).click()
    preview = page.locator("table.import-preview")
    expect(preview).to_contain_text("陈静")
    expect(preview).to_contain_text("front_desk,handler")
    assert not StaffProfile.objects.filter(user__username__in=["chenjing", "liufang"]).exists()
    screenshots(page, "import-preview")

    page.get_by_role("button", name=gettext("Confirm import"), exact=True).click()
    expect(page).to_have_url(url("admin:accountability_staffprofile_changelist"))
    rows = page.locator("#result_list tbody tr")
    expect(rows.filter(has_text="陈静")).to_have_count(1)
    expect(rows.filter(has_text="刘芳")).to_have_count(1)
    liufang = StaffProfile.objects.select_related("user", "department").get(
        user__username="liufang"
    )
    assert liufang.department == Department.objects.get(code="service")
    assert set(liufang.user.groups.values_list("name", flat=True)) == {
        Role.FRONT_DESK.value,
        Role.HANDLER.value,
    }
    screenshots(page, "staff-imported")

    # A business page: the administrator is not the inspection office.
    refused = page.goto(reverse("sanctions:queue"))
    assert refused is not None
    assert refused.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(zh("You may not open this page"))
    expect(page.locator(".error-page .reason")).to_have_text(
        zh("Only the inspection office and leadership see violations.")
    )
    screenshots(page, "refused")

    assert problems == []
    assert [path.name for path in screenshots.taken] == [
        "01-administration.png",
        "02-department-form.png",
        "03-department-saved.png",
        "04-import-preview.png",
        "05-staff-imported.png",
        "06-refused.png",
    ]
