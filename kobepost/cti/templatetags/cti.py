"""The screen pop on every call-center page, and the seat form of the operator home."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from kobepost.cti.forms import SeatForm
from kobepost.cti.models import Seat
from kobepost.cti.services import POP_INTERVAL_MS

register = template.Library()


@register.inclusion_tag("cti/pop.html", takes_context=True)
def cti_pop(context) -> dict:
    """The banner's empty region and its script's settings; nothing for other roles."""
    user = context.get("user")
    if user is None or not user.is_authenticated or not user.is_callcenter:
        return {"enabled": False}
    return {
        "enabled": True,
        "config": {
            "pollUrl": reverse("cti:pop"),
            "intervalMs": POP_INTERVAL_MS,
            "texts": {
                "title": _("%(dial)s・%(state)s（%(time)s）"),
                "ended": _("終話"),
                "announce": _("着信: %(caller)s（%(dial)s）"),
                "cases": _("この電話番号の過去の案件"),
                "noCases": _("過去の案件はありません。"),
                "faq": _("この電話番号の過去の FAQ 対応"),
                "withheld": _("電話番号が通知されていないため、過去の記録は表示できません。"),
                "filled": _("受付画面に電話番号とダイヤルを入れました。"),
                "filledNoNumber": _(
                    "受付画面にダイヤルを入れました（電話番号は通知されていません）。"
                ),
            },
        },
    }


@register.inclusion_tag("cti/seat_form.html", takes_context=True)
def cti_seat(context) -> dict:
    request = context["request"]
    current = Seat.objects.filter(user=request.user).values_list("extension", flat=True).first()
    return {
        "form": SeatForm(initial={"extension": current or ""}),
        "extension": current,
        "next": request.get_full_path(),
        "csrf_token": context.get("csrf_token"),
    }
