"""The product's URLs plus /bench/ceiling/: a bare view doing one INSERT, the ceiling the vote is measured against.

Served by the same gunicorn, through the same middleware, in the same run as
the vote; it never joins the product's URLconf.
"""

from __future__ import annotations

import json
import uuid

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from vanguard.urls import urlpatterns as product

CEILING_TABLE = "bench_ballots_ceiling"


@csrf_exempt
def ceiling(request: HttpRequest) -> HttpResponse:
    # One row shaped like a cast (random key, the answers as JSON, the day), committed on its own (autocommit).
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CEILING_TABLE} (id, answers, day) VALUES (%s, %s, CURRENT_DATE)",
            [uuid.uuid4(), json.dumps(request.POST.dict())],
        )
    return HttpResponse(b"stored", status=201, content_type="text/plain")


def ready(request: HttpRequest) -> HttpResponse:
    """What the bench polls to know that gunicorn is serving again (no database)."""
    return HttpResponse(b"ready", content_type="text/plain")


urlpatterns = [
    path("bench/ceiling/", ceiling),
    path("bench/ready/", ready),
    *product,
]
