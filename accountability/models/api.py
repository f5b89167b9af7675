"""The REST API's clients and the scopes they are given."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiScope(models.TextChoices):
    """What a REST client may do (README "REST API"). Read scopes never include protected
    identities: no API field carries them, whatever the scope."""

    CASES_READ = "cases:read", _("Read cases, their deadlines and public timelines")
    CATALOGUE_READ = "catalogue:read", _("Read the service catalogue and departments")
    OPEN311_WRITE = "open311:write", _("File hotline contacts through Open311")


class ApiClient(models.Model):
    """Another system that calls the REST API (the 12345 hotline platform, billing, a
    report tool), with its own token, scopes and request rate.

    Only a SHA-256 digest of the token is stored: the token is shown once, when the client
    is created, and a lost token is replaced by revoking the client and creating another.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    token_prefix = models.CharField(
        _("token starts with"),
        max_length=12,
        editable=False,
        help_text=_("The first characters of the token, to tell tokens apart."),
    )
    token_digest = models.CharField(_("token digest"), max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    throttle_rate = models.CharField(
        _("request rate"),
        max_length=20,
        blank=True,
        help_text=_("Such as 600/min or 20/s; empty: the API_THROTTLE_RATE setting."),
        validators=[
            RegexValidator(
                r"^\d+/(s|sec|m|min|h|hour|d|day)$",
                _("Write a rate as a number of requests per s, min, hour or day, e.g. 600/min."),
            )
        ],
    )
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name

    # DRF treats the authenticated principal as request.user.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def allows(self, scope: str) -> bool:
        return self.is_active and scope in (self.scopes or [])
