from django.core.management import call_command
from django.test import Client

from departments.models import Contractor, Department
from kobepost.accounts.demo import DEMO_PASSWORD
from kobepost.accounts.models import User
from tickets.models import Category, Dial


def test_seed_demo_is_idempotent_and_every_demo_login_works(db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert "operator1" in output and DEMO_PASSWORD in output
    assert Dial.objects.count() == 3
    assert Category.objects.filter(dial__code="roads").count() == 6
    assert Department.objects.filter(code="kensetsu-tobu").exists()
    assert Contractor.objects.filter(name="神戸道路補修株式会社").count() == 1
    assert set(User.objects.values_list("role", flat=True)) == set(User.Role.values)
    expected_home = {
        "operator1": "/callcenter/",
        "supervisor1": "/callcenter/",
        "tobu1": "/departments/",
        "admin": "/admin/",
    }
    for username, home in expected_home.items():
        client = Client()
        client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
        assert client.get("/")["Location"] == home
        assert client.get(home).status_code == 200


def test_demo_posts_are_in_every_state_and_forwarding_is_prefilled(db):
    from kobepost.public.models import Citizen, Post, PostCategory

    call_command("seed_demo")
    call_command("seed_demo")
    assert Citizen.objects.filter(login_id="kitano_demo").count() == 1
    posts = Post.objects.filter(citizen__login_id="kitano_demo").with_current_status()
    assert posts.filter(published=False, rejection="", case__isnull=True).exists(), "new"
    assert posts.filter(published=True, linked_status=Post.Status.RECEIVED).exists()
    assert posts.filter(linked_status=Post.Status.IN_PROGRESS, case__isnull=True).exists()
    assert posts.filter(case__isnull=False).exists(), "forwarded"
    assert posts.filter(linked_status=Post.Status.DONE).exists()
    assert posts.filter(rejection=Post.Rejection.OUT_OF_SCOPE).exists()
    assert posts.filter(rejection=Post.Rejection.DUPLICATE, duplicate_of__isnull=False).exists()
    unrouted = PostCategory.objects.filter(ticket_category__isnull=True).exclude(code="other")
    assert not unrouted.exists(), "every post category but その他 routes to a case category"
    client = Client()
    client.post("/public/login/", {"login_id": "kitano_demo", "password": DEMO_PASSWORD})
    assert client.get("/public/my/").status_code == 200


def test_the_demo_has_a_call_journal_with_call_backs_and_a_pbx_for_the_simulator(db):
    from kobepost.cti.demo import DEMO_PBX_TOKEN
    from kobepost.cti.models import Call, Pbx, Seat

    call_command("seed_demo")
    calls = Call.objects.count()
    call_command("seed_demo")
    assert Call.objects.count() == calls > 10
    assert Pbx.for_token(DEMO_PBX_TOKEN) is not None
    assert Seat.objects.get(extension="201").user.username == "operator1"
    assert Call.objects.filter(case__isnull=False).exists()
    assert Call.objects.filter(simple_call__isnull=False).exists()
    assert Call.objects.awaiting_callback().exists()
    assert Call.objects.filter(caller_id="withheld").exists()
