"""Which language a page comes in, as README's tour says: the user's choice, else the browser's, else 简体."""

import pytest
from django.urls import reverse

from conftest import PASSWORD


@pytest.mark.parametrize(
    "accept, expected",
    [("en-US,en;q=0.9", "en"), ("zh-TW", "zh-hant"), ("zh-HK", "zh-hant"), ("zh-CN", "zh-hans"), ("fr-FR", "zh-hans")],
)
def test_the_browser_decides_until_the_user_chooses(client, accept, expected):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=accept).content.decode()
    assert f'lang="{expected}"' in page


def test_a_users_choice_wins_over_the_browser(client, city):
    assert client.login(username=city.secretary_a.username, password=PASSWORD)
    client.post(reverse("set_language"), {"language": "zh-hant", "next": "/"})
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="zh-hant"' in page
