"""Refusal phrases (推诿用语, DOMAIN §5) and the flags raised when a first responder's
words hold one, with the notices to the head who looks at them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import ClassVar, Final

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Phrases that refuse a citizen instead of serving them (seed 000 §8(1); seed 001 §10):
# "Unclear whose job" is never a reason to refuse (seed 001 §8).
REFUSAL_PHRASES: Final = (
    "不知道",
    "不清楚",
    "不归我管",
    "不是我管",
    "不关我事",
    "不关我的事",
    "不归我们管",
    "不是我们管",
    "找别人",
    "没办法",
)
# A phrase counts only as an expression of its own: the whole answer, or a clause of it
# between these marks (or line breaks), optionally led by who speaks or what is meant and
# trailed by a particle: "这个我不清楚的。", "你找别人吧!". Inside an ordinary sentence
# ("我不知道您是否方便明天上午在家") it is not a refusal and is never flagged.
REFUSAL_CLAUSE_MARKS: Final = "，。！？；：、,.!?;:…~～—\"'“”‘’「」『』()（）[]【】《》<>/|"
REFUSAL_LEAD_FILLERS: Final = (
    "这个事情",
    "这个事",
    "这件事",
    "这事儿",
    "这事",
    "这个",
    "那个",
    "这",
    "那",
    "我们",
    "咱们",
    "我",
    "俺",
    "咱",
    "你",
    "您",
    "嗯",
    "哦",
    "噢",
    "唉",
    "哎",
    "也",
    "都",
    "真",
    "就",
    "去",
)
REFUSAL_TAIL_FILLERS: Final = (
    "啊",
    "呀",
    "的",
    "了",
    "吧",
    "呢",
    "哦",
    "噢",
    "哈",
    "嘛",
    "啦",
    "喔",
    "哟",
    "去",
)


def _alternatives(words: Sequence[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_REFUSAL_CLAUSE = re.compile(
    rf"(?:{_alternatives(REFUSAL_LEAD_FILLERS)})*"
    rf"(?P<phrase>{_alternatives(REFUSAL_PHRASES)})"
    rf"(?:{_alternatives(REFUSAL_TAIL_FILLERS)})*"
)
_CLAUSE_BOUNDARY = re.compile(rf"[{re.escape(REFUSAL_CLAUSE_MARKS)}\n\r]+")
_SPACE = re.compile(r"\s+")


def refusal_phrases_in(text: str) -> list[str]:
    """The refusal phrases that stand as an expression of their own in the text, in the
    list's order, each once. A clause is tried without its spaces ("不归我 管") and piece
    by piece between spaces ("不知道 找别人去")."""
    found: set[str] = set()
    for clause in _CLAUSE_BOUNDARY.split(unicodedata.normalize("NFKC", text)):
        for candidate in {_SPACE.sub("", clause), *clause.split()}:
            match = _REFUSAL_CLAUSE.fullmatch(candidate)
            if match is not None:
                found.add(match["phrase"])
    return [phrase for phrase in REFUSAL_PHRASES if phrase in found]


class RefusalFlag(models.Model):
    """A refusal phrase found in what a first responder wrote to or about a citizen. It
    is a flag for the head of the staff member's department to look at, not a violation:
    it becomes one only when a complaint about the same contact (case) is founded
    (seed 000 §8(1); sanctions.services.ingest)."""

    case = models.ForeignKey(
        "deadlines.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The staff member's department when the phrase was used: its head looks at the flag.
    department = models.ForeignKey(
        "accountability.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    phrase = models.CharField(_("phrase"), max_length=20)
    text = models.TextField(_("text"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    # The head's look at it: what they found or did (talked to the staff member, ...).
    closed_at = models.DateTimeField(_("looked at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("looked at by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    head_note = models.TextField(_("head's note"), blank=True)

    class Meta:
        verbose_name = _("refusal phrase flag")
        verbose_name_plural = _("refusal phrase flags")
        ordering: ClassVar = ["-at", "-id"]
        indexes: ClassVar = [
            # A head's open flags; the ingestion's flags of a case use the case's index.
            models.Index(
                fields=["department", "at"],
                condition=Q(closed_at__isnull=True),
                name="refusal_flag_open",
            ),
        ]

    def __str__(self) -> str:
        # Not the text: on a complaint about staff it may carry the complainant's matter,
        # and the name shows in titles and the audit log.
        return f"{self.phrase} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class RefusalFlagNotification(models.Model):
    """The head (or, for a head's own phrase, the leader they answer to) is told of a new
    flag. Like sanctions.SanctionNotification: once per recipient and flag."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="refusal_flag_notifications",
        db_index=False,  # the constraint's index starts with it
    )
    flag = models.ForeignKey(
        RefusalFlag,
        verbose_name=_("refusal phrase flag"),
        on_delete=models.PROTECT,
        related_name="notifications",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("refusal flag notification")
        verbose_name_plural = _("refusal flag notifications")
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["recipient", "flag"], name="refusal_flag_notification_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.flag} → {self.recipient}"
