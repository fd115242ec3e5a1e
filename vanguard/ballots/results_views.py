"""A ballot's results page: per question, constituency and stratum: rates with 95% intervals, response rates, a chart.

Nothing of the answers is shown before the ballot closes or reaches its
minimum count; the turnout alone is (it says nothing about how anyone voted).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from vanguard.ballots import results as ballot_results
from vanguard.ballots import services
from vanguard.ballots.models import Ballot, Constituency, QuestionKind
from vanguard.ballots.stats import Proportion
from vanguard.core.views import get_scoped, scoped_view

ALL = ballot_results.ALL


def _pct(proportion: Proportion | None) -> dict | None:
    if proportion is None or proportion.total == 0:
        return None
    low, high = proportion.interval
    return {
        "hits": proportion.hits,
        "total": proportion.total,
        "pct": proportion.percent,
        "low": low * 100,
        "high": high * 100,
    }


def _row(
    result: ballot_results.QuestionResult, results, constituency: str, stratum: str, label: str, threshold
) -> dict:
    question = result.question
    tally = result.tally(constituency, stratum)
    turnout = results.turnout.get((constituency, stratum))
    row = {
        "label": label,
        "stratum": bool(stratum),
        "valid": tally.valid,
        "response": _pct(turnout.response) if turnout else None,
        "options": [
            {
                "label": services.option_label(question, option),
                **(_pct(tally.share(option)) or {"hits": 0, "pct": None}),
            }
            for option in services.options_of(question)
        ],
    }
    rate = result.satisfaction(constituency, stratum)
    if rate is not None:
        row["rate"] = _pct(rate)
        row["straddles"] = rate.straddles(float(threshold))
        row["below"] = rate.total > 0 and rate.percent < float(threshold)
    if question["kind"] == QuestionKind.RATING:
        row["mean"] = tally.mean
        row["options"] = [
            {"label": str(n), **(_pct(tally.share(str(n))) or {"hits": 0, "pct": None})}
            for n in range(1, question.get("scale", 5) + 1)
        ]
    return row


def question_tables(results) -> list[dict]:
    ballot = results.ballot
    tables = []
    for result in results.questions:
        rows = [_row(result, results, ALL, ALL, "", ballot.threshold)]
        for constituency in ballot.constituencies:
            rows.append(_row(result, results, constituency, ALL, Constituency(constituency).label, ballot.threshold))
            for stratum in results.strata.get(constituency, []):
                rows.append(_row(result, results, constituency, stratum, stratum, ballot.threshold))
        tables.append(
            {
                "question": result.question,
                "kind_label": QuestionKind(result.question["kind"]).label,
                "rows": rows,
                "texts": len(results.texts(result.key)) if result.question["kind"] == QuestionKind.TEXT else None,
            }
        )
    return tables


def chart_data(results, tables: list[dict]) -> dict:
    """Satisfaction rates per question and constituency, with their intervals, for the bar chart."""
    series = []
    for table in tables:
        if table["question"]["kind"] != QuestionKind.SATISFACTION:
            continue
        for row in table["rows"][1:]:
            if row["stratum"] or not row.get("rate"):
                continue
            series.append({"question": table["question"]["label"], "constituency": str(row["label"]), **row["rate"]})
    return {"threshold": float(results.ballot.threshold), "bars": series}


@scoped_view(Ballot)
def ballot_results_page(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = get_scoped(request, Ballot.objects.select_related("organisation", "campaign"), pk)
    results = ballot_results.compute(ballot)
    tables = question_tables(results) if results.visible else []
    context = {
        "ballot": ballot,
        "results": results,
        "total": results.turnout[(ALL, ALL)],
        "tables": tables,
        "chart": chart_data(results, tables) if tables else None,
    }
    return render(request, "ballots/results.html", context)


urlpatterns = [
    path("<id:pk>/results/", ballot_results_page, name="results"),
]
