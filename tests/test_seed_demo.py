from django.core.management import call_command
from django.test import Client

from departments.models import Contractor, Department
from kobepost.demo import DEMO_PASSWORD
from kobepost.models import User
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
