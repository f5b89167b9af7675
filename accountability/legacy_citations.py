"""Turning the free-text citations of before the register ("seed 003 投诉反馈制度 (1)") into
a regulation code and an article ("water-supply-service-rules", "投诉反馈制度（1）").

Used by the data migrations that converted existing rows, so keep its behaviour: a
migration run later must convert the same text the same way. Plain functions, no models.
"""

from __future__ import annotations

import re
from typing import Final

# "seed NNN" was the developers' shorthand for the five source regulations.
SEED_CODES: Final[dict[str, str]] = {
    "000": "accountability-measures",
    "001": "service-accountability-systems",
    "002": "window-service-rules",
    "003": "water-supply-service-rules",
    "004": "efficiency-discipline",
}

_DIGITS: Final = "零一二三四五六七八九"
_SEED = re.compile(r"^\s*seed\s+(\d{3})\s*(.*)$", re.IGNORECASE | re.DOTALL)
_DOMAIN = re.compile(r"^\s*DOMAIN\s*§\s*\d+\s*", re.IGNORECASE)


def chinese_number(number: int) -> str:
    """1..99 as Chinese numerals (第十二条)."""
    if number < 10:
        return _DIGITS[number]
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def tidy_article(text: str) -> str:
    """§7(二), §11(一) → 第七条(二)、第十一条(一)."""
    text = text.strip()
    text = re.sub(r"§\s*(\d+)", lambda m: "第" + chinese_number(int(m.group(1))) + "条", text)
    text = re.sub(r"\s*[,、]\s*", "、", text)
    return text.strip()


def convert(citation: str) -> tuple[str | None, str]:
    """(regulation code, article) of an old citation. The first regulation named is the
    one cited; further parts about the same regulation stay in the article, parts about
    another regulation are left out (one citation, one regulation). A citation of no
    regulation gives (None, the text without internal references)."""
    parts = [part.strip() for part in (citation or "").split(";") if part.strip()]
    if not parts:
        return None, ""
    first = _SEED.match(parts[0])
    if first is None:
        text = _DOMAIN.sub("", parts[0]).strip()
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1]
        return None, tidy_article(text)
    number = first.group(1)
    articles = [first.group(2)]
    for part in parts[1:]:
        other = _SEED.match(part)
        if other is None:
            articles.append(part)
        elif other.group(1) == number:
            articles.append(other.group(2))
    article = ";".join(tidy_article(text) for text in articles if text.strip())
    return SEED_CODES.get(number), article
