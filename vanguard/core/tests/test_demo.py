import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, Max

from vanguard.accounts.models import Role, RoleAssignment, User
from vanguard.core import demo
from vanguard.core.models import AuditEntry
from vanguard.members import selectors as member_selectors
from vanguard.members.models import Category, Member, Transfer
from vanguard.orgs import demo as orgs_demo
from vanguard.orgs.factories import OrganisationFactory
from vanguard.orgs.models import BRANCH_KINDS, Kind, Organisation, Reorganisation

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_small_populated_city():
    out = io.StringIO()
    call_command("seed_demo", "--scale", "demo", stdout=out)
    branches = Organisation.objects.filter(kind__in=BRANCH_KINDS).count()
    assert 140 <= branches <= 170
    assert 4000 <= Member.objects.count() <= 6500
    present = set(Member.objects.values_list("category", flat=True).distinct())
    assert present == set(Category.values)
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == set(Role.values)
    assert Transfer.objects.values("status").distinct().count() == 3
    # The reorganisation runs after members' step, so members move with it.
    assert Reorganisation.objects.get().members_moved > 0
    assert Member.objects.filter(host_organisation__isnull=False).exists()
    # Every member's denormalised path agrees with its organisation's.
    assert not Member.objects.exclude(org_path=F("organisation__path")).exists()
    # The kept tallies agree with a recount after the bulk insert, the services and the move.
    for organisation in Organisation.objects.filter(depth__lte=1):
        for field in ("category", "status"):
            counted = member_selectors.count_members_directly(organisation, field)
            assert member_selectors.member_counts(organisation, field) == counted
    # The logins table: every demo user, with the role and the place it is held at.
    lines = out.getvalue().splitlines()
    table = lines[lines.index("Demo logins (password: vanguard2026):") + 1 :]
    assert [line.split()[:2] for line in table] == [
        ["root", "superuser"],
        ["office", "admin"],
        ["yuzhong", "secretary"],
        ["jiangbei", "secretary"],
        ["branch", "secretary"],
        ["supervisor", "supervisor"],
        ["supervisor", "supervisor"],
        ["member", "member"],
        ["shenzhen", "secretary"],
    ]
    assert User.objects.get(username="member").member.name == "李明"
    # The demo's transfers, hosting and move went through the services: the trail has them, chained intact.
    events = set(AuditEntry.objects.values_list("event", flat=True))
    assert {"members.transfer.started", "members.transfer.accept", "orgs.organisation.moved"} <= events
    call_command("verify_audit", stdout=io.StringIO())
    # Ballots of each kind, most closed with results; the rules fired on them.
    from vanguard.appraisals.models import AppraisalResult, RemedialOrder, SelfAnalysis
    from vanguard.ballots.models import Ballot, Cast, PaperEntry

    kinds = set(Ballot.objects.values_list("kind", flat=True))
    assert kinds == {"satisfaction", "questionnaire", "peer_appraisal", "lookback"}
    assert Ballot.objects.filter(status="open").exists() and PaperEntry.objects.filter(mismatch=True).count() == 2
    assert Cast.objects.filter(ballot__status="closed").count() > 300
    assert SelfAnalysis.objects.filter(status="rewrite").exists()
    assert AppraisalResult.objects.filter(grade="unqualified").exists()
    assert RemedialOrder.objects.exists()
    # Rectification: items in every state, cases at several stages (the 不合格 one opened by the appraisal), rules.
    from vanguard.rectification.models import Case, Institution, RectificationItem, Remedy

    assert set(RectificationItem.objects.values_list("status", flat=True)) == {
        "open",
        "done",
        "closed",
        "explained",
        "cancelled",
    }
    assert set(RectificationItem.objects.filter(status="closed").values_list("timing", flat=True)) == {
        "on_time",
        "late",
    }
    assert RectificationItem.objects.exclude(escalated_at=None).exclude(listed_at=None).exclude(circulated_at=None)
    assert {"education", "hearing", "proposed", "transformed", "correcting"} <= set(
        Case.objects.values_list("stage", flat=True)
    )
    assert Case.objects.filter(appraisal_result__grade="unqualified").exists()
    assert Institution.objects.filter(status="in_force").count() >= 4 and Remedy.objects.exists()
    # Typical examples, lecture groups, training: a handful of each, through the services.
    from vanguard.exemplars.models import Exemplar, Talk, Trainee, TrainingClass

    assert set(Exemplar.objects.values_list("kind", flat=True)) == {"member", "organisation"}
    assert Exemplar.objects.exclude(publicised_on=None).exists() and Talk.objects.count() >= 3
    assert set(TrainingClass.objects.values_list("kind", flat=True)) == {"key_staff", "skills", "other"}
    assert {"re_employed", "not_yet"} <= set(Trainee.objects.values_list("outcome", flat=True))
    # Commitments: a leading cadre's from the template, rated by readers; the demo member's own; some drafts.
    from vanguard.commitments.models import Commitment

    assert Commitment.objects.filter(by_leader=True, template__isnull=False, public_kept__gt=0).count() == 3
    assert Commitment.objects.filter(member__user_account__username="member", status="published").exists()
    assert set(Commitment.objects.values_list("status", flat=True)) == {"draft", "published"}
    # Study: sessions with attendance in most branches, the demo member's standing computed, one session due.
    from vanguard.study.models import Session, Standing, StudyRecord

    assert Session.objects.values("org_path").distinct().count() > 100
    assert Session.objects.filter(recorded_at=None).count() == 1
    assert StudyRecord.objects.filter(activity="home_visit").exists()
    own = User.objects.get(username="member").member
    from vanguard.campaigns.models import Campaign
    from vanguard.study import credits

    campaign = Campaign.objects.order_by("pk").first()
    assert credits.valued(Standing.objects.filter(member=own), campaign).filter(earned__gt=0).exists()
    # Most members have something recorded in the first phase; some have completed it.
    first = campaign.phases.order_by("order").first()
    in_first = credits.valued(Standing.objects.filter(phase=first), campaign)
    assert in_first.count() > Member.objects.count() / 2
    assert in_first.filter(complete=True).exists() and in_first.filter(complete=False).exists()


