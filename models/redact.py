"""Personal-data redaction: typed placeholders replace e-mails, phones, card numbers, IBANs and
social-media handles.

Runs before anything is embedded or stored, so that no model, database row or log ever sees the
original value. Card numbers must pass the Luhn check and IBANs the ISO 13616 mod-97 check, so
order numbers and amounts are left alone. A handle (`@name`, as on X/Twitter or Instagram) names
a person as surely as an e-mail does; it becomes `@user`, the placeholder Twitter corpora use, which
also keeps one airline's or one customer's name from splitting a pain cluster. Phone numbers are found by Google's libphonenumber
(`phonenumbers`), which validates them per country.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import phonenumbers

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")
CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
HANDLE = re.compile(r"(?<![\w@.])@\w{1,30}")

PLACEHOLDERS = {"email": "[EMAIL]", "phone": "[PHONE]", "card": "[CARD]", "iban": "[IBAN]", "handle": "@user"}


@dataclass(frozen=True)
class Redacted:
    text: str
    counts: dict[str, int] = field(default_factory=dict)


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


class Redactor:
    """Replace personal data in text; `kinds` picks which detectors run."""

    def __init__(self, kinds: set[str] | None = None, phone_region: str = "US") -> None:
        unknown = (kinds or set()) - PLACEHOLDERS.keys()
        if unknown:
            raise ValueError(f"unknown redaction kinds {sorted(unknown)}; use {sorted(PLACEHOLDERS)}")
        self.kinds = set(PLACEHOLDERS) if kinds is None else set(kinds)
        self.phone_region = phone_region

    def __call__(self, text: str) -> Redacted:
        counts: Counter[str] = Counter()

        def sub(kind: str, pattern: re.Pattern[str], check=None) -> None:  # type: ignore[no-untyped-def]
            nonlocal text

            def replace(match: re.Match[str]) -> str:
                value = match.group(0)
                if check is not None and not check(value):
                    return value
                counts[kind] += 1
                return PLACEHOLDERS[kind]

            text = pattern.sub(replace, text)

        if "email" in self.kinds:
            sub("email", EMAIL)
        if "handle" in self.kinds:
            sub("handle", HANDLE)
        if "iban" in self.kinds:
            sub("iban", IBAN, iban_valid)
        if "card" in self.kinds:
            sub("card", CARD, lambda v: luhn_valid(re.sub(r"\D", "", v)))
        if "phone" in self.kinds:
            text = self._phones(text, counts)
        return Redacted(text=text, counts=dict(counts))

    def _phones(self, text: str, counts: Counter[str]) -> str:
        matches = list(
            phonenumbers.PhoneNumberMatcher(text, self.phone_region, leniency=phonenumbers.Leniency.VALID)
        )
        for match in reversed(matches):
            text = text[: match.start] + PLACEHOLDERS["phone"] + text[match.end :]
            counts["phone"] += 1
        return text
