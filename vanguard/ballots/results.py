"""A ballot's results: per question, per constituency and per stratum, with rates, intervals and response rates.

Counting rules (DOMAIN §4):
- a question's *valid* ballots are those that answered it (a blank is not a vote);
- the satisfaction rate is (满意 + 基本满意) ÷ valid, or 满意 ÷ valid when the
  campaign counts only 满意 (`Ballot.count_basically`), with a 95% Wilson interval;
- a choice option's share is the share of valid ballots that chose it (for a
  multiple choice the shares add up to more than 1);
- a rating's mean is over valid ballots;
- the response rate is ballots cast ÷ tokens issued and not voided.

Results are shown only once the ballot is closed or has its minimum count
(`visible`); before that `compute` returns the turnout alone.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from vanguard.ballots.models import Ballot, Cast, QuestionKind, Satisfaction, Status, Token
from vanguard.ballots.stats import Proportion

ALL = ""  # the key of "every stratum" / "every constituency" in the groups below


@dataclass
class Tally:
    """One question's answers within one group of ballots."""

    valid: int = 0
    counts: Counter = field(default_factory=Counter)
    total: int = 0  # sum of ratings

    def share(self, option: str) -> Proportion:
        return Proportion(self.counts.get(option, 0), self.valid)

    @property
    def mean(self) -> float | None:
        return self.total / self.valid if self.valid else None


@dataclass
class QuestionResult:
    question: dict
    # (constituency or ALL, stratum or ALL) -> Tally
    groups: dict[tuple[str, str], Tally]
    count_basically: bool = True

    @property
    def key(self) -> str:
        return self.question["key"]

    def tally(self, constituency: str = ALL, stratum: str = ALL) -> Tally:
        return self.groups.get((constituency, stratum)) or Tally()

    def satisfaction(self, constituency: str = ALL, stratum: str = ALL) -> Proportion | None:
        """The satisfaction rate of a satisfaction question (None for other kinds)."""
        if self.question["kind"] != QuestionKind.SATISFACTION:
            return None
        tally = self.tally(constituency, stratum)
        hits = tally.counts.get(Satisfaction.SATISFIED, 0)
        if self.count_basically:
            hits += tally.counts.get(Satisfaction.BASICALLY, 0)
        return Proportion(hits, tally.valid)

    def dissatisfied(self, constituency: str = ALL, stratum: str = ALL) -> Proportion | None:
        if self.question["kind"] != QuestionKind.SATISFACTION:
            return None
        tally = self.tally(constituency, stratum)
        return Proportion(tally.counts.get(Satisfaction.DISSATISFIED, 0), tally.valid)


@dataclass
class Turnout:
    issued: int
    cast: int

    @property
    def response(self) -> Proportion:
        return Proportion(min(self.cast, self.issued), self.issued)


@dataclass
class Results:
    ballot: Ballot
    visible: bool
    # (constituency or ALL, stratum or ALL) -> Turnout
    turnout: dict[tuple[str, str], Turnout]
    questions: list[QuestionResult]
    strata: dict[str, list[str]]  # constituency -> its strata, sorted

    @property
    def cast(self) -> int:
        return self.turnout.get((ALL, ALL), Turnout(0, 0)).cast

    def question(self, key: str) -> QuestionResult:
        for result in self.questions:
            if result.key == key:
                return result
        raise KeyError(key)

    def texts(self, key: str) -> list[str]:
        """Free-text answers to one question (visible results only), in the casts' random order."""
        if not self.visible:
            return []
        return [
            answers[key]
            for answers in Cast.objects.filter(ballot=self.ballot).order_by("id").values_list("answers", flat=True)
            if isinstance(answers.get(key), str)
        ]


def cast_count(ballot: Ballot) -> int:
    return Cast.objects.filter(ballot=ballot).count()


def is_visible(ballot: Ballot, cast: int | None = None) -> bool:
    """Results show once the ballot is closed, or once it has its minimum count (if it set one)."""
    if ballot.status == Status.CLOSED:
        return True
    if ballot.min_count <= 0 or ballot.status != Status.OPEN:
        return False
    return (cast if cast is not None else cast_count(ballot)) >= ballot.min_count


def _turnout(ballot: Ballot) -> dict[tuple[str, str], Turnout]:
    issued: dict[tuple[str, str], int] = defaultdict(int)
    for row in (
        Token.objects.filter(ballot=ballot, void=False).values("constituency", "stratum").annotate(n=Count("pk"))
    ):
        for key in _group_keys(row["constituency"], row["stratum"]):
            issued[key] += row["n"]
    cast: dict[tuple[str, str], int] = defaultdict(int)
    for row in Cast.objects.filter(ballot=ballot).values("constituency", "stratum").annotate(n=Count("pk")):
        for key in _group_keys(row["constituency"], row["stratum"]):
            cast[key] += row["n"]
    keys = set(issued) | set(cast) | {(ALL, ALL)}
    return {key: Turnout(issued.get(key, 0), cast.get(key, 0)) for key in keys}


def _group_keys(constituency: str, stratum: str) -> list[tuple[str, str]]:
    keys = [(ALL, ALL), (constituency, ALL)]
    if stratum:
        keys.append((constituency, stratum))
    return keys


def compute(ballot: Ballot) -> Results:
    turnout = _turnout(ballot)
    strata: dict[str, set[str]] = defaultdict(set)
    for constituency, stratum in turnout:
        if constituency and stratum:
            strata[constituency].add(stratum)
    visible = is_visible(ballot, turnout[(ALL, ALL)].cast)
    questions = [QuestionResult(question, {}, ballot.count_basically) for question in ballot.questions]
    if visible:
        by_key = {result.key: result for result in questions}
        rows = Cast.objects.filter(ballot=ballot).values_list("constituency", "stratum", "answers")
        for constituency, stratum, answers in rows.iterator(chunk_size=5000):
            keys = _group_keys(constituency, stratum)
            for key, answer in answers.items():
                result = by_key.get(key)
                if result is None:
                    continue
                kind = result.question["kind"]
                for group in keys:
                    tally = result.groups.get(group)
                    if tally is None:
                        tally = result.groups[group] = Tally()
                    tally.valid += 1
                    if kind == QuestionKind.MULTIPLE:
                        tally.counts.update(answer)
                    elif kind == QuestionKind.RATING:
                        tally.total += answer
                        tally.counts[str(answer)] += 1
                    elif kind != QuestionKind.TEXT:
                        tally.counts[answer] += 1
    return Results(
        ballot=ballot,
        visible=visible,
        turnout=turnout,
        questions=questions,
        strata={c: sorted(s) for c, s in strata.items()},
    )
