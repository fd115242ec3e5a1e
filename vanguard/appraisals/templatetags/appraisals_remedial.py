"""`{% remedial_orders_of unit as orders %}`: the open remedial work orders of a campaign unit.

For the campaign unit page, which cannot import appraisals (a higher app): it
includes "appraisals/lookback/_unit_marker.html", which loads this library.
"""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag
def remedial_orders_of(unit) -> list:
    from vanguard.appraisals.lookback import open_orders_of

    if unit is None or getattr(unit, "pk", None) is None:
        return []
    return list(open_orders_of([unit.pk]))
