import pytest
from pydantic import ValidationError

from models.redact import Redactor, card_valid, iban_valid, id_number_valid, luhn_valid
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
    # a Chinese mention has no end to find: the complaint glued to it stays
    assert Redactor()("@美团外卖客服我的订单没到").text == "@美团外卖客服我的订单没到"
    assert Redactor()("@united我的行李丢了").text == "@user我的行李丢了"


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


# Chinese text. The installation's phone region stays the default (US): text with Chinese
# characters is searched in the CN national format as well.
@pytest.mark.parametrize(
    ("text", "expected", "kind"),
    [
        ("我的电话13812345678请回电", "我的电话[PHONE]请回电", "phone"),
        ("手机号:138 1234 5678谢谢", "手机号:[PHONE]谢谢", "phone"),
        ("电话+86 138-1234-5678。", "电话[PHONE]。", "phone"),
        ("电话+86 138 1234 5678", "电话[PHONE]", "phone"),
        ("手机8613812345678", "手机[PHONE]", "phone"),  # its 13 digits pass Luhn: no card
        ("电话0086 13812345678", "电话[PHONE]", "phone"),  # so do these 15
        ("手机１３８１２３４５６７８", "手机[PHONE]", "phone"),  # full-width digits
        ("座机010-12345678，", "座机[PHONE]，", "phone"),
        ("座机0755 8888 6666", "座机[PHONE]", "phone"),
        ("座机（0755）88886666转123", "座机[PHONE]转123", "phone"),
        ("身份证号110101199003074514，", "身份证号[ID_NUMBER]，", "id_number"),
        ("身份证11010519491231109X", "身份证[ID_NUMBER]", "id_number"),
        ("身份证号：440305198512311053", "身份证号：[ID_NUMBER]", "id_number"),  # passes Luhn too
        ("身份证 110101 19900307 4514", "身份证 [ID_NUMBER]", "id_number"),
        ("身份证号码１１０１０１１９９００３０７４５１４", "身份证号码[ID_NUMBER]", "id_number"),
        ("卡号6222021234567890128被扣款", "卡号[CARD]被扣款", "card"),
        ("卡号 6222 0212 3456 7890 128", "卡号 [CARD]", "card"),
        ("邮箱abc@qq.com谢谢", "邮箱[EMAIL]谢谢", "email"),
        ("邮箱是123456@qq.com。", "邮箱是[EMAIL]。", "email"),
        ("联系我：王abc.d+1@163.com", "联系我：王[EMAIL]", "email"),
    ],
)
def test_chinese_phones_ids_cards_and_emails(text: str, expected: str, kind: str) -> None:
    result = Redactor()(text)
    assert result.text == expected
    assert result.counts == {kind: 1}


@pytest.mark.parametrize(
    "text",
    [
        "订单号 2023110512345678",  # 16 digits that fail Luhn
        "订单号：E20231105001",
        "订单号1381234567890",  # 13 digits: no mobile number
        "¥128.50，128元，满30减5，3份",
        "2023年11月5日 12:30 下单",
        "2023-11-05 12:30下单",
        "下单时间20231105123045",
        "编号202311051230451234",  # 18 digits like a timestamp: no province, wrong check digit
        "编号110101199003074515",  # an id with the wrong check digit
        "身份证号110101199002304514",  # 30 February
        "身份证号110101209912311237",  # born in the future
        "快递单号SF1234567890123",
    ],
)
def test_chinese_numbers_that_are_not_personal_data_are_kept(text: str) -> None:
    assert Redactor()(text).text == text


def test_chinese_numbers_are_read_in_the_cn_format_only_in_chinese_text() -> None:
    assert Redactor()("call 010-12345678").text == "call 010-12345678"
    assert Redactor(phone_region="CN")("call 010-12345678").text == "call [PHONE]"
    result = Redactor()("快递员电话是13912345678，不是13812345678，客服+1 415 555 2671")
    assert result.text == "快递员电话是[PHONE]，不是[PHONE]，客服[PHONE]"
    assert result.counts == {"phone": 3}


def test_resident_id_check_digit_and_date() -> None:
    assert id_number_valid("110101199003074514")
    assert id_number_valid("11010519491231109x")
    assert not id_number_valid("110101199003074515")  # check digit
    assert not id_number_valid("990101199003074514")  # no such province
    assert not id_number_valid("110101199013074514")  # month 13
    # An id that passes Luhn is reported as an id, and is a card only when ids are not looked for.
    assert luhn_valid("440305198512311053") and card_valid("440305198512311053")
    assert Redactor({"card"})("身份证号：440305198512311053").text == "身份证号：[CARD]"
    assert not card_valid("0086 13812345678") and not card_valid("8613812345678")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("尊敬的王先生", "尊敬的[NAME]先生"),
        ("尊敬的王小明先生：您好", "尊敬的[NAME]先生：您好"),
        ("您好王小明，我的订单没到", "您好[NAME]，我的订单没到"),
        ("您好，欧阳娜娜。", "您好，[NAME]。"),
        ("您好，黄小姐", "您好，[NAME]小姐"),
        ("亲爱的张女士，感谢", "亲爱的[NAME]女士，感谢"),
        ("问题解决了，谢谢李老师！", "问题解决了，谢谢[NAME]老师！"),
        ("谢谢您，王经理", "谢谢您，[NAME]经理"),
        ("谢谢王总", "谢谢[NAME]总"),
        ("谢谢谢娜！", "谢谢[NAME]！"),
        ("退款到账了。谢谢，\n王小明", "退款到账了。谢谢，\n[NAME]"),
    ],
)
def test_chinese_names_after_greetings_and_thanks(text: str, expected: str) -> None:
    result = Redactor()(text)
    assert result.text == expected
    assert result.counts == {"name": 1}


@pytest.mark.parametrize(
    "text",
    [
        "您好，我想退款",
        "谢谢你们",
        "谢谢骑手",  # 骑 is no surname
        "谢谢师傅",
        "谢谢！",
        "您好！请问在吗",
        "谢谢，钱到了。",  # 钱 is a surname, but 到 and 了 are no given name
        "您好，方便吗？",
        "您好，周末送货吗？",
        "您好，高铁票退不了",
        "您好王府井店的外卖",  # no clause end after one or two characters
        "尊敬的顾客，您好",
        "尊敬的金卡会员：",
        "谢谢苏宁！",
        "谢谢，马上！",
        "祝您好运",
        "李华投诉了两次",  # a name without a greeting is not caught
        "谢谢王小明和李华！",  # the name does not end the clause
    ],
)
def test_chinese_words_after_greetings_that_are_not_names_are_kept(text: str) -> None:
    assert Redactor()(text).text == text
