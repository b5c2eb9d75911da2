"""Every response that shows a caller's or citizen's personal data writes its audit row.

The world holds personal data in every place the tool keeps it: two callers' cases (one
with health symptoms, one waiting for a call back, with an attachment), a KOBE ぽすと
citizen with an unpublished post and its photo, a logged call with a note, and a data
request about the first caller. Each personal value is unique, and the test knows which
records hold it.

Every URL of the project (tests/urlwalk.py) is opened as every role, plus the variants in
``PROBES`` that reach data only with parameters (a search, a lookup, an export format).
When a response's body (HTML, JSON, CSV in either encoding, xlsx) contains a seeded value,
the audit rows written during that request must include one of the records holding it,
for the signed-in user. Responses that show records without their text (a file, a lookup
by phone number) are declared in ``SHOWN_WITHOUT_TEXT`` and checked the same way. Signed
out, nothing personal may appear at all; a citizen may see only their own data.
"""

import datetime
import html
import io
import json
from dataclasses import dataclass

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from departments.services import case_attach_file
from faq.services import call_log
from kobepost.accounts.models import User
from kobepost.audit.models import AuditEvent
from kobepost.audit.services import record_type_of
from kobepost.cti.demo import ring_call
from kobepost.cti.models import Pbx, Seat
from kobepost.privacy.services import data_request_open
from kobepost.public.tests.fixtures import jpeg_upload, make_citizen, make_post
from tests.urlwalk import NOT_WALKED, all_patterns, client_for, concrete_path, faq_rows
from tickets.services import case_change_status, case_reply
from tickets.tests.factories import make_case

STAFF_ROLES = ("operator", "supervisor", "dept_own", "dept_health", "admin")
ROLES = ("anonymous", *STAFF_ROLES, "citizen")

# Where the world's first caller is: the nearby-cases lookup searches around it.
LATITUDE, LONGITUDE = 34.7203, 135.2651

CALLER = {
    "caller_name": "鷲尾 零士",
    "caller_kana": "ワシオ レイジ",
    "caller_phone": "078-555-0193",
    "address": "東灘区本山北町九丁目 鷲尾方",
    "details": "毎朝七時に鷲尾宅の前でつまずく人がいる",
}
HEALTH_CALLER = {
    "caller_name": "潮田 ひかり",
    "caller_kana": "シオタ ヒカリ",
    "caller_phone": "090-5555-0721",
    "address": "兵庫区湊町九丁目 潮田方",
    "details": "潮田家の夕食の仕出し弁当",
    "health_symptoms": "夜中から嘔吐と三十九度の発熱",
}
CITIZEN = {
    "name": "浜辺 七海",
    "name_kana": "ハマベ ナナミ",
    "address": "神戸市垂水区塩屋町九丁目9-9",
    "phone": "078-555-0355",
    "email": "hamabe.nanami@example.jp",
}
CITIZEN_LOGIN = "hamabe_nanami"
POST = {"text": "浜辺宅の裏の側溝が毎晩あふれています", "address": "塩屋町九丁目 浜辺宅の裏"}
ATTACHMENT = {"name": "鷲尾宅の玄関.jpg", "description": "鷲尾さん宅の玄関の段差"}
CALL_NOTE = "折り返し先 090-5555-0888 の方"
# A call the phone system left in the journal, missed: only the journal holds this number.
MISSED_CALLER = "078-555-0277"
REQUESTER_EMAIL = "washio.request@example.jp"


@dataclass(frozen=True)
class Probe:
    """A URL name with a query or a form that makes its page show data. A posted form
    (searches and look-ups keep personal data out of URLs) is followed to the page its
    redirect shows."""

    name: str
    query: str = ""
    post: tuple[tuple[str, str], ...] = ()
    record: str = ""  # the world's record whose id the URL takes (default: its first case)
    call: str = ""  # the world's journal call an intake is started from (``?call=``)


PHONE_TYPED = "０７８（５５５）０１９３"  # the first caller's number as an operator may type it

PROBES = [
    Probe("callcenter:case_list", post=(("q", "ワシオ"),)),
    Probe(
        "callcenter:nearby_cases", post=(("latitude", str(LATITUDE)), ("longitude", str(LONGITUDE)))
    ),
    Probe("callcenter:phone_history", post=(("phone", PHONE_TYPED),)),
    Probe("callcenter:case_export", "?personal=on"),
    Probe("callcenter:case_export", "?personal=on&encoding=cp932"),
    Probe("callcenter:case_export", "?personal=on&format=xlsx"),
    Probe("callcenter:call_export", "?encoding=cp932"),
    Probe("callcenter:call_export", "?format=xlsx"),
    Probe("privacy:export", "?encoding=cp932"),
    Probe("privacy:export", "?format=xlsx"),
    # The health case's pages too: its symptoms are shown to some.
    Probe("departments:case_detail", record="health_case"),
    Probe("callcenter:case_detail", record="health_case"),
    Probe("callcenter:case_print", record="health_case"),
    # The intake started from a call (the screen pop, the call-back queue) fills its number.
    Probe("callcenter:case_create", call="journal_call"),
    Probe("callcenter:case_create", call="missed_call"),
]