def test_seed_demo_refuses_a_non_empty_database_unless_asked(city):
    with pytest.raises(CommandError, match="already holds organisations"):
        call_command("seed_demo", verbosity=0)
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)  # does nothing
    assert out.getvalue().startswith("The database already holds organisations; nothing loaded.\n")
    assert Organisation.objects.count() == 7


def test_the_apps_steps_run_in_dependency_order():
    labels = [module.__name__ for module in demo.demo_modules()]
    assert labels == [
        "vanguard.accounts.demo",
        "vanguard.orgs.demo",
        "vanguard.members.demo",
        "vanguard.campaigns.demo",
        "vanguard.opinions.demo",
        "vanguard.ballots.demo",
        "vanguard.appraisals.demo",
        "vanguard.rectification.demo",
        "vanguard.exemplars.demo",
        "vanguard.commitments.demo",
        "vanguard.study.demo",
        "vanguard.mobility.demo",
        "vanguard.assistance.demo",
        "vanguard.targets.demo",
    ]


def test_city_scale_builds_the_seed_000_shape_small(monkeypatch):
    """The bench's path (seed_demo --scale city), on a city shrunk to a few dozen branches."""
    shape = {"committees": 12, "general_branches": 5, "branches": 40, "mobile_organisations": 4}
    monkeypatch.setattr(orgs_demo, "CITY_SHAPE", shape)
    out = io.StringIO()
    call_command("seed_demo", "--scale", "city", "--members", "200", stdout=out)
    tops = len(orgs_demo.DISTRICTS) + len(orgs_demo.DEPARTMENTS)
    assert Organisation.objects.count() == 1 + tops + 12 + 5 + 40 + 4
    assert Organisation.objects.filter(kind=Kind.MOBILE_ORGANISATION).count() == 4
    assert Organisation.objects.filter(kind=Kind.BRANCH).count() == 40
    members = Member.objects.count()
    assert 100 <= members <= 300
    assert not Member.objects.exclude(organisation__kind=Kind.BRANCH).exists()
    assert not Member.objects.exclude(org_path=F("organisation__path")).exists()
    root = Organisation.objects.get(parent__isnull=True)
    assert sum(member_selectors.member_counts(root, "category").values()) == members
    assert f"{members} members in all" in out.getvalue()
    assert not User.objects.exists()  # the city has no logins; the bench makes its own user
    # The keys were chosen by the seeding, and the sequence moved past them: new organisations still fit.
    last = Organisation.objects.aggregate(last=Max("pk"))["last"]
    assert OrganisationFactory(parent=root).pk > last
    # The seed-000 training totals (and DOMAIN §9's skills training), spread over the committees.
    from vanguard.exemplars import demo as exemplars_demo
    from vanguard.exemplars.figures import compute

    training = compute(organisation=Organisation.objects.get(parent__isnull=True), user=None).training
    assert (training["key_staff"].classes, training["key_staff"].trained) == (3574, 25949)
    assert (training["skills"].classes, training["skills"].laid_off_members) == (21937, 8506)
    assert training["skills"].re_employed == exemplars_demo.RE_EMPLOYED == 4419
    # Mobility: the network (a centre per district, a station per committee, the organisations in other
    # provinces, contact points up to the seed's 7,258 or the branches there are); assistance: seed 003's pairs.
    from vanguard.assistance import figures as assistance_figures
    from vanguard.assistance.demo import CITY_BRANCH_PERSON, CITY_UNIT_COMMUNITY
    from vanguard.mobility import figures as mobility_figures

    city = Organisation.objects.get(parent__isnull=True)
    network = mobility_figures.compute(organisation=city, user=None)
    assert network.points == {"centre": len(orgs_demo.DISTRICTS), "station": 12, "contact_point": 40, "outside": 4}
    assert network.away_people == Member.objects.filter(category="mobile").count()
    helped = assistance_figures.compute(organisation=city, user=None)
    assert helped.pairs["branch_person"] == CITY_BRANCH_PERSON and helped.pairs["unit_community"] == CITY_UNIT_COMMUNITY
    assert helped.balance_fen >= 10_000_000 * 100
    # Study's volume: every branch with members holds its sessions and most members earn credits (PostgreSQL).
    from django.db import connection

    from vanguard.campaigns.models import Campaign
    from vanguard.study import credits
    from vanguard.study.demo import CITY_SESSIONS
    from vanguard.study.models import Session, Standing

    if connection.vendor == "postgresql":
        with_members = Member.objects.values("organisation_id").distinct().count()
        assert Session.objects.count() == CITY_SESSIONS * with_members
        campaign = Campaign.objects.get()
        assert credits.valued(Standing.objects.all(), campaign).filter(earned__gt=0).count() > members / 2
    else:
        assert "PostgreSQL only" in out.getvalue()
