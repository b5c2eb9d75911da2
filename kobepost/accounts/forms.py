from typing import cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kobepost.accounts.network import address_allowed, client_ip, network_name_for_role

# Error code of a login with the right password from a network the role may not use.
WRONG_NETWORK = "wrong_network"


class StaffLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("ID またはパスワードが正しくありません。大文字と小文字は区別されます。"),
        "inactive": _("このアカウントは利用停止中です。管理者に連絡してください。"),
        WRONG_NETWORK: _(
            "%(role)sの ID は、このネットワーク（接続元アドレス %(address)s）からは"
            "ログインできません。%(network)sから接続してください。"
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("ID")
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "autofocus": True, "spellcheck": "false"}
        )
        self.fields["password"].label = _("パスワード")
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def confirm_login_allowed(self, user) -> None:
        """The right password from the wrong network for the role is refused here, at the
        login (the pages after it would refuse every request anyway)."""
        super().confirm_login_allowed(user)
        # The login view always gives the form its request.
        address = client_ip(cast(HttpRequest, self.request))
        if not address_allowed(address, user.role):
            raise forms.ValidationError(
                self.error_messages[WRONG_NETWORK],
                code=WRONG_NETWORK,
                params={
                    "role": user.get_role_display(),
                    "address": address,
                    "network": network_name_for_role(user.role),
                },
            )


class StaffImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV ファイル"),
        help_text=_(
            "列: ID, 氏名, メールアドレス, 役割, 課コード。1行目は見出し。"
            "UTF-8（BOM 付き可）または Excel の Shift_JIS。"
        ),
    )


class StaffPasswordChangeForm(PasswordChangeForm):
    """Django's form with Japanese labels and browser hints for password managers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("現在のパスワード")
        self.fields["new_password1"].label = _("新しいパスワード")
        self.fields["new_password2"].label = _("新しいパスワード（確認）")
        self.fields["new_password1"].help_text = _(
            "10文字以上。長いほど安全です（文章のようなパスワードも使えます）。"
            "よく使われるパスワードや数字だけのものは使えません。"
        )
        self.fields["new_password1"].widget.attrs.update({"maxlength": 4096})
