"""Pages of long lists: the page's ids first, then its rows; counts exact when cheap, else bounded.

Django's Paginator counts every row (`COUNT(*)`) and reads a page with
`OFFSET`, carrying every joined and unread column of each skipped row.  At city
scale (1.5 million members) both take hundreds of milliseconds.  Here:

- The page's ids come first, `SELECT id ... ORDER BY ... LIMIT size + 1 OFFSET n`,
  which an index ending in the id answers alone (no heap, no joins); the extra
  id says whether a next page exists.  The rows are then fetched by id, still
  through the same (scoped, filtered) queryset, and put in the ids' order.
- The count is exact when the caller can say it cheaply (`count`, e.g. from
  kept tallies); otherwise rows are counted up to `cap` (a LIMITed subquery).
  Past the cap the page says "more than N" and offers the next page when there
  is one, never a page number it cannot vouch for.  On the last page the count
  is exact again: it is the rows before it plus its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from vanguard.core.api import PageNumberPagination

COUNT_CAP = 10_000
# No list holds this many rows; a page number past it is past the end without asking the database (whose
# OFFSET would overflow for the largest page numbers the API accepts).
MAX_OFFSET = 10**12


@dataclass
class ListPage:
    """One page of a list; `count` is exact when `count_exact`, else the list holds more than `count` rows."""

    rows: list = field(repr=False)
    number: int
    size: int
    count: int
    count_exact: bool
    has_next: bool

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def num_pages(self) -> int | None:
        """The number of pages, or None when the count is a lower bound."""
        return max(1, math.ceil(self.count / self.size)) if self.count_exact else None

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.rows else 0


def _page_number(value: Any) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return max(number, 1)


def capped_count(queryset: QuerySet, cap: int) -> int | None:
    """The rows of `queryset` when there are at most `cap`, else None: reads at most cap + 1 ids."""
    counted = queryset.order_by().values("pk")[: cap + 1].count()
    return counted if counted <= cap else None


def ids_first_page(
    queryset: QuerySet,
    *,
    number: Any,
    size: int,
    count: Callable[[], int | None] | None = None,
    cap: int | None = None,
    clamp: bool = True,
) -> ListPage:
    """Page `number` (1-based; anything else reads as 1) of `queryset`, which must be totally ordered.

    `count` may give the exact number of rows cheaply (None when it cannot). A page past the end is the last
    page when `clamp` and the count is exact; otherwise it comes back empty.
    """
    number = _page_number(number)
    cap = COUNT_CAP if cap is None else cap
    exact = count() if count is not None else None
    if exact is None:
        exact = capped_count(queryset, cap)
    if exact is not None and clamp:
        number = min(number, max(1, math.ceil(exact / size)))
    offset = (number - 1) * size
    past_end = offset >= MAX_OFFSET or (exact is not None and offset >= exact > 0) or exact == 0
    ids = [] if past_end else list(queryset.values_list("pk", flat=True)[offset : offset + size + 1])
    has_next = len(ids) > size
    ids = ids[:size]
    if exact is None and ids and not has_next:
        exact = offset + len(ids)  # the last page: every row is known
    if exact is not None:
        total, count_exact = exact, True
    else:
        # More than the cap (the capped count ran over it), and more than the rows up to this page's end when a
        # next page exists; a page past the end says nothing more.
        total, count_exact = (max(cap, offset + len(ids)) if ids else cap), False
    found = queryset.filter(pk__in=ids).order_by().in_bulk() if ids else {}
    # Rows are read again through the same queryset (scope and filters hold); one gone since is left out.
    rows = [found[pk] for pk in ids if pk in found]
    return ListPage(rows=rows, number=number, size=size, count=total, count_exact=count_exact, has_next=has_next)


class IdsFirstPagination(PageNumberPagination):
    """The API's page numbers over `ids_first_page`: `count` exact when `count_exact`, else a lower bound.

    A viewset may define `exact_count()` returning the exact count when it is cheap (or None). A page past
    the end is a 404, as with DRF's own pagination; `?page=last` counts every row.
    """

    count_description = _(
        "Rows in the whole list when count_exact is true; otherwise the list holds more than this many "
        "rows (counting them all would be slow): follow `next` to the end."
    )

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        if not size:
            return None
        number = request.query_params.get(self.page_query_param) or 1
        counter = getattr(view, "exact_count", None)
        if number in self.last_page_strings:
            total = counter() if counter is not None else None
            total = queryset.order_by().count() if total is None else total
            number, counter = max(1, math.ceil(total / size)), (lambda: total)
        else:
            number = self.get_page_number(request, None)
        self.page = ids_first_page(queryset, number=number, size=size, count=counter, clamp=False)
        if not self.page.rows and self.page.number > 1:
            raise NotFound(self.invalid_page_message)
        return self.page.rows

    def get_page_number(self, request, paginator):
        # The base checks that the page is a number (a 400 otherwise); there is no Django paginator here.
        return super().get_page_number(request, paginator)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.page.count,
                "count_exact": self.page.count_exact,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["count", "count_exact", "results"]
        response["properties"]["count"]["description"] = str(self.count_description)
        response["properties"]["count_exact"] = {"type": "boolean", "example": True}
        return response

    def get_next_link(self):
        if not self.page.has_next:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, self.page.number + 1)

    def get_previous_link(self):
        if not self.page.has_previous:
            return None
        url = self.request.build_absolute_uri()
        if self.page.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.page.number - 1)

    def get_html_context(self):
        return {"previous_url": self.get_previous_link(), "next_url": self.get_next_link(), "page_links": []}
