"""Context rules for personal data that has no checksum: names after a greeting or sign-off,
street addresses and postcodes, and identifiers (order, account...) described by configured
regular expressions.

These are deliberately narrow. A name is only recognised where a support ticket puts one (right
after "Hi", "Dear", "Thanks", "Regards"...), because a capitalised word anywhere else is as likely
a brand, a city or a product; an address needs a house number and a street suffix. A Chinese name
likewise only after 您好 / 你好 / 尊敬的 / 亲爱的 / 谢谢(您), as a common surname and one or two given
characters that end the clause. What they miss is listed in docs/REDACTION.md ("Redaction: what
is caught").
"""

from __future__ import annotations

import re
from collections.abc import Mapping

# Defaults of MOT_REDACT_PATTERNS. The number must contain a digit, so "I want to order tickets"
# keeps "tickets"; only the captured group is replaced, so the words "order number" stay.
DEFAULT_PATTERNS: dict[str, str] = {
    "order": r"(?i)\border\s*(?:no\.?|number|num|id|ref|#)?\s*[:#]?\s*((?=[a-z-]*\d)[a-z0-9-]{5,})\b",
    "account": (
        r"(?i)\b(?:account|acct|a/c|customer)\s*(?:no\.?|number|num|id|#)?\s*[:#]?\s*"
        r"((?=[a-z-]*\d)[a-z0-9-]{6,})\b"
    ),
}

_KIND_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")

# A name token: "John", "O'Brien", "Mary-Jane", "McDonald", or an initial "J.".
_TOKEN = r"(?:[A-Z](?:['’][A-Z])?[a-z]+(?:[A-Z][a-z]+)?(?:-[A-Z][a-z]+)?|[A-Z]\.)"
_TITLE = r"(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?[ ]+)?"
_NAME = rf"(?P<name>{_TITLE}{_TOKEN}(?:[ ]+{_TOKEN}){{0,2}})"
# The name must end the clause: punctuation, a line end or the text's end. Without this,
# "Hi Delta lost my bag" would lose "Delta"; with it the rest of a sentence is never taken.
_END = r"(?=[ ]*(?:[,.!?:;\-–—]|$))"
_GREETING = r"(?i:\b(?:hi|hello|hey|dear|greetings|good (?:morning|afternoon|evening)))(?:[ ]*,[ ]*|[ ]+)"
# "Best" and "Yours" need a comma or a line break after them: "Best Buy lost my order" is no sign-off.
_SIGN_OFF = (
    r"(?:(?i:\b(?:thanks|thank you|thx|many thanks|regards|kind regards|best regards|warm regards|"
    r"cheers|sincerely|yours sincerely|yours truly|cordially|take care))(?:[ ]*,[ \n]*|[ \n]+)"
    r"|(?i:\b(?:best|all the best|best wishes|yours))[ ]*(?:,[ \n]*|\n))"
)
NAME = re.compile(rf"(?:{_GREETING}|{_SIGN_OFF}){_NAME}{_END}", re.MULTILINE)
# Capitalised words after a greeting that address no one in particular.
NOT_NAMES = frozenset(
    "All Everyone Everybody There Team Sir Sirs Madam Guys Folks Friends Again Support Customer Service "
    "Care Help Desk Staff Sales Billing Admin Manager Hiring Whom Concern Ladies Gentlemen Mister".split()
)

# Chinese names. Chinese has no capitals, so a name is told by its surname: one of the ~100 most
# common single-character ones or four compound ones, then one or two given characters. A title
# after it (先生, 女士, 经理...) is kept, "尊敬的[NAME]先生": it says how to address the customer,
# not who they are. The name must end the clause (punctuation, line or text end) or be followed
# by a title, as with _END: "您好王府井店的..." keeps 王府井.
_ZH_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴"
    "莫孔向汤"
)
_ZH_SURNAME = rf"(?:欧阳|司马|上官|诸葛|[{_ZH_SURNAMES}])"
_ZH_TITLE = r"(?:先生|女士|小姐|经理|老师|师傅|医生|同学|总)"
# Characters that are (almost) never part of a given name but follow a surname character in
# everyday words: particles, pronouns, common verbs ("钱到了", "方便吗").
_ZH_NOT_GIVEN = (
    "了的们吗呢吧啊哦呀嘛么你我他她它您是在有不没也都就还又很太到给帮请要会能这那个过着把被让对从说看想做再"
    "和与及或但而客员店"
)
_ZH_GIVEN = rf"(?:(?!{_ZH_TITLE})(?![{_ZH_NOT_GIVEN}])[\u4e00-\u9fff])"
_ZH_END = r"(?=[ ]*(?:[，。！？、；：…～）,.!?;:~)\-—]|$))"
_ZH_GREETING = r"(?:您好|你好|尊敬的|亲爱的|谢谢[您你]?)(?:[ ]*[，,！!：:。][ \n]*|[ \n]*)"
NAME_ZH = re.compile(
    rf"{_ZH_GREETING}(?P<name>{_ZH_SURNAME}(?:{_ZH_GIVEN}{{1,2}}(?={_ZH_TITLE}|{_ZH_END})|(?={_ZH_TITLE})))",
    re.MULTILINE,
)
# Words that begin with a surname character and can end a clause after a greeting: "尊敬的顾客，",
# "谢谢，马上！", "周末见！"; brands ("谢谢苏宁！"). A match that starts with one is kept.
NOT_NAMES_ZH = tuple(
    "顾客 顾问 马上 高兴 高效 高手 高铁 高德 方便 万分 万达 周末 周到 周一 周二 周三 周四 周五 周六 周日 "
    "金额 金主 余额 付款 钱款 苏宁".split()
)

