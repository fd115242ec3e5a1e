"""The product's URLs plus /bench/ceiling/: a bare view doing one INSERT, the ceiling the vote is measured against.

Served by the same gunicorn, through the same middleware, in the same run as
the vote; it never joins the product's URLconf.
"""

from __future__ import annotations

import json
import uuid

from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext
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


# public id -> the ballot's id, questions and title: fixed once it is open (its status is checked in the transaction).
_ballots: dict[str, object] = {}


@csrf_exempt
def lean_vote(request: HttpRequest, public_id: str, code: str) -> HttpResponse:
    """A sketch of the same cast at a lower cost, for comparison only (bench/ballots.py --profile times it in-process).

    Same checks and the same guard as services.cast: the ballot open today
    (FOR KEY SHARE), the token spent by a conditional UPDATE, the cast inserted
    in the same transaction.  Cheaper by: the ballot kept per process, the
    UPDATE returning the token's constituency and stratum (no second SELECT),
    raw SQL instead of the ORM, and a page without base.html.
    """
    from vanguard.ballots import services
    from vanguard.ballots.models import Ballot, Cast, Source, Token

    ballot = _ballots.get(public_id)
    if ballot is None:
        ballot = Ballot.objects.only("id", "public_id", "title", "questions").get(public_id=public_id)
        _ballots[public_id] = ballot
    answers, errors = services.check_answers(ballot, {key: request.POST.getlist(key) for key in request.POST})
    normal = services.normalise_code(code)
    if errors or not answers or normal is None:
        return HttpResponse(status=400)
    today = timezone.localdate()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT status = 'open' AND opens_on <= %s AND closes_on >= %s FROM {Ballot._meta.db_table}"
            " WHERE id = %s FOR KEY SHARE",
            [today, today, ballot.pk],
        )
        if not cursor.fetchone()[0]:
            return HttpResponse(status=410)
        cursor.execute(
            f"UPDATE {Token._meta.db_table} SET spent = true"
            " WHERE code_hash = %s AND ballot_id = %s AND NOT spent AND NOT void RETURNING constituency, stratum",
            [services.code_hash(normal), ballot.pk],
        )
        row = cursor.fetchone()
        if row is None:
            return HttpResponse(status=409)
        cursor.execute(
            f"INSERT INTO {Cast._meta.db_table} (id, ballot_id, constituency, stratum, source, day, answers)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [uuid.uuid4(), ballot.pk, row[0], row[1], Source.ONLINE, today, json.dumps(answers)],
        )
    title = escape(gettext("Your vote is counted"))
    return HttpResponse(
        f'<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>{title}</title><h1>{title}</h1>",
        status=201,
    )


def ready(request: HttpRequest) -> HttpResponse:
    """What the bench polls to know that gunicorn is serving again (no database)."""
    return HttpResponse(b"ready", content_type="text/plain")


urlpatterns = [
    path("bench/ceiling/", ceiling),
    path("bench/ready/", ready),
    path("bench/lean-vote/<str:public_id>/<str:code>/", lean_vote),
    *product,
]
