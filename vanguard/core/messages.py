"""Django's stock form messages, worded like the rest of Vanguard.

Django ships its own 简体/繁體 wording ("确保该变量包含不超过 64 字符"), which reads
like a programmer's note.  Declaring the same message ids here puts them into
our catalogues (makemessages reads this file), and our catalogues are searched
before Django's (LOCALE_PATHS), so our wording is what users see.  Nothing
needs to import this module.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

STOCK_MESSAGES = [
    _("This field is required."),
    _("Enter a valid value."),
    _("Enter a valid date."),
    _("Enter a whole number."),
    _("Select a valid choice. %(value)s is not one of the available choices."),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
]
