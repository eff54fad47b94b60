"""Personal-data redaction: typed placeholders replace e-mails, phones, card numbers, IBANs,
social-media handles, names after greetings and sign-offs, street addresses and configured
identifiers (order and account numbers...; the context rules are in models/redact_rules.py).

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
from collections.abc import Mapping
from dataclasses import dataclass, field

import phonenumbers

from models.redact_rules import (
    DEFAULT_PATTERNS,
    compile_patterns,
    replace_addresses,
    replace_identifier,
    replace_names,
)

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")
CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
HANDLE = re.compile(r"(?<![\w@.])@\w{1,30}")

PLACEHOLDERS = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "card": "[CARD]",
    "iban": "[IBAN]",
    "handle": "@user",
    "name": "[NAME]",
    "address": "[ADDRESS]",
}
BUILTIN_KINDS = frozenset(PLACEHOLDERS)


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
    """Replace personal data in text. `kinds` picks which detectors run (None: all, the configured
    `patterns` included); `patterns` maps a kind to a regex whose match (or first group) becomes
    `[KIND]`; None: DEFAULT_PATTERNS (order and account numbers)."""

    def __init__(
        self,
        kinds: set[str] | None = None,
        phone_region: str = "US",
        patterns: Mapping[str, str] | None = None,
    ) -> None:
        self.patterns = compile_patterns(DEFAULT_PATTERNS if patterns is None else patterns, BUILTIN_KINDS)
        known = BUILTIN_KINDS | self.patterns.keys()
        unknown = (kinds or set()) - known
        if unknown:
            raise ValueError(f"unknown redaction kinds {sorted(unknown)}; use {sorted(known)}")
        self.kinds = set(known) if kinds is None else set(kinds)
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
        # Configured identifiers before phones: an order number can look like a phone number.
        for kind, regex in self.patterns.items():
            if kind in self.kinds:
                text, counts[kind] = replace_identifier(kind, regex, text)
        # Addresses before phones too, so that a ZIP+4 is not read as part of a phone number.
        if "address" in self.kinds:
            text, counts["address"] = replace_addresses(text)
        if "phone" in self.kinds:
            text = self._phones(text, counts)
        if "name" in self.kinds:
            text, counts["name"] = replace_names(text)
        return Redacted(text=text, counts={kind: n for kind, n in counts.items() if n})

    def _phones(self, text: str, counts: Counter[str]) -> str:
        matches = list(
            phonenumbers.PhoneNumberMatcher(text, self.phone_region, leniency=phonenumbers.Leniency.VALID)
        )
        for match in reversed(matches):
            text = text[: match.start] + PLACEHOLDERS["phone"] + text[match.end :]
            counts["phone"] += 1
        return text
