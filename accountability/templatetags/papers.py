"""The printed papers' letterhead: the organisation settings, read once per request.

{% load papers %}
{% organisation_profile as organisation %}
{% include "_letterhead.html" %}
...
<p class="seal">{{ organisation.seal }}</p>
"""

from __future__ import annotations

from typing import Any

from django import template

from accountability.models import OrganisationProfile
from accountability.selectors import organisation_profile as organisation_profile_get

register = template.Library()


@register.simple_tag(takes_context=True)
def organisation_profile(context: template.Context) -> OrganisationProfile:
    """The organisation settings (or their defaults while none are saved)."""
    request: Any = context.get("request")
    profile: OrganisationProfile | None = getattr(request, "_organisation_profile", None)
    if profile is None:
        profile = organisation_profile_get()
        if request is not None:
            request._organisation_profile = profile
    return profile
