"""Load the demo utility of fixtures/demo/organisation.json; safe to run again."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accountability import services
from accountability.models import (
    Absence,
    Department,
    LeadingGroup,
    OrganisationProfile,
    StaffProfile,
)

DEMO_FILE = settings.BASE_DIR / "fixtures" / "demo" / "organisation.json"


class Command(BaseCommand):
    help = "Create the demo organisation and its logins (idempotent) and print the logins."

    def handle(self, *args: Any, **options: Any) -> None:
        demo = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
        with transaction.atomic():
            admin = self._administrator(demo["password"])
            self._organisation(admin, demo)
        self.stdout.write(
            self.style.SUCCESS("Demo logins (password: {}):".format(demo["password"]))
        )
        for role, username in demo["logins"]:
            self.stdout.write(f"  {role:<18} {username}")

    def _administrator(self, password: str) -> Any:
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username="admin",
            defaults={"is_staff": True, "is_superuser": True, "first_name": "系统管理员"},
        )
        if created:
            admin.set_password(password)
            admin.save()
        return admin

    def _organisation(self, admin: Any, demo: dict[str, Any]) -> None:
        User = get_user_model()
        departments: dict[str, Department] = {}
        for row in demo["departments"]:
            department = Department.objects.filter(code=row["code"]).first() or Department(
                code=row["code"]
            )
            department.name = row["name"]
            department.kind = row["kind"]
            department.parent = departments.get(row["parent"]) if row["parent"] else None
            department.is_dispatch = row.get("is_dispatch", False)
            department.handles_cases = row.get("handles_cases", True)
            department.round_the_clock = row.get("round_the_clock", False)
            department.phone = row["phone"]
            departments[row["code"]] = services.department_save(actor=admin, department=department)

        for row in demo["staff"]:
            user = User.objects.filter(username=row["username"]).first()
            if user is None:
                user = User(username=row["username"])
            user.first_name = row["full_name"]
            profile = StaffProfile.objects.filter(user=user).first() if user.pk else None
            profile = profile or StaffProfile(user=user)
            profile.department = departments[row["department"]]
            profile.title = row["title"]
            profile.desk_phone = row["desk_phone"]
            services.staff_profile_save(actor=admin, profile=profile, roles=row["roles"])
            if not user.has_usable_password():
                user.set_password(demo["password"])
                user.save(update_fields=["password"])

        users = {user.username: user for user in User.objects.all()}
        for row in demo["departments"]:
            department = departments[row["code"]]
            department.head = users[row["head"]]
            department.supervising_leader = users[row["leader"]] if row["leader"] else None
            services.department_save(actor=admin, department=department)

        profile_row = demo.get("organisation_profile")
        if profile_row:
            # The name and letterhead of the printed papers, set to the demo's as the
            # departments are; a repeated run that changes nothing writes no audit row.
            organisation = OrganisationProfile.objects.first() or OrganisationProfile()
            if any(getattr(organisation, k) != v for k, v in profile_row.items()):
                for key, value in profile_row.items():
                    setattr(organisation, key, value)
                services.organisation_profile_save(actor=admin, profile=organisation)

        group_row = demo.get("leading_group")
        if group_row:
            group = LeadingGroup.objects.order_by("pk").first() or LeadingGroup()
            group.name = group_row["name"]
            group.principal_leader = users[group_row["principal_leader"]]
            services.leading_group_save(
                actor=admin,
                group=group,
                members=[users[username] for username in group_row["members"]],
            )

        today = timezone.localtime().replace(hour=8, minute=0, second=0, microsecond=0)
        for row in demo["absences"]:
            starts_at = today + timedelta(days=row["starts_in_days"])
            if Absence.objects.filter(staff=users[row["staff"]], ends_at__gt=starts_at).exists():
                continue
            services.absence_record(
                actor=admin,
                staff=users[row["staff"]],
                starts_at=starts_at,
                ends_at=starts_at + timedelta(days=row["days"]),
                substitute=users[row["substitute"]],
                reason=row["reason"],
                handover_note="",
            )