@dataclass(frozen=True)
class ShownWithoutText:
    """A response that shows a record without any of its text in the body."""

    role: str
    probe: Probe
    record: str  # a key of the world's ``records``
    why: str


SHOWN_WITHOUT_TEXT = [
    ShownWithoutText(
        "dept_own", Probe("departments:attachment"), "attachment", "the file itself (a photo)"
    ),
    ShownWithoutText(
        "operator", Probe("departments:attachment"), "attachment", "the file itself (a photo)"
    ),
    ShownWithoutText("supervisor", Probe("triage:photo"), "photo", "the citizen's photo"),
    ShownWithoutText("supervisor", Probe("triage:photo_original"), "photo", "the photo as posted"),
    ShownWithoutText(
        "operator",
        Probe("callcenter:phone_history", post=(("phone", PHONE_TYPED),)),
        "case",
        "earlier cases of this phone: who called about what",
    ),
    ShownWithoutText(
        "operator",
        Probe("callcenter:case_list", post=(("q", "078 555 0193"),)),
        "case",
        "a search by phone number: the same lookup",
    ),
]


def _key(instance) -> tuple[str, str]:
    return record_type_of(instance), str(instance.pk)


@pytest.fixture
def world(make_user, operator, supervisor, staff_tobu, staff_eisei, admin_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = make_case(
        operator,
        "road-damage",
        title="歩道の段差",
        latitude=LATITUDE,
        longitude=LONGITUDE,
        caller_phone_digits="0785550193",
        **CALLER,
    )
    assert case.department == staff_tobu.department
    attachment = case_attach_file(
        case=case,
        user=staff_tobu,
        upload=jpeg_upload(ATTACHMENT["name"]),
        description=ATTACHMENT["description"],
    )
    case = case_change_status(case=case, user=staff_tobu, status=case.Status.IN_PROGRESS)
    case_reply(case=case, user=staff_tobu, reply_text="段差を補修しました。")  # call-back queue
    health_case = make_case(operator, "food-poisoning", title="仕出し弁当の食中毒", **HEALTH_CALLER)
    assert health_case.department == staff_eisei.department
    entry, proposal = faq_rows(case, proposed_by=staff_tobu)
    citizen = make_citizen(CITIZEN_LOGIN, **CITIZEN)
    post = make_post(citizen, photos=1, **POST)
    make_post(citizen, published=True, text="公園の街灯が消えています", address="塩屋町")
    call = call_log(operator=operator, dial=case.dial, topic="ごみの出し方", note=CALL_NOTE)
    # The phone system: the first caller rings the operator's seat now (the screen pop, the
    # journal); an unknown number's missed call waits for a call back.
    pbx = Pbx(name="本庁 PBX")
    pbx.issue_token()
    pbx.save()
    Seat.objects.create(user=operator, extension="201")
    ringing = timezone.now() - datetime.timedelta(seconds=30)
    journal_call = ring_call(
        pbx,
        "audit-1",
        at=ringing,
        caller=CALLER["caller_phone"],
        dial_id=case.dial_id,
        extension="201",
        outcome="answered",
        talk=None,
    )
    missed_call = ring_call(
        pbx,
        "audit-2",
        at=ringing - datetime.timedelta(minutes=20),
        caller=MISSED_CALLER,
        dial_id=case.dial_id,
        extension="202",
        outcome="missed",
    )
    data_request = data_request_open(
        user=admin_user,
        kind="disclosure",
        requester_name=CALLER["caller_name"],
        requester_phone=CALLER["caller_phone"],
        requester_email=REQUESTER_EMAIL,
    )
    records = {
        "case": case,
        "health_case": health_case,
        "attachment": attachment,
        "citizen": citizen,
        "post": post,
        "photo": post.photos.first(),
        "call": call,
        "data_request": data_request,
        "journal_call": journal_call,
        "missed_call": missed_call,
    }
    holders = {
        **{value: {"case", "data_request"} for value in CALLER.values()},
        CALLER["caller_phone"]: {"case", "data_request", "journal_call"},
        MISSED_CALLER: {"missed_call"},
        **{value: {"health_case"} for value in HEALTH_CALLER.values()},
        **{value: {"citizen"} for value in (*CITIZEN.values(), CITIZEN_LOGIN)},
        **{value: {"post"} for value in POST.values()},
        **{value: {"case", "attachment"} for value in ATTACHMENT.values()},
        CALL_NOTE: {"call"},
        REQUESTER_EMAIL: {"data_request"},
    }
    return {
        "users": {
            "operator": operator,
            "supervisor": supervisor,
            "dept_own": staff_tobu,
            "dept_health": staff_eisei,
            "admin": admin_user,
        },
        "citizen": citizen,
        "case": case,
        "entry": entry,
        "proposal": proposal,
        "post": post,
        "photo": records["photo"],
        "data_request": data_request,
        "records": records,
        "holders": {
            value: {_key(records[name]) for name in names} for value, names in holders.items()
        },
        "own": {value for value, names in holders.items() if names <= {"citizen", "post"}},
        "pks": {"departments:attachment": attachment.pk},
    }


def body_text(response) -> str:
    """What a person would read in the response, whatever its format."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        workbook = load_workbook(io.BytesIO(raw), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    if content_type.startswith("image/"):
        return ""
    text = raw.decode("cp932" if "shift_jis" in content_type else "utf-8", errors="replace")
    if "json" in content_type:
        # JsonResponse writes Japanese as \\uXXXX escapes.
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return html.unescape(text)


def last_audit_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def audited_since(after: int, user: User) -> set[tuple[str, str]]:
    rows = AuditEvent.objects.filter(id__gt=after, user=user)
    return set(rows.values_list("record_type", "record_id"))


def probe_path(probe: Probe, world: dict) -> str:
    pattern = next(p for p in all_patterns() if p.name == probe.name)
    pks = dict(world["pks"])
    if probe.record:
        pks[probe.name] = world["records"][probe.record].pk
    query = probe.query
    if probe.call:
        query = f"?call={world['records'][probe.call].public_id}"
    return concrete_path(pattern, world, pks) + query


def fetch(client, probe: Probe, world: dict):
    path = probe_path(probe, world)
    if probe.post:
        return client.post(path, dict(probe.post), follow=True)
    return client.get(path)


def requests_to_walk(world: dict) -> list[Probe]:
    """Every URL (GET) and every probe."""
    walked = [Probe(p.name) for p in all_patterns() if p.name not in NOT_WALKED]
    return walked + PROBES


def shown_values(response, world: dict) -> set[str]:
    text = body_text(response)
    return {value for value in world["holders"] if value in text}


# Pages that must show seeded data to the role: proof that the seeding and the detection
# work, so that an empty walk never passes by accident.
MUST_SHOW = {
    "operator": {
        "callcenter:case_detail",
        "callcenter:callbacks",
        "callcenter:case_callback",
        "cti:pop",
        "cti:journal",
        "callcenter:case_create",
    },
    "supervisor": {"triage:detail", "triage:queue", "callcenter:case_export", "cti:journal"},
    "dept_own": {"departments:case_detail", "callcenter:case_print"},
    "dept_health": {"departments:case_detail"},
    "admin": {"privacy:detail", "privacy:export"},
    "citizen": {"public:account"},
    "anonymous": set(),
}


@pytest.mark.parametrize("role", ROLES)
def test_every_response_showing_personal_data_is_audited(world, role):
    client = client_for(role, world)
    client.raise_request_exception = False  # a page that fails shows nothing (matrix: 500s)
    user = world["users"].get(role)
    unaudited, leaked, showing = [], [], set()
    for probe in requests_to_walk(world):
        name = probe.name
        path = probe_path(probe, world)
        before = last_audit_id()
        response = fetch(client, probe, world)
        values = shown_values(response, world)
        if not values:
            continue
        showing.add(name)
        if user is None:
            foreign = values - world["own"] if role == "citizen" else values
            if foreign:
                leaked.append(f"{name} GET {path}: shows {sorted(foreign)}")
            continue
        audited = audited_since(before, user)
        missing = sorted(v for v in values if not world["holders"][v] & audited)
        if missing:
            unaudited.append(f"{name} GET {path} ({response.status_code}): {missing}")
    assert not leaked, f"role {role} sees personal data of others:\n" + "\n".join(leaked)
    assert not unaudited, f"role {role}, shown without an audit row:\n" + "\n".join(unaudited)
    assert MUST_SHOW[role] <= showing, f"expected personal data on {MUST_SHOW[role] - showing}"


@pytest.mark.parametrize("shown", SHOWN_WITHOUT_TEXT, ids=lambda s: f"{s.role}-{s.probe.name}")
def test_records_shown_without_their_text_are_audited(world, shown):
    user = world["users"][shown.role]
    before = last_audit_id()
    response = fetch(client_for(shown.role, world), shown.probe, world)
    path = probe_path(shown.probe, world)
    assert response.status_code == 200, path
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body, f"{path} answered empty: {shown.why} was not shown"
    record = world["records"][shown.record]
    assert _key(record) in audited_since(before, user), f"{path}: {shown.why} not audited"
