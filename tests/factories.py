"""factory_boy factories for the organisation."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accountability.models import Department, Regulation, StaffProfile
from accountability.roles import Role
from deadlines.models import Case, Channel, ClockKind, MatterKind, TimeLimitPolicy
from deadlines.worktime import Unit

User = get_user_model()

PASSWORD = "correct horse battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"员工{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: list[Role] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.groups.add(*Group.objects.filter(name__in=[role.value for role in extracted]))
        if create:
            self.save()


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"部门{n}")


class StaffFactory(factory.django.DjangoModelFactory):
    """A staff profile with its user; pass roles=[Role.X] for the user's groups."""

    class Meta:
        model = StaffProfile
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(DepartmentFactory)
    title = "职员"
    desk_phone = factory.Sequence(lambda n: f"0531-8{n:07d}")

    @factory.post_generation
    def roles(self, create: bool, extracted: list[Role] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.user.groups.add(*Group.objects.filter(name__in=[role.value for role in extracted]))


class PolicyFactory(factory.django.DjangoModelFactory):
    """A time-limit policy; 5 working days to 24:00 unless told otherwise."""

    class Meta:
        model = TimeLimitPolicy

    code = factory.Sequence(lambda n: f"policy-{n}")
    name = factory.Sequence(lambda n: f"时限{n}")
    clock_kind = ClockKind.RESULT
    amount = 5
    unit = Unit.WORKING_DAYS.value
    # The register's rows come with the migrations (accountability 0007).
    regulation = factory.LazyFunction(
        lambda: Regulation.objects.get(code="service-accountability-systems")
    )
    article = "限时办结制 第七条(二)"


class CaseFactory(factory.django.DjangoModelFactory):
    """A case as registered, without clocks; pass state=… to start elsewhere in the
    machine (the transitions themselves are the services' business)."""

    class Meta:
        model = Case

    number = factory.Sequence(lambda n: f"2026-{n + 1:06d}")
    channel = Channel.PHONE
    matter_kind = MatterKind.COMPLAINT
    subject = factory.Sequence(lambda n: f"水压不足 {n}")
    content = "用户反映水压不足。"
    citizen_name = "张三"
    citizen_phone = "13800000000"
    first_responder = factory.SubFactory(UserFactory)
    department = factory.SubFactory(DepartmentFactory)
