"""Campaign templates as data: the shipped files load, reloading is a no-op, a bad file is refused with its places."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from vanguard.campaigns import blueprints, services
from vanguard.campaigns.models import CampaignTemplate, Unit
from vanguard.core.models import AuditEntry
from vanguard.orgs.models import Sector

DEFINITIONS = Path(blueprints.__file__).parent / "definitions"

# Line numbers matter below: each case names the line of the file it breaks.
BASE = """\
key: small
name: 小活动
phases:
  - key: study
    name: 学习动员
    days: 10
    acceptance: supervision
    steps:
      - key: mobilise
        name: 动员大会
        by: unit
        due_day: 3
        evidence:
          - kind: meeting
            meeting_kind: mobilisation
  - key: appraisal
    name: 分析评议
    days: 5
    steps:
      - key: talks
        name: 谈心
        by: members
        required: false
batches:
  - key: first
    name: 第一批
    default: true
    rules:
      - sectors: [government]
        levels: [0, 1]
    schedule:
      - phase: study
      - phase: appraisal
  - key: second
    name: 第二批
    starts_after_days: 180
    rules:
      - kinds: [branch]
    schedule:
      - phase: study
        days: 12
      - phase: appraisal
        start_day: 15
"""


def broken(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def problems_of(text: str) -> list[tuple[str, int | None]]:
    with pytest.raises(blueprints.TemplateInvalid) as caught:
        blueprints.load(text)
    return [(p.path, p.line) for p in caught.value.problems]


def test_the_base_file_is_valid_and_normalised():
    definition = blueprints.load(BASE)
    second = definition["batches"][1]
    assert second["schedule"] == [
        {"phase": "study", "start_day": 0, "days": 12},
        {"phase": "appraisal", "start_day": 15, "days": 5},
    ]
    first = definition["batches"][0]
    assert first["starts_after_days"] == 0 and first["schedule"][1] == {
        "phase": "appraisal",
        "start_day": 10,
        "days": 5,
    }
    talks = definition["phases"][1]["steps"][0]
    assert talks == {
        "key": "talks",
        "name": "谈心",
        "description": "",
        "by": "members",
        "required": False,
        "due_day": None,
        "evidence": [],
    }
    assert definition["phases"][1]["acceptance"] == "none"
    assert definition["phases"][0]["steps"][0]["required"] is True
    assert first["rules"] == [{"sectors": ["government"], "levels": [0, 1]}]


BAD_FILES = {
    "missing name": (broken("    name: 分析评议\n", ""), "phases[1].name", 16),
    "missing days": (broken("    days: 5\n", ""), "phases[1].days", 16),
    "wrong type": (broken("    days: 5\n", "    days: five\n"), "phases[1].days", 18),
    "typo in a field": (broken("        by: members\n", "        bye: members\n"), "phases[1].steps[0].bye", 22),
    "unknown by": (broken("        by: members\n", "        by: everybody\n"), "phases[1].steps[0].by", 22),
    "unknown acceptance": (
        broken("    acceptance: supervision\n", "    acceptance: boss\n"),
        "phases[0].acceptance",
        7,
    ),
    "unknown evidence kind": (
        broken("          - kind: meeting\n", "          - kind: photo\n"),
        "phases[0].steps[0].evidence[0].kind",
        14,
    ),
    "unknown evidence option": (
        broken("            meeting_kind: mobilisation\n", "            colour: red\n"),
        "phases[0].steps[0].evidence[0].colour",
        15,
    ),
    "duplicate phase": (broken("  - key: appraisal\n", "  - key: study\n"), "phases[1].key", 16),
    "duplicate step": (
        broken("      - key: talks\n        name: 谈心\n        by: members\n        required: false\n", "")
        .replace("        evidence:\n", "        evidence: []\n      - key: mobilise\n        name: 再动员\n", 1)
        .replace("          - kind: meeting\n            meeting_kind: mobilisation\n", "", 1),
        "phases[0].steps[1].key",
        14,
    ),
    "duplicate batch": (broken("  - key: second\n", "  - key: first\n"), "batches[1].key", 34),
    "unknown phase in a schedule": (
        broken("      - phase: appraisal\n        start_day: 15\n", "      - phase: analysis\n"),
        "batches[1].schedule[1].phase",
        42,
    ),
    "overlapping phases": (
        broken("        start_day: 15\n", "        start_day: 11\n"),
        "batches[1].schedule[1].start_day",
        43,
    ),
    "a batch with no phases": (
        broken("    schedule:\n      - phase: study\n        days: 12\n", "    schedule: []\n    x_days: 12\n").replace(
            "    x_days: 12\n      - phase: appraisal\n        start_day: 15\n", ""
        ),
        "batches[1].schedule",
        39,
    ),
    "due day beyond the phase": (
        broken("        due_day: 3\n", "        due_day: 11\n"),
        "phases[0].steps[0].due_day",
        12,
    ),
    "unknown sector": (
        broken("      - sectors: [government]\n", "      - sectors: [governmnet]\n"),
        "batches[0].rules[0].sectors[0]",
        29,
    ),
    "unknown kind": (
        broken("      - kinds: [branch]\n", "      - kinds: [brunch]\n"),
        "batches[1].rules[0].kinds[0]",
        38,
    ),
    "negative level": (
        broken("        levels: [0, 1]\n", "        levels: [0, -1]\n"),
        "batches[0].rules[0].levels[1]",
        30,
    ),
    "no default batch": (broken("    default: true\n", ""), "batches", 24),
    "two default batches": (
        broken("    starts_after_days: 180\n", "    starts_after_days: 180\n    default: true\n"),
        "batches[1].default",
        37,
    ),
    "a field given twice": (broken("name: 小活动\n", "name: 小活动\nname: 又一个\n"), "name", 3),
    "syntax error": (broken("    days: 5\n", "    days: [5\n"), "", 19),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=str)
def test_a_bad_file_names_the_place(case):
    text, path, line = BAD_FILES[case]
    found = problems_of(text)
    assert (path, line) in found, found


def test_a_schedule_shorter_than_a_due_day_is_refused():
    text = broken("        days: 12\n", "        days: 2\n")
    assert ("batches[1].schedule[0].days", 41) in problems_of(text)


def test_every_problem_is_reported_at_once():
    text = broken("    days: 5\n", "    days: -5\n").replace("        by: unit\n", "        by: nobody\n")
    text = text.replace("      - kinds: [branch]\n", "      - kinds: [branch]\n        colours: [red]\n")
    found = problems_of(text)
    assert {path for path, _line in found} >= {
        "phases[1].days",
        "phases[0].steps[0].by",
        "batches[1].rules[0].colours",
    }


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "key: [unclosed\n"])
def test_not_a_template_at_all(text):
    assert problems_of(text)


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["missing days", "overlapping phases", "a batch with no phases", "syntax error"])
def test_a_bad_file_leaves_the_database_unchanged(case):
    installed, _changed = blueprints.install(BASE)
    before = (list(CampaignTemplate.objects.values_list("key", "digest", "updated_at")), AuditEntry.objects.count())
    with pytest.raises(blueprints.TemplateInvalid):
        blueprints.install(BAD_FILES[case][0])
    assert (list(CampaignTemplate.objects.values_list("key", "digest", "updated_at")), AuditEntry.objects.count()) == (
        before
    )


# ---------------------------------------------------------------- the shipped templates


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["xianjinxing", "pilot"])
def test_the_shipped_templates_load_and_reload_changes_nothing(name):
    text = (DEFINITIONS / f"{name}.yaml").read_text(encoding="utf-8")
    template, changed = blueprints.install(text, source_name=f"{name}.yaml")
    assert changed and template.key == name
    assert AuditEntry.objects.filter(event=blueprints.TEMPLATE_LOADED, object_id=str(template.pk)).count() == 1
    stamp, digest, audits = template.updated_at, template.digest, AuditEntry.objects.count()

    again, changed = blueprints.install(text, source_name=f"{name}.yaml")
    again.refresh_from_db()
    assert (again.pk, changed, again.updated_at, again.digest) == (template.pk, False, stamp, digest)
    assert AuditEntry.objects.count() == audits


def test_the_full_campaign_follows_the_domain():
    definition = blueprints.load((DEFINITIONS / "xianjinxing.yaml").read_text(encoding="utf-8"))
    assert [(p["name"], p["days"]) for p in definition["phases"]] == [
        ("学习动员", 45),
        ("分析评议", 30),
        ("整改提高", 30),
        ("回头看", 20),
    ]
    assert [p["acceptance"] for p in definition["phases"]] == ["supervision", "supervision", "supervision", "parent"]
    assert [b["starts_after_days"] for b in definition["batches"]] == [0, 182, 365]
    meetings = {
        e["meeting_kind"]
        for p in definition["phases"]
        for s in p["steps"]
        for e in s["evidence"]
        if e["kind"] == "meeting"
    }
    assert {"mobilisation", "party_lecture", "topical_life", "democratic_life"} <= meetings
    by = {s["key"]: s["by"] for p in definition["phases"] for s in p["steps"]}
    assert by["party-lecture"] == "leaders" and by["self-analysis"] == "members"
    assert by["topical-life-meeting"] == "branches" and by["democratic-life-meeting"] == "leaders"


def test_the_pilot_runs_about_two_months_in_one_batch():
    definition = blueprints.load((DEFINITIONS / "pilot.yaml").read_text(encoding="utf-8"))
    (batch,) = definition["batches"]
    last = batch["schedule"][-1]
    assert batch["default"] and 50 <= last["start_day"] + last["days"] <= 65


@pytest.mark.django_db
def test_the_full_campaign_places_a_city_by_sector(city):
    template, _changed = blueprints.install((DEFINITIONS / "xianjinxing.yaml").read_text(encoding="utf-8"))
    city.branch_b.sector = Sector.RURAL
    city.branch_b.save(update_fields=["sector"])
    campaign = services.create_campaign(
        template=template,
        organisation=city.root,
        name="先进性教育",
        starts_on=datetime.date(2027, 1, 10),
        actor=city.office,
    )
    batch = dict(Unit.objects.filter(campaign=campaign).values_list("organisation_id", "batch__key"))
    assert batch[city.root.pk] == batch[city.district_a.pk] == batch[city.district_b.pk] == "first"
    assert batch[city.committee_a.pk] == batch[city.branch_a.pk] == "second"  # streets and communities
    assert batch[city.branch_b.pk] == "third"  # a village


@pytest.mark.django_db
def test_a_changed_file_updates_the_template_and_says_so(city):
    template, _changed = blueprints.install(BASE)
    changed_text = BASE.replace("name: 小活动\n", "name: 小小活动\n")
    again, changed = blueprints.install(changed_text, actor=city.office)
    assert changed and again.pk == template.pk and again.name == "小小活动" and again.digest != template.digest
    entry = AuditEntry.objects.get(event=blueprints.TEMPLATE_CHANGED)
    assert entry.changes["name"] == ["小活动", "小小活动"] and entry.actor_role == "admin"


@pytest.mark.django_db
def test_comments_alone_change_nothing():
    template, _changed = blueprints.install(BASE)
    again, changed = blueprints.install("# a comment\n" + BASE)
    assert not changed and again.source == BASE


# ---------------------------------------------------------------- the command


@pytest.mark.django_db
def test_the_command_loads_and_reloads(capsys):
    paths = [str(DEFINITIONS / "xianjinxing.yaml"), str(DEFINITIONS / "pilot.yaml")]
    call_command("load_campaign_template", *paths)
    first = capsys.readouterr().out
    assert "xianjinxing" in first and "pilot" in first
    assert set(CampaignTemplate.objects.values_list("key", flat=True)) == {"xianjinxing", "pilot"}
    stamps = dict(CampaignTemplate.objects.values_list("key", "updated_at"))
    call_command("load_campaign_template", *paths)
    again = capsys.readouterr().out
    assert again != first  # "created" the first time, "unchanged" now
    assert dict(CampaignTemplate.objects.values_list("key", "updated_at")) == stamps


@pytest.mark.django_db
def test_the_command_refuses_all_files_when_one_is_bad(tmp_path, capsys):
    good = tmp_path / "good.yaml"
    shutil.copy(DEFINITIONS / "pilot.yaml", good)
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_FILES["overlapping phases"][0] + "  - key: third\n    name: 第三批\n", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("load_campaign_template", str(good), str(bad))
    err = capsys.readouterr().err
    assert f"{bad}:43: batches[1].schedule[1].start_day: " in err
    assert f"{bad}:44: batches[2].schedule: " in err
    assert not CampaignTemplate.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_the_command_exits_non_zero(tmp_path, capsys, monkeypatch):
    from django.core.management import base

    from vanguard.campaigns.management.commands.load_campaign_template import Command

    # run_from_argv closes the connections when it ends, which would end the test's transaction.
    monkeypatch.setattr(base.connections, "close_all", lambda: None)

    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_FILES["syntax error"][0], encoding="utf-8")
    missing = tmp_path / "missing.yaml"
    with pytest.raises(SystemExit) as exited:
        Command().run_from_argv(["manage.py", "load_campaign_template", str(bad), str(missing)])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert f"{bad}:19: -: " in err and f"{missing}: " in err
    Command().run_from_argv(["manage.py", "load_campaign_template", str(DEFINITIONS / "pilot.yaml")])
    assert CampaignTemplate.objects.filter(key="pilot").exists()
