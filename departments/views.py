from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kobepost.decorators import role_required
from kobepost.models import User


@require_GET
@role_required(User.Role.DEPARTMENT_STAFF)
def home(request: HttpRequest) -> HttpResponse:
    department = request.user.department
    return render(
        request,
        "departments/home.html",
        {"department": department, "categories": department.categories.select_related("dial")},
    )
