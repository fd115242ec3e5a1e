"""Django's stock form messages read like the rest of the UI, in both scripts."""

import pytest
from django import forms
from django.utils import translation


class NameForm(forms.Form):
    name = forms.CharField(max_length=4)
    joined_on = forms.DateField()


@pytest.mark.parametrize(
    "language, too_long, required",
    [
        ("zh-hans", "最多 4 个字，现有 6 个。", "请填写此项。"),
        ("zh-hant", "最多 4 個字，現有 6 個。", "請填寫此項。"),
        ("en", "Ensure this value has at most 4 characters (it has 6).", "This field is required."),
    ],
)
def test_stock_messages_are_ours(language, too_long, required):
    with translation.override(language):
        form = NameForm({"name": "张三李四王五"})
        assert not form.is_valid()
        assert form.errors["name"] == [too_long]
        assert form.errors["joined_on"] == [required]
