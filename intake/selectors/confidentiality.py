"""What the intake pages and screens need to keep a complainant's identity protected
(issue 7, line 6). Who may see it is decided in one place only,
deadlines.rules.may_see_complainant (ask it through deadlines.rules.sees_complainant);
this module holds the wording shown instead, and the flag that lets a list tell
protected rows without a query per row.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from deadlines.models import Case

# The case page's wording (templates/deadlines/case_detail.html, the same msgid), shown
# wherever a protected identity is left out.
PROTECTED = _(
    "Protected: this complaint is about staff. Only the inspection office and the assigned "
    "handler see the complainant and the materials."
)


def protected_flag(case_ref: str = "case_id") -> Exists:
    """True on rows whose case names someone complained about: a subquery, no extra
    query, for ``.annotate(case_protected=protected_flag())``. Lists use it instead of
    ``case.is_about_staff``, which costs a query per row."""
    return Exists(Case.accused.through.objects.filter(case_id=OuterRef(case_ref)))
