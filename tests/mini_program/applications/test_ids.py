"""Identity numbers: the resident ID's check digit (GB 11643) and the credit code's (GB 32100)."""

from datetime import date

import pytest

from mini_program.applications import ids


@pytest.mark.parametrize(
    "number",
    ["11010519491231002X", "341622196803124021", "341622199212310010"],
)
def test_valid_resident_ids_pass(number):
    assert ids.resident_id_problem(number) is None


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("110105194912310021", "校验位不正确"),
        ("11010519491231002", "应为 18 位"),
        ("11010519491331002X", "出生日期无效"),
        ("01010519491231002X", "应为 18 位"),
        ("1101051949123100XX", "应为 18 位"),
    ],
)
def test_wrong_resident_ids_say_what_is_wrong(number, message):
    assert message in ids.resident_id_problem(number)


def test_a_birth_date_in_the_future_is_refused():
    first17 = "34162220990101123"
    number = first17 + ids.resident_id_check(first17)
    assert ids.resident_id_problem(number, today=date(2026, 12, 1)) == "身份证号码中的出生日期无效"


def test_a_lower_case_x_and_spaces_from_a_keyboard_are_normalised():
    assert ids.normalise(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91341622MA2N0000XH"])
def test_valid_credit_codes_pass(code):
    assert ids.credit_code_problem(code) is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91350100M000100Y44", "校验位不正确"),
        ("91350100M000100Y4", "应为 18 位"),
        ("91350100M0001O0Y43", "无效字符"),
    ],
)
def test_wrong_credit_codes_say_what_is_wrong(code, message):
    assert message in ids.credit_code_problem(code)


@pytest.mark.parametrize(
    ("prefix", "kind"),
    [
        ("91", "business"),
        ("92", "business"),
        ("31", "legal_service"),
        ("52", "nonprofit"),
        ("12", "other"),
    ],
)
def test_the_code_suggests_the_report_column(prefix, kind):
    assert ids.org_kind_from_code(prefix + "0000000000000000") == kind
