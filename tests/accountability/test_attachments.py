"""Evidence on file (issue 23, part 3): each file with its SHA-256, its type checked by
content, its size limited, never deleted, only superseded; the complainant's files never
shown to the staff the complaint is about."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from accountability.attachments.models import Attachment
from accountability.attachments.samples import pdf, water_photo
from accountability.attachments.selectors import attachment_list_for
from accountability.attachments.services import (
    attachment_add,
    attachment_supersede,
    attachment_verify,
)
from accountability.models import AuditEntry
from accountability.roles import Role
from deadlines.models import Case
from deadlines.selectors.cases import case_get
from deadlines.services.cases import case_accept, case_name_accused
from tests.deadlines.conftest import Cast, _staff, cast, open_case
from tests.factories import PASSWORD

__all__ = ["cast"]  # a fixture

pytestmark = pytest.mark.django_db

PHOTO = water_photo()


def upload(name: str = "水龙头.png", data: bytes = PHOTO) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/png")


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def accused(cast: Cast) -> Any:
    """A meter reader of the service department, who may see its cases."""
    return _staff("meter_reader", cast.service, Role.HANDLER)


@pytest.fixture
def about_staff(cast: Cast, accused: Any) -> Case:
    """A complaint about the meter reader, handled by cast.handler."""
    case = case_accept(actor=cast.head, case=open_case(cast), handler=cast.handler)
    return case_name_accused(actor=cast.desk, case=case, accused=[accused], reason="态度恶劣")


# -- the file and its hash -----------------------------------------------------------------


def test_it_stores_the_file_with_its_sha256_type_size_and_who_added_it(cast: Cast) -> None:
    case = open_case(cast)
    attachment = attachment_add(actor=cast.desk, obj=case, file=upload(), note="漏水点")

    stored = Attachment.objects.get(pk=attachment.pk)
    assert stored.sha256 == hashlib.sha256(PHOTO).hexdigest()
    assert stored.media_type == "image/png"
    assert stored.size == len(PHOTO)
    assert stored.original_name == "水龙头.png"
    assert stored.added_by == cast.desk
    assert stored.target == case
    with stored.file.open("rb") as kept:
        assert kept.read() == PHOTO
    assert attachment_verify(attachment=stored)
    # Stored under a name of its own, which does not carry the original name.
    assert "水龙头" not in stored.file.name
    assert stored.file.name.endswith(".png")
    entry = AuditEntry.objects.get(action="attachment.add", object_id=str(stored.pk))
    assert entry.actor == cast.desk
    assert entry.after is not None
    assert entry.after["sha256"] == stored.sha256
    assert "水龙头" not in str(entry.after)


def test_it_notices_a_stored_file_changed_behind_its_back(cast: Cast) -> None:
    attachment = attachment_add(actor=cast.desk, obj=open_case(cast), file=upload())
    path = attachment.file.path
    with open(path, "r+b") as kept:
        kept.seek(30)
        kept.write(b"\x00\x01")
    assert not attachment_verify(attachment=Attachment.objects.get(pk=attachment.pk))


def test_it_keeps_a_recordings_reference_without_a_file(cast: Cast) -> None:
    reference = "呼叫中心录音系统 2026-03-02 14:05 坐席 8012"
    attachment = attachment_add(actor=cast.desk, obj=open_case(cast), reference=reference)
    assert attachment.reference == reference
    assert not attachment.file
    assert attachment.sha256 == ""


def test_it_takes_a_file_or_a_reference_never_both(cast: Cast) -> None:
    case = open_case(cast)
    with pytest.raises(ValidationError):
        attachment_add(actor=cast.desk, obj=case, file=upload(), reference="录音 1")
    with pytest.raises(ValidationError):
        attachment_add(actor=cast.desk, obj=case)


# -- the type, by content --------------------------------------------------------------------


def test_it_refuses_a_file_whose_content_is_not_what_its_name_claims(cast: Cast) -> None:
    case = open_case(cast)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        attachment_add(actor=cast.desk, obj=case, file=upload("承诺书.pdf", PHOTO))
    assert refused.value.messages == [
        "“承诺书.pdf”的文件名表明是PDF 文件，但内容是PNG 图片；请改正文件名或选择正确的文件。"
    ]
    assert not Attachment.objects.exists()


def test_it_refuses_content_it_does_not_keep_whatever_the_name(cast: Cast) -> None:
    case = open_case(cast)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        attachment_add(
            actor=cast.desk, obj=case, file=upload("照片.jpg", b"<html><script>x</script>")
        )
    assert refused.value.messages == [
        "“照片.jpg”的内容不是 JPEG、PNG 图片或 PDF 文件；证据只收这几种格式。"
    ]


def test_it_takes_the_type_from_the_content_not_from_the_browser(cast: Cast) -> None:
    scan = SimpleUploadedFile("scan.pdf", pdf("signed"), content_type="image/png")
    attachment = attachment_add(actor=cast.desk, obj=open_case(cast), file=scan)
    assert attachment.media_type == "application/pdf"


def test_the_page_shows_the_refusal_in_chinese(cast: Cast) -> None:
    case = open_case(cast)
    client = signed_in(cast.desk)
    response = client.post(
        reverse("attachment_add", args=["deadlines.case", case.pk]),
        {"file": upload("现场.jpg", pdf("not a photo")), "protected": "on"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    page = response.content.decode()
    assert "内容是PDF 文件" in page
    assert not Attachment.objects.exists()


# -- the size ----------------------------------------------------------------------------------


def test_it_refuses_a_file_over_the_size_limit(cast: Cast, settings: Any) -> None:
    settings.ATTACHMENT_MAX_MB = 1
    big = PHOTO + b"\x00" * (1024 * 1024 - len(PHOTO) + 1)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        attachment_add(actor=cast.desk, obj=open_case(cast), file=upload(data=big))
    assert [m.replace("\xa0", " ") for m in refused.value.messages] == [
        "文件大小为 1.0 MB，证据文件不得超过 1.0 MB。"
    ]
    just_fits = PHOTO + b"\x00" * (1024 * 1024 - len(PHOTO))
    attachment_add(actor=cast.desk, obj=open_case(cast), file=upload(data=just_fits))


# -- superseded, never deleted ----------------------------------------------------------------


def test_superseding_keeps_the_old_file_and_links_the_new_one(cast: Cast) -> None:
    case = open_case(cast)
    old = attachment_add(actor=cast.desk, obj=case, file=upload("现场.png"), protected=False)
    better = water_photo((20, 90, 200))
    new = attachment_supersede(
        actor=cast.head, attachment=old, file=upload("现场-清晰.png", better), note="更清晰"
    )
    assert new.supersedes == old
    assert not new.protected  # as protected as the file it supersedes
    old = Attachment.objects.get(pk=old.pk)
    assert old.superseded_by == new
    with old.file.open("rb") as kept:
        assert kept.read() == PHOTO
    assert AuditEntry.objects.filter(action="attachment.supersede", object_id=str(new.pk)).exists()
    # Only the newest version is superseded.
    with pytest.raises(ValidationError):
        attachment_supersede(actor=cast.head, attachment=old, file=upload(), note="再换")
    listing = attachment_list_for(obj=case_get(number=case.number), user=cast.head)
    assert [(row.attachment, row.superseded_by) for row in listing.rows] == [
        (old, new),
        (new, None),
    ]


def test_superseding_needs_a_reason(cast: Cast) -> None:
    old = attachment_add(actor=cast.desk, obj=open_case(cast), file=upload())
    with pytest.raises(ValidationError):
        attachment_supersede(actor=cast.desk, attachment=old, file=upload(), note=" ")


def test_an_attachment_is_never_changed_or_deleted_through_the_orm(cast: Cast) -> None:
    attachment = attachment_add(actor=cast.desk, obj=open_case(cast), file=upload())
    with pytest.raises(PermissionError):
        attachment.delete()
    with pytest.raises(PermissionError):
        Attachment.objects.filter(pk=attachment.pk).delete()
    with pytest.raises(PermissionError):
        Attachment.objects.filter(pk=attachment.pk).update(note="改")
    attachment.note = "改"
    with pytest.raises(PermissionError):
        attachment.save()


@pytest.mark.postgres
def test_the_database_refuses_to_delete_or_change_an_attachment(cast: Cast) -> None:
    attachment = attachment_add(actor=cast.desk, obj=open_case(cast), file=upload())
    table = Attachment._meta.db_table
    for statement in (
        f"DELETE FROM {table} WHERE id = %s",
        f"UPDATE {table} SET sha256 = 'x' WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [attachment.pk])
    assert Attachment.objects.get(pk=attachment.pk).sha256 == attachment.sha256


# -- confidentiality ---------------------------------------------------------------------------


def test_the_accused_gets_403_on_the_complainants_file_and_does_not_see_it_listed(
    cast: Cast, accused: Any, about_staff: Case
) -> None:
    theirs = attachment_add(
        actor=cast.handler, obj=about_staff, file=upload("投诉人拍摄-张三.png"), note="投诉人提供"
    )
    assert theirs.protected  # every file on a case is the complainant's unless said otherwise
    site = attachment_add(
        actor=cast.handler,
        obj=about_staff,
        file=upload("水表井.png", water_photo((10, 10, 10))),
        protected=False,
    )

    client = signed_in(accused)
    assert client.get(reverse("attachment", args=[theirs.pk])).status_code == 403
    page = client.get(reverse("deadlines:case_detail", args=[about_staff.number]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "投诉人拍摄" not in text
    assert reverse("attachment", args=[theirs.pk]) not in text
    # A file not marked as the complainant's is theirs to see, like the case itself.
    assert "水表井.png" in text
    assert client.get(reverse("attachment", args=[site.pk])).status_code == 200
    # Nor may they supersede the complainant's file, or add one (recusal).
    response = client.post(
        reverse("attachment_supersede", args=[theirs.pk]),
        {"file": upload(), "note": "替换"},
    )
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        attachment_add(actor=accused, obj=case_get(number=about_staff.number), file=upload())
    assert Attachment.objects.count() == 2


def test_the_handler_and_the_inspection_office_open_the_complainants_file(
    cast: Cast, about_staff: Case
) -> None:
    theirs = attachment_add(actor=cast.handler, obj=about_staff, file=upload())
    for user in (cast.handler, cast.inspector):
        response = signed_in(user).get(reverse("attachment", args=[theirs.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content) == PHOTO  # type: ignore[attr-defined]
    opened = AuditEntry.objects.filter(action="attachment.open", object_id=str(theirs.pk))
    assert {entry.actor for entry in opened} == {cast.handler, cast.inspector}


def test_who_may_see_the_case_but_not_the_complainant_gets_403(
    cast: Cast, about_staff: Case
) -> None:
    theirs = attachment_add(actor=cast.handler, obj=about_staff, file=upload())
    # The department head sees the case, not the complainant of a complaint about staff.
    assert signed_in(cast.head).get(reverse("attachment", args=[theirs.pk])).status_code == 403
    # Someone who may not see the case at all.
    assert signed_in(cast.outsider).get(reverse("attachment", args=[theirs.pk])).status_code == 403


def test_an_ordinary_cases_files_are_seen_by_whoever_sees_the_case(cast: Cast) -> None:
    case = open_case(cast)
    attachment = attachment_add(actor=cast.desk, obj=case, file=upload())
    assert signed_in(cast.head).get(reverse("attachment", args=[attachment.pk])).status_code == 200
    assert (
        signed_in(cast.outsider).get(reverse("attachment", args=[attachment.pk])).status_code == 403
    )


def test_the_case_page_adds_a_file_through_the_form(cast: Cast) -> None:
    case = open_case(cast)
    client = signed_in(cast.desk)
    response = client.post(
        reverse("attachment_add", args=["deadlines.case", case.pk]),
        {"file": upload("现场.png"), "note": "现场照片", "protected": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("deadlines:case_detail", args=[case.number])
    attachment = Attachment.objects.get()
    assert attachment.protected
    page = client.get(response["Location"]).content.decode()
    assert "现场.png" in page
    assert attachment.sha256[:16] in page


# -- the list partial's queries ----------------------------------------------------------------

PARTIAL = Template("{% load attachments %}{% attachments case %}")


def _render(case: Case, user: Any) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return PARTIAL.render(Context({"request": request, "csrf_token": "t", "case": case}))


@pytest.mark.parametrize("files", [1, 6])
def test_the_list_partial_costs_the_same_queries_however_many_files(
    cast: Cast, about_staff: Case, files: int, django_assert_num_queries: Any
) -> None:
    for number in range(files):
        attachment_add(actor=cast.handler, obj=about_staff, file=upload(f"{number}.png"))
    case = case_get(number=about_staff.number)
    _render(case, cast.handler)  # the content type and the user's roles, cached
    # The files with who added them; the rest is read from the case as its page loads it.
    with django_assert_num_queries(1):
        page = _render(case, cast.handler)
    first = Attachment.objects.order_by("pk").first()
    assert first is not None
    assert page.count(f'href="{reverse("attachment", args=[first.pk])}"') == 1
    assert page.count("<tr") == files + 1
