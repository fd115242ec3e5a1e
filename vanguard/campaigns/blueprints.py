"""Campaign templates as YAML files: parse, check, normalise, and install them as CampaignTemplate rows.

A template file describes a campaign's phases (usual length, steps with who
does them, evidence and deadlines, acceptance) and its batches (which
organisations by rules, when they start, each phase's window).  `load`
returns the normalised definition (the shape documented in
docs/campaign-templates.md) or raises `TemplateInvalid` listing every
problem with its key path (``phases[1].steps[3].evidence[0].kind``, indexes
from 0) and, where the file has one, its line.  `install` stores it by key;
the digest of the normalised definition makes reloading the same file a
no-op.  Evidence kinds are checked against the registry, so load templates
only once apps are ready.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, scope_roots
from vanguard.accounts.selectors import acting_as
from vanguard.campaigns import evidence
from vanguard.campaigns.models import Acceptance, CampaignTemplate, Responsible
from vanguard.core import audit
from vanguard.orgs.models import Kind, Sector

TEMPLATE_LOADED = audit.declare("campaigns.template.loaded", gettext_lazy("Campaign template loaded"))
TEMPLATE_CHANGED = audit.declare("campaigns.template.changed", gettext_lazy("Campaign template changed"))
TEMPLATE_COPIED = audit.declare("campaigns.template.copied", gettext_lazy("Campaign template copied"))

KEY_RE = re.compile(r"^[-a-zA-Z0-9_]+$")
KEY_MAX = 80
NAME_MAX = 200

TOP_FIELDS = ("key", "name", "description", "phases", "batches")
PHASE_FIELDS = ("key", "name", "days", "acceptance", "steps")
STEP_FIELDS = ("key", "name", "description", "by", "required", "due_day", "evidence")
BATCH_FIELDS = ("key", "name", "starts_after_days", "default", "rules", "schedule")
RULE_FIELDS = ("sectors", "kinds", "levels")
SCHEDULE_FIELDS = ("phase", "start_day", "days")


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path or _("the file")
        if self.line is not None:
            return _("%(path)s (line %(line)s): %(message)s") % {
                "path": where,
                "line": self.line,
                "message": self.message,
            }
        return f"{where}: {self.message}"


class TemplateInvalid(ValidationError):
    """Every problem of a template file, each with its key path and line."""

    def __init__(self, problems: list[Problem], *, source_name: str = ""):
        self.problems = list(problems)
        self.source_name = source_name
        super().__init__([ValidationError(str(p), code="template_invalid") for p in self.problems])


# ---------------------------------------------------------------- reading the YAML with its lines


class _Lines:
    """Line numbers (1-based) of the keys and items of the file, by key path."""

    def __init__(self) -> None:
        self.by_path: dict[str, int] = {}
        self.duplicates: list[tuple[str, int]] = []

    def of(self, path: str) -> int | None:
        # A missing key is reported at its mapping: walk up to the nearest place the file has.
        while path:
            if path in self.by_path:
                return self.by_path[path]
            path = _parent(path)
        return self.by_path.get("")

    def walk(self, node: yaml.Node, path: str = "") -> None:
        self.by_path.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                name = str(key_node.value)
                child = f"{path}.{name}" if path else name
                if name in seen:
                    self.duplicates.append((child, key_node.start_mark.line + 1))
                    continue
                seen.add(name)
                self.by_path[child] = key_node.start_mark.line + 1
                self.walk(value_node, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = f"{path}[{index}]"
                self.by_path[child] = item.start_mark.line + 1
                self.walk(item, child)


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


def _parse(text: str) -> tuple[Any, _Lines, yaml.Node | None]:
    """The data, the lines of its keys, and the root node; TemplateInvalid for a file that is not YAML."""
    lines = _Lines()
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = _("This is not a valid YAML file: %(problem)s.") % {"problem": exc.problem or exc.context or ""}
        raise TemplateInvalid([Problem("", mark.line + 1 if mark else None, message)]) from None
    except yaml.YAMLError as exc:
        message = _("This is not a valid YAML file: %(problem)s.") % {"problem": exc}
        raise TemplateInvalid([Problem("", None, message)]) from None
    finally:
        loader.dispose()
    if node is not None:
        lines.walk(node)
    return data, lines, node


# ---------------------------------------------------------------- checking


class _Checker:
    def __init__(self, lines: _Lines):
        self.lines = lines
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, self.lines.of(path), message))

    # -- typed fields

    def mapping(self, value: Any, path: str, fields: tuple[str, ...], what: str) -> dict | None:
        if not isinstance(value, dict):
            self.add(path, _("Expected %(what)s (a set of “name: value” lines).") % {"what": what})
            return None
        for name in value:
            if name not in fields:
                self.add(
                    _join(path, name),
                    _("Unknown field “%(name)s” (a typing mistake?); allowed here: %(allowed)s.")
                    % {"name": name, "allowed": ", ".join(fields)},
                )
        return value

    def text(self, spec: dict, path: str, name: str, *, required: bool = True, limit: int = NAME_MAX) -> str:
        where = _join(path, name)
        if name not in spec or spec[name] is None:
            if required:
                self.add(where, _("“%(name)s” is missing.") % {"name": name})
            return ""
        value = spec[name]
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.add(where, _("“%(name)s” must be text.") % {"name": name})
            return ""
        value = str(value).strip()
        if required and not value:
            self.add(where, _("“%(name)s” is empty.") % {"name": name})
        elif len(value) > limit:
            self.add(where, _("“%(name)s” is longer than %(limit)s characters.") % {"name": name, "limit": limit})
        return value

    def key(self, spec: dict, path: str) -> str:
        value = self.text(spec, path, "key", limit=KEY_MAX)
        if value and not KEY_RE.match(value):
            self.add(
                _join(path, "key"),
                _("“%(key)s” is not a valid key: use only Latin letters, digits, “-” and “_”.") % {"key": value},
            )
        return value

    def number(
        self, spec: dict, path: str, name: str, *, required: bool = False, default: int | None = None, least: int = 0
    ) -> int | None:
        where = _join(path, name)
        if name not in spec or spec[name] is None:
            if required:
                self.add(where, _("“%(name)s” is missing.") % {"name": name})
            return default
        value = spec[name]
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(where, _("“%(name)s” must be a whole number.") % {"name": name})
            return default
        if value < least:
            self.add(where, _("“%(name)s” must be at least %(least)s.") % {"name": name, "least": least})
            return default
        return value

    def flag(self, spec: dict, path: str, name: str, default: bool) -> bool:
        if name not in spec or spec[name] is None:
            return default
        if not isinstance(spec[name], bool):
            self.add(_join(path, name), _("“%(name)s” must be true or false.") % {"name": name})
            return default
        return spec[name]

    def choice(self, spec: dict, path: str, name: str, choices: list[str], default: str) -> str:
        if name not in spec or spec[name] is None:
            return default
        value = spec[name]
        if value not in choices:
            self.add(
                _join(path, name),
                _("“%(value)s” is not a known value of “%(name)s”; use one of: %(known)s.")
                % {"value": value, "name": name, "known": ", ".join(choices)},
            )
            return default
        return value

    def items(self, spec: dict, path: str, name: str, *, required: bool) -> list:
        where = _join(path, name)
        if name not in spec or spec[name] is None:
            if required:
                self.add(where, _("“%(name)s” is missing.") % {"name": name})
            return []
        value = spec[name]
        if not isinstance(value, list):
            self.add(where, _("“%(name)s” must be a list (lines starting with “- ”).") % {"name": name})
            return []
        if required and not value:
            self.add(where, _("“%(name)s” is empty.") % {"name": name})
        return value

    def unique(self, entries: list[dict], path: str, what: str) -> None:
        seen: set[str] = set()
        for index, entry in enumerate(entries):
            key = entry.get("key")
            if not key:
                continue
            if key in seen:
                self.add(
                    f"{path}[{index}].key",
                    _("The %(what)s key “%(key)s” is used twice.") % {"what": what, "key": key},
                )
            seen.add(key)

    # -- the template

    def template(self, data: Any) -> dict:
        top = self.mapping(data, "", TOP_FIELDS, _("a campaign template"))
        if top is None:
            return {}
        definition = {
            "key": self.key(top, ""),
            "name": self.text(top, "", "name"),
            "description": self.text(top, "", "description", required=False, limit=10_000),
        }
        phases = [
            self.phase(spec, f"phases[{i}]") for i, spec in enumerate(self.items(top, "", "phases", required=True))
        ]
        self.unique(phases, "phases", _("phase"))
        definition["phases"] = phases
        known = {p["key"]: p for p in phases if p.get("key")}
        batches = [
            self.batch(spec, f"batches[{i}]", known)
            for i, spec in enumerate(self.items(top, "", "batches", required=True))
        ]
        self.unique(batches, "batches", _("batch"))
        definition["batches"] = batches
        defaults = [i for i, b in enumerate(batches) if b.get("default")]
        if batches and not defaults:
            self.add(
                "batches",
                _("No batch is marked “default: true”: mark the batch that takes organisations no rule places."),
            )
        for index in defaults[1:]:
            self.add(f"batches[{index}].default", _("Only one batch may be marked “default: true”."))
        return definition

    def phase(self, spec: Any, path: str) -> dict:
        spec = self.mapping(spec, path, PHASE_FIELDS, _("a phase"))
        if spec is None:
            return {}
        days = self.number(spec, path, "days", required=True, least=1)
        phase = {
            "key": self.key(spec, path),
            "name": self.text(spec, path, "name"),
            "days": days,
            "acceptance": self.choice(spec, path, "acceptance", list(Acceptance.values), Acceptance.NONE.value),
        }
        steps = [
            self.step(item, f"{path}.steps[{i}]", days)
            for i, item in enumerate(self.items(spec, path, "steps", required=False))
        ]
        self.unique(steps, f"{path}.steps", _("step"))
        phase["steps"] = steps
        return phase

    def step(self, spec: Any, path: str, days: int | None) -> dict:
        spec = self.mapping(spec, path, STEP_FIELDS, _("a step"))
        if spec is None:
            return {}
        due_day = self.number(spec, path, "due_day", least=1)
        if due_day is not None and days is not None and due_day > days:
            self.add(
                _join(path, "due_day"),
                _("Due on day %(due)s, but the phase lasts only %(days)s days.") % {"due": due_day, "days": days},
            )
        return {
            "key": self.key(spec, path),
            "name": self.text(spec, path, "name"),
            "description": self.text(spec, path, "description", required=False, limit=10_000),
            "by": self.choice(spec, path, "by", list(Responsible.values), Responsible.UNIT.value),
            "required": self.flag(spec, path, "required", True),
            "due_day": due_day,
            "evidence": [
                self.evidence(item, f"{path}.evidence[{i}]")
                for i, item in enumerate(self.items(spec, path, "evidence", required=False))
            ],
        }

    def evidence(self, spec: Any, path: str) -> dict:
        if not isinstance(spec, dict):
            self.add(path, _("Expected a piece of evidence with its “kind”."))
            return {}
        if "kind" not in spec:
            self.add(_join(path, "kind"), _("“%(name)s” is missing.") % {"name": "kind"})
            return dict(spec)
        for name, message in evidence.option_problems(spec):
            self.add(_join(path, name) if name else path, message)
        if "optional" in spec and not isinstance(spec["optional"], bool):
            self.add(_join(path, "optional"), _("“%(name)s” must be true or false.") % {"name": "optional"})
        return dict(spec)

    def batch(self, spec: Any, path: str, phases: dict[str, dict]) -> dict:
        spec = self.mapping(spec, path, BATCH_FIELDS, _("a batch"))
        if spec is None:
            return {}
        batch = {
            "key": self.key(spec, path),
            "name": self.text(spec, path, "name"),
            "starts_after_days": self.number(spec, path, "starts_after_days", default=0),
            "default": self.flag(spec, path, "default", False),
            "rules": [
                self.rule(item, f"{path}.rules[{i}]")
                for i, item in enumerate(self.items(spec, path, "rules", required=False))
            ],
        }
        entries = self.items(spec, path, "schedule", required=False)
        if not entries:
            self.add(
                _join(path, "schedule"),
                _("This batch has no phases: list the phases it goes through under “schedule”."),
            )
        batch["schedule"] = self.schedule(entries, f"{path}.schedule", phases)
        return batch

    def rule(self, spec: Any, path: str) -> dict:
        spec = self.mapping(spec, path, RULE_FIELDS, _("a rule"))
        if spec is None:
            return {}
        rule: dict[str, list] = {}
        for name, known in (("sectors", Sector.values), ("kinds", Kind.values)):
            values = self.values(spec, path, name)
            for index, value in enumerate(values):
                if value not in known:
                    self.add(
                        f"{path}.{name}[{index}]" if isinstance(spec[name], list) else _join(path, name),
                        _("“%(value)s” is not a known value of “%(name)s”; use one of: %(known)s.")
                        % {"value": value, "name": name, "known": ", ".join(known)},
                    )
            if values:
                rule[name] = values
        levels = self.values(spec, path, "levels")
        for index, value in enumerate(levels):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                self.add(
                    f"{path}.levels[{index}]" if isinstance(spec["levels"], list) else _join(path, "levels"),
                    _("A level is a whole number from 0 (the campaign's own organisation) down."),
                )
        if levels:
            rule["levels"] = levels
        if not rule and not self.problems_at(path):
            self.add(path, _("This rule names no sector, kind or level, so it matches nothing."))
        return rule

    def values(self, spec: dict, path: str, name: str) -> list:
        value = spec.get(name)
        if value is None:
            return []
        # One value may be written without the list dashes.
        return list(value) if isinstance(value, list) else [value]

    def problems_at(self, path: str) -> bool:
        return any(p.path.startswith(path) for p in self.problems)

    def schedule(self, entries: list, path: str, phases: dict[str, dict]) -> list[dict]:
        schedule: list[dict] = []
        order = list(phases)
        previous_end: int | None = None
        previous_position = -1
        seen: set[str] = set()
        for index, spec in enumerate(entries):
            where = f"{path}[{index}]"
            spec = self.mapping(spec, where, SCHEDULE_FIELDS, _("a phase of the batch"))
            if spec is None:
                continue
            key = self.text(spec, where, "phase", limit=KEY_MAX)
            phase = phases.get(key)
            if key and phase is None:
                self.add(
                    _join(where, "phase"),
                    _("There is no phase “%(phase)s”; the phases are: %(known)s.")
                    % {"phase": key, "known": ", ".join(order)},
                )
            elif key in seen:
                self.add(_join(where, "phase"), _("The phase “%(phase)s” is listed twice.") % {"phase": key})
            elif phase is not None:
                position = order.index(key)
                if position < previous_position:
                    self.add(
                        _join(where, "phase"),
                        _("The phase “%(phase)s” comes before the one above it: list them in the phases' order.")
                        % {"phase": key},
                    )
                previous_position = max(position, previous_position)
            seen.add(key)
            days = self.number(spec, where, "days", least=1, default=(phase or {}).get("days"))
            start = self.number(spec, where, "start_day")
            if start is None:
                start = previous_end or 0
            elif previous_end is not None and start < previous_end:
                self.add(
                    _join(where, "start_day"),
                    _("Starts on day %(start)s, before the phase above it ends (day %(end)s): phases may not overlap.")
                    % {"start": start, "end": previous_end},
                )
            if phase is not None and days is not None:
                late = [s for s in phase.get("steps", []) if s.get("due_day") and s["due_day"] > days]
                for step in late:
                    self.add(
                        _join(where, "days") if "days" in spec else where,
                        _("The step “%(step)s” is due on day %(due)s, but this batch gives the phase %(days)s days.")
                        % {"step": step.get("key"), "due": step["due_day"], "days": days},
                    )
            if days is not None:
                previous_end = start + days
            schedule.append({"phase": key, "start_day": start, "days": days})
        return schedule


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else str(name)


# ---------------------------------------------------------------- the public functions


def load(text: str, *, source_name: str = "") -> dict:
    """The normalised definition of a template file, or TemplateInvalid with every problem found."""
    data, lines, _node = _parse(text)
    checker = _Checker(lines)
    for path, line in lines.duplicates:
        checker.problems.append(Problem(path, line, _("This field is given twice; keep one.")))
    if data is None:
        checker.add("", _("The file is empty."))
        definition = {}
    else:
        definition = checker.template(data)
    if checker.problems:
        raise TemplateInvalid(checker.problems, source_name=source_name)
    return definition


def digest_of(definition: dict) -> str:
    encoded = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()


def _office_path(actor) -> str:
    roots = scope_roots(actor, Action.RUN_CAMPAIGNS) if actor is not None else []
    return roots[0] if roots else ""


def _record(event: str, *, actor, template: CampaignTemplate, changes: dict | None = None, data: dict) -> None:
    identity = acting_as(actor, _office_path(actor)) if actor is not None else {}
    audit.record(
        event=event,
        **identity,
        target=template,
        organisation=identity.get("actor_organisation"),
        changes=changes,
        data=data,
    )


@transaction.atomic
def install(
    text: str,
    *,
    source_name: str = "",
    copied_from: CampaignTemplate | None = None,
    key: str | None = None,
    actor=None,
) -> tuple[CampaignTemplate, bool]:
    """Create or update the template of this file by its key: (template, whether anything was written).

    `key` stores the file under another key than the one it names (a copy's
    edits); the definition then carries that key.  The same definition as
    stored writes nothing, even if the file's comments or layout changed.
    """
    definition = load(text, source_name=source_name)
    if key is not None:
        definition["key"] = key
    digest = digest_of(definition)
    existing = CampaignTemplate.objects.select_for_update().filter(key=definition["key"]).first()
    if existing is not None and existing.digest == digest:
        return existing, False
    if existing is None:
        template = CampaignTemplate.objects.create(
            key=definition["key"],
            name=definition["name"],
            description=definition["description"],
            definition=definition,
            source=text,
            digest=digest,
            copied_from=copied_from,
        )
        _record(
            TEMPLATE_LOADED,
            actor=actor,
            template=template,
            data={"key": template.key, "digest": digest, "source": source_name},
        )
        return template, True
    old = {"name": existing.name, "digest": existing.digest}
    existing.name = definition["name"]
    existing.description = definition["description"]
    existing.definition = definition
    existing.source = text
    existing.digest = digest
    existing.save()
    _record(
        TEMPLATE_CHANGED,
        actor=actor,
        template=existing,
        changes={name: [old[name], getattr(existing, name)] for name in old if old[name] != getattr(existing, name)},
        data={"key": existing.key, "source": source_name},
    )
    return existing, True


def _replace_top_scalar(text: str, field: str, value: str) -> str:
    """`text` with the top-level `field`'s value replaced, comments and layout kept."""
    _data, _lines, node = _parse(text)
    for key_node, value_node in node.value:
        if key_node.value == field and isinstance(value_node, yaml.ScalarNode):
            start, end = value_node.start_mark.index, value_node.end_mark.index
            return text[:start] + _scalar(value) + text[end:]
    raise LookupError(field)