_SUFFIX = (
    r"(?i:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Way|Court|Ct|Place|Pl|"
    r"Terrace|Ter|Close|Crescent|Cres|Highway|Hwy|Parkway|Pkwy|Square|Sq|Circle|Cir|Trail|Trl)\b\.?"
)
_STREET_WORD = r"(?:[A-Z][a-z]+|\d{1,3}(?:st|nd|rd|th)|[NSEW]\.?)"
_UNIT = r"(?:,?[ ]*(?i:Apt|Apartment|Unit|Suite|Ste|Flat|Floor|Fl)\.?[ ]*#?[ ]*[A-Za-z0-9-]{1,6}\b|[ ]*#[ ]*\d{1,6}\b)"
_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|"
    "NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY"
)
_STATE_ZIP = rf"\b(?:{_STATES})[ ]+\d{{5}}(?:-\d{{4}})?\b"
_CITY_STATE_ZIP = rf"(?:,[ ]*(?:[A-Z][a-z]+[ ]?){{1,3}},?[ ]*{_STATE_ZIP})"
_UK_POSTCODE = r"\b(?:GIR 0AA|[A-Z]{1,2}\d[A-Z\d]? \d[ABD-HJLNP-UW-Z]{2})\b"
ADDRESS = re.compile(
    rf"\b\d{{1,6}}[A-Za-z]?(?:-\d{{1,4}})?[ ]+(?:{_STREET_WORD}[ ]+){{1,4}}?{_SUFFIX}{_UNIT}?{_CITY_STATE_ZIP}?"
    rf"|{_STATE_ZIP}|{_UK_POSTCODE}"
)


def compile_patterns(
    patterns: Mapping[str, str], reserved: set[str] | frozenset[str]
) -> dict[str, re.Pattern[str]]:
    """Check and compile MOT_REDACT_PATTERNS; every error names the kind and its pattern."""
    compiled: dict[str, re.Pattern[str]] = {}
    for kind, pattern in patterns.items():
        if not _KIND_NAME.match(kind):
            raise ValueError(f"redaction pattern name {kind!r}: use lower-case letters, digits and _")
        if kind in reserved:
            raise ValueError(f"redaction pattern name {kind!r} is a built-in kind: choose another name")
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"redaction pattern {kind!r} ({pattern!r}) is not a valid regex: {exc}") from exc
        if regex.search(""):
            raise ValueError(
                f"redaction pattern {kind!r} ({pattern!r}) matches empty text: it must need a value"
            )
        compiled[kind] = regex
    return compiled


def replace_names(text: str) -> tuple[str, int]:
    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if any(token.rstrip(".") in NOT_NAMES for token in name.split()):
            return match.group(0)
        start, end = match.span("name")
        return match.group(0)[: start - match.start()] + "[NAME]" + match.group(0)[end - match.start() :]

    def replace_zh(match: re.Match[str]) -> str:
        if match.group("name").startswith(NOT_NAMES_ZH):
            return match.group(0)
        return match.group(0)[: match.start("name") - match.start()] + "[NAME]"

    text, english = _count_sub(NAME, replace, text)
    text, chinese = _count_sub(NAME_ZH, replace_zh, text)
    return text, english + chinese


def replace_addresses(text: str) -> tuple[str, int]:
    return _count_sub(ADDRESS, lambda _: "[ADDRESS]", text)


def replace_identifier(kind: str, regex: re.Pattern[str], text: str) -> tuple[str, int]:
    """Replace the first captured group if the pattern has one (keeps "order number"), else the match."""
    placeholder = f"[{kind.upper()}]"

    def replace(match: re.Match[str]) -> str:
        if regex.groups == 0 or match.group(1) is None:
            return placeholder
        start, end = match.span(1)
        whole = match.group(0)
        return whole[: start - match.start()] + placeholder + whole[end - match.start() :]

    return _count_sub(regex, replace, text)


def _count_sub(regex: re.Pattern[str], replace, text: str) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    count = 0

    def counted(match: re.Match[str]) -> str:
        nonlocal count
        new = replace(match)
        count += new != match.group(0)
        return new

    return regex.sub(counted, text), count
