"""Personal-data redaction: typed placeholders replace e-mails, phones, card numbers, IBANs,
social-media handles, names after greetings and sign-offs, street addresses and configured
identifiers (order and account numbers...; the context rules are in models/redact_rules.py).

Runs before anything is embedded or stored, so that no model, database row or log ever sees the
original value. Card numbers must pass the Luhn check and IBANs the ISO 13616 mod-97 check, so
order numbers and amounts are left alone. A handle (`@name`, as on X/Twitter or Instagram) names
a person as surely as an e-mail does; it becomes `@user`, the placeholder Twitter corpora use, which
also keeps one airline's or one customer's name from splitting a pain cluster. Phone numbers are found by Google's libphonenumber
(`phonenumbers`), which validates them per country.

Chinese text gets the same detectors plus the mainland resident id (身份证号, 18 characters with
a birth date and an ISO 7064 check character). Text with Chinese characters is also searched for
phone numbers in the CN national format, whatever `phone_region` is: a Chinese comment writes
"13812345678" or "010-12345678" without +86.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import phonenumbers

from models.redact_rules import (
    DEFAULT_PATTERNS,
    compile_patterns,
    replace_addresses,
    replace_identifier,
    replace_names,
)

# Han ideographs, kana and Hangul. Python's \w matches them, but these scripts write no space
# between words, so "邮箱abc@qq.com" must give "邮箱[EMAIL]", not "[EMAIL]".
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LOCAL = rf"(?:[^\W{CJK}]|[.+-])"
EMAIL = re.compile(rf"(?<![.+-])(?<![^\W{CJK}]){_LOCAL}+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{{2,}}")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")
# Not after "+": "+86 138-1234-5678" is a phone, and its digits after the "+" can pass Luhn.
CARD = re.compile(r"(?<![\d+-])(?:\d[ -]?){12,18}\d(?![\d-])")
# 身份证号: 6-digit area, 8-digit birth date, 3-digit sequence, check digit or X; also written
# 6 8 4 with spaces. ASCII letters or digits around it make it part of some other code.
ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{6}[ ]?\d{8}[ ]?\d{3}[\dXx](?![\dA-Za-z])")
# A mobile number with the country code but no "+" ("8613812345678", 13 digits) can pass Luhn.
_CN_MOBILE_WITH_CODE = re.compile(r"861[3-9]\d{9}")
# Handles are ASCII on X/Twitter and Instagram: a Chinese mention ("@美团外卖客服我的订单没到") has no
# end to find, and taking 30 characters of it would take the complaint too.
HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_]{1,30}(?![A-Za-z0-9_])")

PLACEHOLDERS = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "card": "[CARD]",
    "iban": "[IBAN]",
    "id_number": "[ID_NUMBER]",
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


def card_valid(candidate: str) -> bool:
    """Luhn, and not a number that only looks like a card: no issued card number starts with 0
    ("0086 13812345678" is a phone), nor with 86 and a mainland mobile number."""
    digits = re.sub(r"\D", "", candidate)
    return digits[0] != "0" and not _CN_MOBILE_WITH_CODE.fullmatch(digits) and luhn_valid(digits)


# GB 11643: provinces (first two digits), ISO 7064 MOD 11-2 weights and check characters.
_ID_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 "
    "71 81 82".split()
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_number_valid(candidate: str) -> bool:
    """A resident id with a known province, a real birth date (1900 to today) and the right check
    character; an 18-digit order number or timestamp fails at least one of the three."""
    # NFKC turns full-width digits (typed by a Chinese IME) into ASCII ones.
    compact = unicodedata.normalize("NFKC", candidate).replace(" ", "").upper()
    if len(compact) != 18 or not compact[:17].isascii() or compact[:2] not in _ID_PROVINCES:
        return False
    try:
        born = date(int(compact[6:10]), int(compact[10:12]), int(compact[12:14]))
    except ValueError:
        return False
    if not date(1900, 1, 1) <= born <= date.today():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(compact[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == compact[17]


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
        # Resident ids before cards and phones: 18 digits can pass Luhn, and an id is the more
        # telling kind (it carries a birth date).
        if "id_number" in self.kinds:
            sub("id_number", ID_NUMBER, id_number_valid)
        if "iban" in self.kinds:
            sub("iban", IBAN, iban_valid)
        if "card" in self.kinds:
            sub("card", CARD, card_valid)
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
        text = self._phones_in(text, self.phone_region, counts)
        # A Chinese comment writes its numbers in the CN national format whatever the region of
        # the installation; libphonenumber finds them even glued to Chinese characters.
        if self.phone_region != "CN" and HAN.search(text):
            text = self._phones_in(text, "CN", counts)
        return text

    @staticmethod
    def _phones_in(text: str, region: str, counts: Counter[str]) -> str:
        matches = list(phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID))
        for match in reversed(matches):
            text = text[: match.start] + PLACEHOLDERS["phone"] + text[match.end :]
            counts["phone"] += 1
        return text
