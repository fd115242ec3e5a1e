"""A phone-sized signed-in browser, and the check that a page does not scroll sideways at 390 px (phones first)."""

from __future__ import annotations

from conftest import PASSWORD

PHONE = {"width": 390, "height": 844}


def fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1, page.url


def sign_in(browser, live_server, user, *, locale: str = "zh-CN", **options):
    """A new browser context at phone size, signed in as `user`: (context, page)."""
    context = browser.new_context(locale=locale, timezone_id="Asia/Shanghai", viewport=PHONE, **options)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    return context, page
