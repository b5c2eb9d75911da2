"""What the PBX says about the caller, folded; and the masked form of a number."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kobepost.cti.models import CallerId
from kobepost.cti.numbers import caller_number_parse, masked_number
from tickets.normalize import phone_digits


@given(st.text(max_size=40), st.text(max_size=20))
def test_any_text_from_the_pbx_is_understood_without_an_error(raw, status):
    caller = caller_number_parse(raw, status)
    assert caller.caller_id in CallerId.values
    if caller.caller_id == CallerId.NUMBER:
        assert caller.digits and caller.digits == phone_digits(caller.display)
    else:
        assert caller.display == caller.digits == ""


@pytest.mark.parametrize(
    ("raw", "status", "expected"),
    [
        ("非通知", "", CallerId.WITHHELD),
        ("ﾋﾂｳﾁ", "", CallerId.WITHHELD),
        ("ANONYMOUS", "", CallerId.WITHHELD),
        (" Private ", "", CallerId.WITHHELD),
        ("", "P", CallerId.WITHHELD),
        ("0783318181", "withheld", CallerId.WITHHELD),
        ("公衆電話", "", CallerId.PAYPHONE),
        ("", "C", CallerId.PAYPHONE),
        ("通知不可能", "", CallerId.UNAVAILABLE),
        ("out-of-area", "", CallerId.UNAVAILABLE),
        ("", "", CallerId.UNAVAILABLE),
        ("110", "", CallerId.UNAVAILABLE),
        ("0783318181", "number", CallerId.NUMBER),
        ("＋８１７８３３１８１８１", "", CallerId.NUMBER),
        ("sip:anonymous@anonymous.invalid", "", CallerId.WITHHELD),
        ("Private Number", "", CallerId.WITHHELD),
        ("", "prohib_passed_screen", CallerId.WITHHELD),
        ("公衆電話から", "", CallerId.PAYPHONE),
        ("Unknown Caller", "", CallerId.UNAVAILABLE),
        ("sip:+81783318181@pbx.example;user=phone", "", CallerId.NUMBER),
        ("<tel:+81-78-331-8181>", "allowed", CallerId.NUMBER),
    ],
)
def test_the_spellings_pbxs_use(raw, status, expected):
    assert caller_number_parse(raw, status).caller_id == expected


@pytest.mark.parametrize("raw", ["０７８（３３１）８１８１", '"日向" <sip:0783318181@10.0.0.5>'])
def test_a_number_in_any_writing_is_stored_in_one_spelling(raw):
    caller = caller_number_parse(raw)
    assert (caller.display, caller.digits) == ("078-331-8181", "0783318181")


@given(st.from_regex(r"0[0-9]{1,4}-[0-9]{1,4}-[0-9]{4}", fullmatch=True))
def test_a_masked_number_keeps_its_shape_and_only_the_last_two_digits(display):
    masked = masked_number(display)
    assert len(masked) == len(display)
    assert [c for c in masked if c.isdigit()] == [c for c in display if c.isdigit()][-2:]
    assert masked.count("-") == display.count("-")
