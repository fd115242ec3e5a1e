"""Filter pieces shared by every app's list pages and API."""

from django.utils.translation import gettext_lazy as _
from django_filters import OrderingFilter


class TranslatedOrderingFilter(OrderingFilter):
    # django-filter ships only a zh_CN catalogue, which Django never picks for
    # zh-hans; keeping the string in our catalogue makes it appear in Chinese.
    descending_fmt = _("%s (descending)")
