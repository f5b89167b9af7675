"""Staff and department pickers (issue 22): people show as "name（department）", the clerk
is never offered to herself, and cases go only to units that handle cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from accountability.models import Department
from deadlines.forms import InstructForm, NameAccusedForm, SuperviseForm, TransferForm
from deadlines.services.cases import case_transfer
from intake.forms.registration import RegistrationForm
from tests.deadlines.conftest import Cast, open_case

pytestmark = pytest.mark.django_db


def _oversight_only(cast: Cast) -> None:
    """Leadership and the inspection office oversee: they handle no case."""
    Department.objects.filter(code__in=["leadership", "inspection"]).update(handles_cases=False)


def _labels(form: object, name: str) -> list[str]:
    field = form.fields[name]  # type: ignore[attr-defined]
    return [str(label) for value, label in field.choices if value != ""]


def _name(user: object) -> str:
    return str(user.get_full_name())  # type: ignore[attr-defined]


def test_the_registration_form_offers_colleagues_by_name_and_department_never_the_clerk(
    cast: Cast,
) -> None:
    form = RegistrationForm(department=cast.service, clerk=cast.desk)
    labels = _labels(form, "colleague")
    assert f"{_name(cast.handler)}（客户服务中心）" in labels
    assert f"{_name(cast.head)}（客户服务中心）" in labels
    assert not any(label.startswith(_name(cast.desk)) for label in labels)
    assert not form.fields["colleague"].queryset.filter(pk=cast.desk.pk).exists()  # type: ignore[attr-defined]


def test_the_registration_form_transfers_only_to_other_handling_units(cast: Cast) -> None:
    _oversight_only(cast)
    form = RegistrationForm(department=cast.service, clerk=cast.desk)
    codes = set(form.fields["to_department"].queryset.values_list("code", flat=True))  # type: ignore[attr-defined]
    assert "network" in codes
    assert codes.isdisjoint({"service", "leadership", "inspection"})


def test_the_case_transfer_picker_offers_handling_units_only(cast: Cast) -> None:
    _oversight_only(cast)
    form = TransferForm(case=open_case(cast))
    codes = set(form.fields["to_department"].queryset.values_list("code", flat=True))  # type: ignore[attr-defined]
    assert "network" in codes
    assert codes.isdisjoint({"service", "leadership", "inspection"})
    instruct = InstructForm(case=open_case(cast))
    instruct_codes = set(instruct.fields["department"].queryset.values_list("code", flat=True))  # type: ignore[attr-defined]
    assert instruct_codes.isdisjoint({"leadership", "inspection"})


def test_the_transfer_service_refuses_a_unit_that_handles_no_cases(cast: Cast) -> None:
    _oversight_only(cast)
    inspection = Department.objects.get(code="inspection")
    inspection.head = cast.inspector
    inspection.save()
    with pytest.raises(ValidationError, match="不办理办件"):
        case_transfer(
            actor=cast.desk, case=open_case(cast), to_department=inspection, handover_note="转交"
        )


def test_the_supervise_and_accused_pickers_show_each_persons_department(
    cast: Cast, django_assert_num_queries: object
) -> None:
    case = open_case(cast)
    supervise = SuperviseForm(case=case)
    with django_assert_num_queries(1):  # type: ignore[operator]
        labels = _labels(supervise, "supervisor")
    assert f"{_name(cast.network_head)}（管网所）" in labels
    accused = _labels(NameAccusedForm(case=case), "accused")
    assert f"{_name(cast.handler)}（客户服务中心）" in accused


def test_the_demo_marks_its_overseeing_units_as_handling_no_cases() -> None:
    demo = json.loads((Path(settings.BASE_DIR) / "fixtures/demo/organisation.json").read_text())
    oversee = {row["code"] for row in demo["departments"] if row.get("handles_cases") is False}
    assert oversee == {"group", "leadership", "inspection"}
