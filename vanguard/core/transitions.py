"""Declared state machines: states, transitions, who may take each, guards that say why not, one audit entry each.

A model's workflow is declared once, next to its services::

    TRANSFER = StateMachine(
        "members.transfer", Transfer, field="status",
        transitions=[
            Transition("accept", _("Accept"), source=[PENDING], target=ACCEPTED,
                       may=receiving_side, guards=[letter_still_valid]),
            ...
        ],
    )

and services take a transition with `TRANSFER.take(obj, "accept", actor=user, ...)`,
which locks the row, checks the source state, who acts and every guard
(refusing with the guard's reason as a ValidationError), sets the new state,
runs the transition's effect, saves and writes one audit entry
(`<machine>.<transition>`, old and new state) in the same transaction.  Pages
ask `available(obj, user)` which transitions to offer.

Why our own ~150 lines rather than django-fsm-2 or viewflow's fsm: both take
boolean conditions (a refusal cannot say why, which every page here must),
check Django's per-object permissions rather than roles held over subtrees,
and neither writes to our audit trail; what is left of them — a source/target
table and a locked save — is what this module is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from vanguard.core import audit

# may(user, obj) -> bool: whether this user acts for the side that may take the transition.
Permission = Callable[[Any, models.Model], bool]
# guard(obj, context) -> a refusal reason (translated) or None when the transition may go ahead.
Guard = Callable[[models.Model, dict], Any]
# effect(obj, context) -> None: what else changes with the state (moving a member, stamping a date).
Effect = Callable[[models.Model, dict], None]


@dataclass(frozen=True)
class Transition:
    name: str
    label: Any
    source: Sequence[str]
    target: str
    may: Permission | None = None
    guards: Sequence[Guard] = ()
    effect: Effect | None = None
    # Fields the effect changes, saved with the state.
    saves: Sequence[str] = ()


class NotAllowed(ValidationError):
    """A transition refused: wrong state, wrong side, or a guard's reason."""


@dataclass
class StateMachine:
    name: str
    model: type[models.Model]
    transitions: Iterable[Transition]
    field: str = "status"
    # Which organisation an entry belongs to, for scoping the audit trail.
    organisation_of: Callable[[models.Model], Any] | None = None
    # Sealed models restate their decisive fields in every entry, so a row changed by SQL is found (audit.Seal).
    seal: audit.Seal | None = None
    _by_name: dict[str, Transition] = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.transitions = list(self.transitions)
        self._by_name = {t.name: t for t in self.transitions}
        if len(self._by_name) != len(self.transitions):
            raise ValueError(f"{self.name}: transition names must be unique")
        states = {value for value, _label in self.model._meta.get_field(self.field).choices}
        for t in self.transitions:
            unknown = (set(t.source) | {t.target}) - states
            if unknown:
                raise ValueError(f"{self.name}.{t.name}: unknown states {sorted(unknown)}")
            audit.declare(self.event(t.name), t.label)

    def event(self, name: str) -> str:
        return f"{self.name}.{name}"

    def transition(self, name: str) -> Transition:
        try:
            return self._by_name[name]
        except KeyError:
            raise LookupError(f"{self.name} has no transition {name!r}") from None

    def state_label(self, obj: models.Model) -> str:
        return str(getattr(obj, f"get_{self.field}_display")())

    def refusal(self, obj: models.Model, name: str, user=None, context: dict | None = None) -> str | None:
        """Why `user` may not take transition `name` on `obj` now, or None if they may."""
        t = self.transition(name)
        if getattr(obj, self.field) not in t.source:
            return _("This is “%(state)s”; “%(action)s” is not possible now.") % {
                "state": self.state_label(obj),
                "action": t.label,
            }
        if user is not None and t.may is not None and not t.may(user, obj):
            return _("You do not act for the side that may “%(action)s”.") % {"action": t.label}
        for guard in t.guards:
            reason = guard(obj, context or {})
            if reason:
                return str(reason)
        return None

    def available(self, obj: models.Model, user) -> list[Transition]:
        """Transitions from the current state this user acts for (guards are checked when taken)."""
        state = getattr(obj, self.field)
        return [t for t in self.transitions if state in t.source and (t.may is None or t.may(user, obj))]

    @transaction.atomic
    def take(
        self,
        obj: models.Model,
        name: str,
        *,
        actor=None,
        actor_role: str = "",
        actor_organisation=None,
        data: dict | None = None,
        **context: Any,
    ) -> models.Model:
        """Take transition `name` on a fresh, locked copy of `obj`; returns that copy.

        `actor=None` is the system (a scheduled job, the demo); a user is
        checked against the transition's `may`.  `context` reaches guards and
        the effect (a reason, a comment); `data` goes into the audit entry.
        """
        t = self.transition(name)
        locked = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        reason = self.refusal(locked, name, actor, context)
        if reason:
            raise NotAllowed(reason, code="transition_refused")
        before = getattr(locked, self.field)
        setattr(locked, self.field, t.target)
        if t.effect is not None:
            t.effect(locked, context)
        locked.save(update_fields=[self.field, *t.saves])
        if self.seal is not None:
            data = {**(data or {}), "seal": self.seal.of(locked)}
        audit.record(
            event=self.event(name),
            actor=actor,
            actor_role=actor_role,
            actor_organisation=actor_organisation,
            target=locked,
            organisation=self.organisation_of(locked) if self.organisation_of else None,
            changes={self.field: [before, t.target]},
            data=data,
        )
        return locked

    def graph(self) -> dict[str, list[tuple[str, str]]]:
        """state → [(transition, target)]: for documentation and for tests that walk every path."""
        out: dict[str, list[tuple[str, str]]] = {}
        for t in self.transitions:
            for state in t.source:
                out.setdefault(state, []).append((t.name, t.target))
        return out
