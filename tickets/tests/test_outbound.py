"""The outbound-data policy (tickets.outbound): which fields each channel carries, and the
scrubber that takes callers' phones, names and e-mail addresses out of free text."""

import unicodedata

import pytest
from django.conf import settings as django_settings
from django.core import mail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kobepost.notifications.models import Notice
from tickets.models import Case, Category
from tickets.outbound import (
    CASE_FIELDS,
    Channel,
    Person,
    Removed,
    health_phrases,
    marked_pieces,
    may_see_health,
    outbound_case,
    removal_mark,
    scrub,
)
from tickets.services import case_reply
from tickets.tests.factories import make_case
from tickets.tests.personal_data import (
    FILLER,
    JOINERS,
    RECORDED_SYMPTOMS,
    callers,
    leaks,
    texts_about,
)

CALLER = [Person(name="山田 太郎", kana="ヤマダ タロウ", phone="078-123-4567")]
PHONE = removal_mark(Removed.PHONE)
NAME = removal_mark(Removed.NAME)


def person_of(caller) -> Person:
    return Person(name=caller.name, kana=caller.kana, phone=caller.phone.digits)


# --- the leaks found on main, one by one ---------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("通報者 山田 078-123-4567 から連絡あり", f"通報者 {NAME} {PHONE} から連絡あり"),
        ("078 123 4567", PHONE),
        ("０７８－１２３－４５６７", PHONE),
        ("078(123)4567", PHONE),
        ("078.123.4567", PHONE),
        ("別の番号 090-9876-5432 にも", f"別の番号 {PHONE} にも"),
        ("太郎さんから", f"{NAME}さんから"),
        ("北区 山田様方", f"北区 {NAME}様方"),
        ("山田太郎さん宅前 078-123-4567 道路に穴", f"{NAME}さん宅前 {PHONE} 道路に穴"),
        ("ﾔﾏﾀﾞ ﾀﾛｳ と名乗った", f"{NAME} と名乗った"),
        ("やまだたろう", NAME),
        ("折り返しは 123-4567 まで", f"折り返しは {PHONE} まで"),
        ("連絡先 taro.yamada@example.jp", f"連絡先 {removal_mark(Removed.EMAIL)}"),
    ],
)
def test_each_leak_reproduced_on_main_is_removed(text, expected):
    assert scrub(text, CALLER) == expected


@pytest.mark.parametrize(
    "text",
    [
        "受付番号 2026-000123 の件",
        "〒650-0001 中央区加納町6丁目5-1",
        "34.694600, 135.195500",
        "2026年11月20日 10:30〜12:00",
        "2020-2026年の記録",
        "110番と119番",
        "林業の現場、ゆうびん局の前",
    ],
)
def test_what_is_not_personal_is_left_as_typed(text):
    assert scrub(text, [Person(name="林 ユウ")]) == text


def test_a_short_name_part_is_removed_only_before_an_honorific():
    people = [Person(name="林 誠", kana="ハヤシ マコト")]
    assert scrub("林さんの家、森林の奥", people) == f"{NAME}さんの家、森林の奥"
    assert scrub("誠様より", people) == f"{NAME}様より"


# --- generated callers ---------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.data())
def test_no_generated_personal_item_survives_the_scrubber(data):
    caller = data.draw(callers())
    text = data.draw(texts_about(caller, max_items=20))
    scrubbed = scrub(text, [person_of(caller)])
    assert leaks(scrubbed, caller) == [], (text, scrubbed)
    # Every item with digits in it was personal, so no digit may be left at all.
    assert not any(char.isdigit() for char in unicodedata.normalize("NFKC", scrubbed))


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_recorded_symptoms_are_withheld_from_every_text_they_are_copied_into(data):
    caller = data.draw(callers())
    symptoms = data.draw(RECORDED_SYMPTOMS)
    case = Case(health_symptoms="、".join(symptoms), department_id=1)
    withheld = health_phrases(case, Channel.CONTRACTOR_MAIL)
    text = data.draw(texts_about(caller, max_items=20, symptoms=symptoms))
    scrubbed = scrub(text, [person_of(caller)], withheld=withheld)
    assert leaks(scrubbed, caller, symptoms=symptoms) == [], (text, scrubbed)