def _scalar(value: str) -> str:
    """`value` as a YAML scalar: plain when it reads back the same, else double-quoted (JSON is valid YAML)."""
    try:
        plain = "\n" not in value and yaml.safe_load(f"x: {value}") == {"x": value}
    except yaml.YAMLError:
        plain = False
    return value if plain else json.dumps(value, ensure_ascii=False)


@transaction.atomic
def copy_template(*, template: CampaignTemplate, actor) -> CampaignTemplate:
    """A copy under the first free key `<key>-copy-N`, editable in the pages; the original stays as it is."""
    number = 1
    while CampaignTemplate.objects.filter(key=f"{template.key}-copy-{number}").exists():
        number += 1
    key = f"{template.key}-copy-{number}"[:KEY_MAX]
    name = (_("%(name)s (copy %(number)s)") % {"name": template.name, "number": number})[:NAME_MAX]
    text = _replace_top_scalar(_replace_top_scalar(template.source, "key", key), "name", name)
    definition = load(text)
    copy = CampaignTemplate.objects.create(
        key=key,
        name=name,
        description=definition["description"],
        definition=definition,
        source=text,
        digest=digest_of(definition),
        copied_from=template,
    )
    _record(TEMPLATE_COPIED, actor=actor, template=copy, data={"key": key, "copied_from": template.key})
    return copy


def is_editable(template: CampaignTemplate) -> bool:
    """Only copies are edited in the pages: shipped templates change through their files and the command."""
    return template.copied_from_id is not None


@transaction.atomic
def edit_template(*, template: CampaignTemplate, text: str, actor) -> bool:
    """Store new YAML for a copy; TemplateInvalid (nothing written) when the file has problems.  Whether it changed."""
    if not is_editable(template):
        raise ValidationError(_("Only copies of a template can be edited here."), code="not_a_copy")
    data, lines, _node = _parse(text)
    if isinstance(data, dict) and data.get("key") != template.key:
        problems = [
            Problem(
                "key",
                lines.of("key"),
                _("The key of this template is “%(key)s” and cannot be changed here.") % {"key": template.key},
            )
        ]
        try:
            load(text)
        except TemplateInvalid as exc:
            problems += exc.problems
        raise TemplateInvalid(problems)
    _template, changed = install(text, key=template.key, copied_from=template.copied_from, actor=actor)
    return changed
