"""Forms of the accounts pages: own password, giving a role, handing one over, an accounts workbook."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from vanguard.accounts import services


class OwnPasswordForm(PasswordChangeForm):
    """Django's form; saving goes through the service so the change is audited and the first-password flag lifted."""

    def save(self, commit: bool = True):
        services.change_own_password(user=self.user, password=self.cleaned_data["new_password1"])
        return self.user


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        account = getattr(obj, "user_account", None)
        return f"{obj.name}（{account.username}）" if account else obj.name


class GiveRoleForm(forms.Form):
    member = MemberChoiceField(label=_("Member"), queryset=None)
    role = forms.ChoiceField(label=_("Role"), choices=())

    def __init__(self, *args, members, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["role"].choices = roles


class HandoverForm(forms.Form):
    assignment = forms.IntegerField(widget=forms.HiddenInput)
    member = MemberChoiceField(label=_("Successor"), queryset=None)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class AccountsFileForm(forms.Form):
    file = forms.FileField(
        label=_("Workbook (.xlsx, .xls, .ods or .csv)"),
        help_text=format_lazy(
            _("Columns 姓名, 手机号, 角色, 组织代码; at most {count} rows."), count=services.MAX_IMPORT_ROWS
        ),
    )
