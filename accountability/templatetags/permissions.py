"""`{% may "app.perm" user obj as name %}`: a permission asked of the rules themselves
(accountability.rules.may), so that a template never grants what a service refuses. The
rules library's own `has_perm` tag asks Django, which lets a superuser do anything."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template

from accountability.rules import may as may_rule

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

register = template.Library()


@register.simple_tag
def may(perm: str, user: User | AnonymousUser, obj: Any = None) -> bool:
    return may_rule(user, perm, obj)
