"""Audit event types of accounts: sign-in lockouts and their unlocking (see throttling.py, lockouts.py)."""

from django.utils.translation import gettext_lazy as _

from vanguard.core import audit

LOGIN_LOCKED = audit.declare("accounts.login_locked", _("Sign-in locked after repeated failures"))
LOGIN_UNLOCKED = audit.declare("accounts.login_unlocked", _("Sign-in unlocked"))
