"""The spreadsheet resources of the violation and sanction registers (django-import-export),
export only (they change through the sanctions services); the oversight exports write
them (sanctions.selectors.violations_export, decisions_export).

Headers are the fields' translated names, never the fields themselves; every coded value
is written as its label (state, severity, source, dismissal reason, sanction kinds), a
violation type by name, a rule or type by its regulation's title and article, a person
by name. Numbers stay numbers and moments datetimes (the exports write them as
typed cells in Beijing time). The case register's resource is deadlines.resources.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy
from import_export import fields, widgets

from accountability.spreadsheets import FormulaSafeResource, verbose_name
from sanctions.models import SanctionDecision, SanctionKind, Violation

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _violation_label(name: str) -> Any:
    return verbose_name(Violation, name)


def _decision_label(name: str) -> Any:
    return verbose_name(SanctionDecision, name)


def _person(user: User | None) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def _moment(attribute: str, label: Any) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=label, widget=widgets.DateTimeWidget())


class ViolationResource(FormulaSafeResource):
    """Export of the violation register (export only: violations change through the
    sanctions services). Headers are translated names and every coded value its label:
    the violation type by name, its regulation by title and article."""

    id = fields.Field(
        attribute="id", column_name=gettext_lazy("Violation number"), widget=widgets.IntegerWidget()
    )
    type_name = fields.Field(attribute="type__name", column_name=gettext_lazy("violation type"))
    regulation = fields.Field(column_name=gettext_lazy("regulation"))
    severity_label = fields.Field(column_name=_violation_label("severity"))
    state_label = fields.Field(column_name=_violation_label("state"))
    source_label = fields.Field(column_name=_violation_label("source_kind"))
    department = fields.Field(
        attribute="department__name", column_name=_violation_label("department")
    )
    staff = fields.Field(column_name=_violation_label("staff"))
    case = fields.Field(attribute="case__number", column_name=gettext_lazy("case number"))
    occurred_at = _moment("occurred_at", _violation_label("occurred_at"))
    raised_at = _moment("raised_at", _violation_label("raised_at"))
    decided_at = _moment("decided_at", _violation_label("decided_at"))
    dismissal_reason = fields.Field(column_name=_violation_label("dismissal_reason"))
    summary = fields.Field(attribute="summary", column_name=_violation_label("summary"))

    class Meta:
        model = Violation
        fields = (
            "id",
            "type_name",
            "regulation",
            "severity_label",
            "state_label",
            "source_label",
            "department",
            "staff",
            "case",
            "occurred_at",
            "raised_at",
            "decided_at",
            "dismissal_reason",
            "summary",
        )
        export_order = fields

    def dehydrate_state_label(self, violation: Violation) -> str:
        return str(violation.get_state_display())

    def dehydrate_severity_label(self, violation: Violation) -> str:
        return str(violation.get_severity_display())

    def dehydrate_source_label(self, violation: Violation) -> str:
        return str(violation.get_source_kind_display())

    def dehydrate_dismissal_reason(self, violation: Violation) -> str:
        return str(violation.get_dismissal_reason_display()) if violation.dismissal_reason else ""

    def dehydrate_staff(self, violation: Violation) -> str:
        return _person(violation.staff)

    def dehydrate_regulation(self, violation: Violation) -> str:
        """The violation type's regulation and article: 《title》article."""
        return violation.type.citation


class SanctionDecisionResource(FormulaSafeResource):
    """Export of the sanction register: kinds, state and rule by their labels, the rule's
    regulation by title and article."""

    id = fields.Field(
        attribute="id", column_name=gettext_lazy("Decision number"), widget=widgets.IntegerWidget()
    )
    notice_number = fields.Field(
        attribute="notice_number", column_name=_decision_label("notice_number")
    )
    violation = fields.Field(
        attribute="violation__id",
        column_name=gettext_lazy("Violation number"),
        widget=widgets.IntegerWidget(),
    )
    violation_type = fields.Field(
        attribute="violation__type__name", column_name=gettext_lazy("violation type")
    )
    regulation = fields.Field(column_name=gettext_lazy("regulation"))
    person = fields.Field(column_name=_decision_label("person"))
    department = fields.Field(
        attribute="department__name", column_name=_decision_label("department")
    )
    kinds = fields.Field(column_name=_decision_label("chosen_kinds"))
    state_label = fields.Field(column_name=_decision_label("state"))
    proposed_at = _moment("proposed_at", _decision_label("proposed_at"))
    decided_at = _moment("decided_at", _decision_label("decided_at"))
    served_at = _moment("served_at", _decision_label("served_at"))
    completed_at = _moment("completed_at", _decision_label("completed_at"))

    class Meta:
        model = SanctionDecision
        fields = (
            "id",
            "notice_number",
            "violation",
            "violation_type",
            "regulation",
            "person",
            "department",
            "kinds",
            "state_label",
            "proposed_at",
            "decided_at",
            "served_at",
            "completed_at",
        )
        export_order = fields

    def dehydrate_state_label(self, decision: SanctionDecision) -> str:
        return str(decision.get_state_display())

    def dehydrate_person(self, decision: SanctionDecision) -> str:
        return _person(decision.person)

    def dehydrate_regulation(self, decision: SanctionDecision) -> str:
        """The rule's regulation and article: 《title》article."""
        return decision.rule.citation if decision.rule_id else ""

    def dehydrate_kinds(self, decision: SanctionDecision) -> str:
        labels = dict(SanctionKind.choices)
        return "、".join(str(labels.get(kind, kind)) for kind in decision.chosen_kinds or [])
