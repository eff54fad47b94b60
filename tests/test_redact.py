from models.redact import Redactor, iban_valid, luhn_valid


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
