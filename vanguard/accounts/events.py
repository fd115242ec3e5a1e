"""Audit event types of accounts: sign-in lockouts (throttling.py, lockouts.py), accounts and roles (services.py)."""

from django.utils.translation import gettext_lazy as _

from vanguard.core import audit

LOGIN_LOCKED = audit.declare("accounts.login_locked", _("Sign-in locked after repeated failures"))
LOGIN_UNLOCKED = audit.declare("accounts.login_unlocked", _("Sign-in unlocked"))

# Accounts and roles (services.py): who gave whom which role, and every password someone else chose.
PASSWORD_CHANGED = audit.declare("accounts.password_changed", _("Password changed by its owner"))
PASSWORD_RESET = audit.declare("accounts.password_reset", _("New first password given"))
USER_CREATED = audit.declare("accounts.user_created", _("Account created"))
USER_DEACTIVATED = audit.declare("accounts.user_deactivated", _("Account deactivated"))
ROLE_GRANTED = audit.declare("accounts.role_granted", _("Role given"))
ROLE_ENDED = audit.declare("accounts.role_ended", _("Role ended"))