@given(st.lists(st.sampled_from(FILLER + JOINERS), max_size=12).map("".join))
def test_text_without_personal_items_is_unchanged(text):
    assert scrub(text, [Person(name="山田 太郎", kana="ヤマダ タロウ", phone="0781234567")]) == text


@given(st.text(max_size=200))
def test_marks_split_back_into_the_same_text(text):
    scrubbed = scrub(text, CALLER)
    assert "".join(piece for piece, _mark in marked_pieces(scrubbed)) == scrubbed


# --- per channel ---------------------------------------------------------------------------
def test_no_channel_carries_the_callers_fields_or_the_health_symptoms():
    personal = {"caller_name", "caller_kana", "caller_phone", "caller_phone_digits"}
    for channel, fields in CASE_FIELDS.items():
        assert not (personal | {"health_symptoms", "reply_text"}) & set(fields), channel


@pytest.fixture
def hygiene_case(kobe, operator) -> Case:
    category = Category.objects.select_related("dial", "department").get(code="food-poisoning")
    return Case(
        reference="2026-000001",
        category=category,
        dial=category.dial,
        department=category.department,
        title="弁当で食中毒 山田様",
        details="山田 太郎さんが下痢と発熱。078-123-4567",
        health_symptoms="下痢と発熱",
        caller_name="山田 太郎",
        caller_phone="078-123-4567",
        created_by=operator,
    )


@pytest.mark.parametrize("channel", [Channel.CONTRACTOR_MAIL, Channel.AGENCY_MAIL])
def test_health_dial_details_never_reach_outside_bodies(hygiene_case, channel):
    values = outbound_case(hygiene_case, channel)
    assert values["details"] == removal_mark(Removed.HEALTH)
    assert values["title"] == f"弁当で食中毒 {NAME}様"
    assert "health_symptoms" not in values


def test_symptom_visibility_per_channel_follows_the_screens_rule(hygiene_case):
    assert may_see_health(Channel.DEPARTMENT_MAIL, hygiene_case)
    assert may_see_health(Channel.REMINDER_MAIL, hygiene_case)
    for channel in (Channel.CALLCENTER_MAIL, Channel.CONTRACTOR_MAIL, Channel.AGENCY_MAIL):
        assert not may_see_health(channel, hygiene_case), channel


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_every_mail_channel_scrubs_the_title(hygiene_case, data):
    caller = data.draw(callers())
    hygiene_case.caller_name, hygiene_case.caller_kana = caller.name, caller.kana
    hygiene_case.caller_phone = caller.phone.digits
    hygiene_case.caller_phone_digits = caller.phone.digits
    hygiene_case.title = data.draw(texts_about(caller, max_items=5))
    for channel in CASE_FIELDS:
        values = outbound_case(hygiene_case, channel)
        for name in ("title", "details", "address"):
            if name in values:
                assert leaks(values[name], caller) == [], (channel, name, values[name])


# --- the mails whose footer says they carry no personal data --------------------------------
def test_department_and_callcenter_mail_carry_the_scrubbed_title(
    operator, staff_tobu, django_capture_on_commit_callbacks
):
    title = "山田太郎さん宅前 078-123-4567 道路に穴"
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(
            operator, title=title, caller_name="山田 太郎", caller_phone="078-123-4567"
        )
    with django_capture_on_commit_callbacks(execute=True):
        case_reply(case=case, user=staff_tobu, reply_text="補修しました")
    department, callcenter = mail.outbox
    assert department.to == staff_tobu.department.email_list
    assert callcenter.to == [django_settings.CALLCENTER_MAILBOX]
    for message in (department, callcenter):
        assert f"件名: {NAME}さん宅前 {PHONE} 道路に穴" in message.body
        assert "山田" not in message.body + message.subject
        assert "4567" not in message.body + message.subject
        assert "通報者の個人情報はメールに記載していません" in message.body
    assert not Notice.objects.filter(title__contains="山田").exists()
