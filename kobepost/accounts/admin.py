from axes.utils import reset as axes_reset
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kobepost.accounts.forms import StaffImportForm
from kobepost.accounts.models import TwoFactorRequirement, User
from kobepost.accounts.staff_import import StaffImportError, import_staff


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    list_display = ("username", "display_name", "role", "department", "is_active", "last_login")
    list_filter = ("role", "department", "is_active")
    search_fields = ("username", "display_name", "email")
    ordering = ("username",)
    list_select_related = ("department",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (gettext_lazy("職員情報"), {"fields": ("display_name", "email", "role", "department")}),
        (
            gettext_lazy("権限"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups")},
        ),
        (gettext_lazy("記録"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "display_name",
                    "email",
                    "role",
                    "department",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    actions = ["unlock_login"]
    change_list_template = "admin/kobepost/user/change_list.html"

    @admin.action(description=gettext_lazy("ログインのロックを解除する"))
    def unlock_login(self, request: HttpRequest, queryset) -> None:
        for user in queryset:
            axes_reset(username=user.username)
        self.message_user(
            request,
            _("%(count)s 件のアカウントのロックを解除しました。") % {"count": queryset.count()},
            messages.SUCCESS,
        )

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="kobepost_user_import",
            ),
            *super().get_urls(),
        ]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form = StaffImportForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("職員アカウントの一括登録（CSV）"),
            "form": form,
        }
        if request.method == "POST" and form.is_valid():
            try:
                created = import_staff(data=form.cleaned_data["file"].read())
            except StaffImportError as error:
                context["problems"] = error.problems
            else:
                context["created"] = created
                self.message_user(
                    request,
                    _("%(count)s 件のアカウントを登録しました。") % {"count": len(created)},
                    messages.SUCCESS,
                )
        return render(request, "admin/kobepost/user/import.html", context)


@admin.register(TwoFactorRequirement)
class TwoFactorRequirementAdmin(admin.ModelAdmin):
    list_display = ("role",)
