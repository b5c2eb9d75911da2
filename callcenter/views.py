from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kobepost.decorators import role_required
from kobepost.models import User
from tickets.models import Dial


@require_GET
@role_required(User.Role.OPERATOR, User.Role.SUPERVISOR)
def home(request: HttpRequest) -> HttpResponse:
    dials = Dial.objects.all()
    return render(request, "callcenter/home.html", {"dials": dials})
