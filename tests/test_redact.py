import pytest
from pydantic import ValidationError

from models.redact import Redactor, iban_valid, luhn_valid
from service.domain.runtime import redactor
from service.settings import Settings


def test_typed_placeholders_replace_personal_data() -> None:
    result = Redactor()(
        "Mail john.doe+x@example.co.uk or call +1 (415) 555-2671; card 4111 1111 1111 1111, "
        "IBAN GB82 WEST 1234 5698 7654 32."
    )
    assert result.text == "Mail [EMAIL] or call [PHONE]; card [CARD], IBAN [IBAN]."
    assert result.counts == {"email": 1, "phone": 1, "card": 1, "iban": 1}


def test_numbers_that_fail_their_checksums_are_kept() -> None:
    text = "order 4111 1111 1111 1112 and ref GB82 WEST 1234 5698 7654 33 on flight UA1234"
    assert Redactor()(text).text == text
    assert not luhn_valid("4111111111111112")
    assert not iban_valid("GB82WEST12345698765433")


def test_kinds_can_be_switched_off() -> None:
    assert Redactor({"email"})("call +1 415 555 2671").text == "call +1 415 555 2671"


def test_handles_become_user_but_emails_and_prices_do_not() -> None:
    result = Redactor()("@united my bag is lost, cc @jane_doe99 (mail jane@ex.com). RT@bob paid $5@gate")
    assert result.text == "@user my bag is lost, cc @user (mail [EMAIL]). RT@bob paid $5@gate"
    assert result.counts == {"email": 1, "handle": 2}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hi John, my card was declined", "Hi [NAME], my card was declined"),
        ("Hello Mary Smith", "Hello [NAME]"),
        ("Dear Mr. Jones, the app crashes", "Dear [NAME], the app crashes"),
        ("Hey Anna - the app crashes", "Hey [NAME] - the app crashes"),
        ("Hi O'Brien, my transfer failed", "Hi [NAME], my transfer failed"),
        ("The refund is late. Thanks, John", "The refund is late. Thanks, [NAME]"),
        ("The refund is late.\nRegards,\nMary Smith", "The refund is late.\nRegards,\n[NAME]"),
        ("Still waiting. Best, J. Doe", "Still waiting. Best, [NAME]"),
        ("Sorted now. Cheers Tom", "Sorted now. Cheers [NAME]"),
    ],
)
def test_names_after_greetings_and_sign_offs(text: str, expected: str) -> None:
    result = Redactor()(text)
    assert result.text == expected
    assert result.counts == {"name": 1}


@pytest.mark.parametrize(
    "text",
    [
        "Hi there, my card was declined",
        "Hello team, any news?",
        "Thanks for nothing",
        "Hi, my card was declined",
        "Hi, I'm locked out",
        "Hi Delta lost my bag again",  # no clause end after the word: the sentence is not a name
        "Best Buy lost my order",  # "Best" signs off only with a comma or a line break
        "Dear Sir or Madam, my card",
        "Hello Team, hello Everyone!",
        "John called me twice",  # a name without a greeting or sign-off is not caught
    ],
)
def test_words_after_greetings_that_are_not_names_are_kept(text: str) -> None:
    assert Redactor()(text).text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Send it to 123 Main Street, Apt 4B please", "Send it to [ADDRESS] please"),
        ("I live at 42 W 42nd St, New York, NY 10036-1234.", "I live at [ADDRESS]."),
        ("Deliver to 7 Elm Rd #12 today", "Deliver to [ADDRESS] today"),
        ("my postcode is SW1A 1AA", "my postcode is [ADDRESS]"),
        ("Springfield, IL 62704-1234", "Springfield, [ADDRESS]"),
    ],
)
def test_street_addresses_and_postcodes(text: str, expected: str) -> None:
    result = Redactor()(text)
    assert result.text == expected
    assert result.counts == {"address": 1}


@pytest.mark.parametrize(
    "text",
    [
        "we walked 2 blocks down the road",
        "flight UA1234 was 3 hours late",
        "Flight 3744 (N658JB) departs JFK",  # a tail number is no postcode (UK ones need the space)
        "I live on Main Street",  # no house number
        "send it to 123 main street",  # street words in lower case are not caught
    ],
)
def test_text_that_is_no_address_is_kept(text: str) -> None:
    assert Redactor()(text).text == text


def test_configured_identifiers_replace_only_the_number() -> None:
    result = Redactor()("my order number 12345-AB never came; order #A12345, account no. 98765432")
    assert result.text == "my order number [ORDER] never came; order #[ORDER], account no. [ACCOUNT]"
    assert result.counts == {"order": 2, "account": 1}
    assert (
        Redactor()("I want to order tickets for my account").text == "I want to order tickets for my account"
    )


def test_identifier_patterns_are_configurable_and_switchable() -> None:
    tickets = Redactor(patterns={"ticket": r"\bT-\d{6}\b", "ref": r"ref (\d{4})"})
    assert tickets("see T-123456 and ref 9876").text == "see [TICKET] and ref [REF]"
    assert Redactor({"email"}, patterns={"ticket": r"T-\d+"})("T-1 a@b.io").text == "T-1 [EMAIL]"
    with pytest.raises(ValueError, match="unknown redaction kinds"):
        Redactor({"order"}, patterns={})


def test_settings_refuse_bad_patterns_and_kinds() -> None:
    with pytest.raises(
        ValidationError, match=r"MOT_REDACT_PATTERNS: redaction pattern 'broken' \('\(unclosed'\)"
    ):
        Settings(redact_patterns={"broken": "(unclosed"})
    with pytest.raises(ValidationError, match="matches empty text"):
        Settings(redact_patterns={"loose": r"\d*"})
    with pytest.raises(ValidationError, match="is a built-in kind"):
        Settings(redact_patterns={"email": r"x\d+"})
    with pytest.raises(ValidationError, match=r"unknown kinds \['order'\]"):
        Settings(redact_kinds=["email", "order"], redact_patterns={})


def test_settings_drive_the_service_redactor() -> None:
    only = redactor(Settings(redact_kinds=["name"], redact_patterns={}))
    assert only("Hi John, mail a@b.io about order 12345").text == "Hi [NAME], mail a@b.io about order 12345"
    everything = redactor(Settings(redact_patterns={"ticket": r"\bT-\d{6}\b"}))
    assert everything("Hi John, ticket T-123456").text == "Hi [NAME], ticket [TICKET]"
