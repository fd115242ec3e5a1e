"""三级两评: designating bodies, recording appraisals and the roll-ups for a point, a station and the office."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from vanguard.opinions import monitoring, services
from vanguard.opinions.models import ConductAppraisal, MonitoringLevel
from vanguard.orgs.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)


@pytest.fixture
def network(city):
    """District A's office; stations at its committee and at a second street; points under each."""
    street_2 = OrganisationFactory(name="甲二街道", parent=city.district_a)
    office = services.designate_body(organisation=city.district_a, actor=city.secretary_a, level=MonitoringLevel.OFFICE)
    station_1 = services.designate_body(
        organisation=city.committee_a, actor=city.secretary_a, level=MonitoringLevel.STATION, parent=office
    )
    station_2 = services.designate_body(
        organisation=street_2, actor=city.secretary_a, level=MonitoringLevel.STATION, parent=office
    )
    point_1 = services.designate_body(
        organisation=city.branch_a, actor=city.secretary_a, level=MonitoringLevel.POINT, parent=station_1
    )
    point_2 = services.designate_body(
        organisation=city.branch_a2, actor=city.secretary_a, level=MonitoringLevel.POINT, parent=station_1
    )
    point_3 = services.designate_body(
        organisation=OrganisationFactory(name="甲二社区", parent=street_2),
        actor=city.secretary_a,
        level=MonitoringLevel.POINT,
        parent=station_2,
    )
    subject = OrganisationFactory(name="甲区税务所", parent=city.district_a)
    return office, (station_1, station_2), (point_1, point_2, point_3), subject


def _appraise(point, subject, counts, aspect="conduct", day=DAY):
    satisfied, basically, unsatisfied = counts
    return services.record_appraisal(
        point=point,
        actor=None,
        subject=subject,
        aspect=aspect,
        appraised_on=day,
        satisfied=satisfied,
        basically=basically,
        unsatisfied=unsatisfied,
    )


def test_levels_must_chain_office_station_point(city, network):
    office, stations, points, _subject = network
    with pytest.raises(ValidationError):
        services.designate_body(organisation=city.root, actor=city.office, level=MonitoringLevel.POINT, parent=office)
    with pytest.raises(ValidationError):
        services.designate_body(organisation=city.branch_a, actor=city.secretary_a, level=MonitoringLevel.OFFICE)
    with pytest.raises(ValidationError):
        services.designate_body(organisation=city.branch_b, actor=city.secretary_a, level=MonitoringLevel.OFFICE)
    assert points[2].office_path == office.org_path and points[2].station_path == stations[1].org_path


def test_appraisal_rules(city, network):
    office, stations, points, subject = network
    with pytest.raises(ValidationError):
        _appraise(stations[0], subject, (1, 0, 0))  # a station does not appraise
    with pytest.raises(ValidationError):
        _appraise(points[0], subject, (0, 0, 0))
    with pytest.raises(ValidationError):
        _appraise(points[0], subject, (1, 0, 0), day=timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.record_appraisal(
            point=points[0], actor=city.secretary_b, subject=subject, aspect="conduct", appraised_on=DAY,
            satisfied=1, basically=0, unsatisfied=0,
        )  # fmt: skip
    assert not ConductAppraisal.objects.exists()


def test_roll_ups_for_point_station_and_office(network):
    office, stations, points, subject = network
    _appraise(points[0], subject, (6, 2, 2))
    _appraise(points[1], subject, (3, 0, 1))
    _appraise(points[2], subject, (1, 1, 8))
    _appraise(points[2], subject, (5, 0, 0), aspect="efficiency", day=DAY + datetime.timedelta(days=31))
    # Point 1: 6+2 of 10 → 80.0.  Station 1: (6+2+3+0) of (10+4) = 11/14 → 78.6.
    # Office, conduct: (6+2+3+1+1) of 24 = 13/24 → 54.2; efficiency 5 of 5 → 100.
    [row] = monitoring.by_subject(points[0])
    assert (row.total, row.rate) == (10, 80.0)
    [row] = monitoring.by_subject(stations[0])
    assert (row.satisfied, row.basically, row.unsatisfied, row.rate) == (9, 2, 3, 78.6)
    rows = {r.aspect: r for r in monitoring.by_subject(office)}
    assert (rows["conduct"].total, rows["conduct"].rate) == (24, 54.2)
    assert rows["efficiency"].rate == 100.0
    by_station = {(r.key, r.aspect): r.total for r in monitoring.by_station(office)}
    assert by_station == {
        (stations[0].pk, "conduct"): 14,
        (stations[1].pk, "conduct"): 10,
        (stations[1].pk, "efficiency"): 5,
    }
    assert [r.label for r in monitoring.by_month(office)] == ["2026-03", "2026-04"]
    assert monitoring.by_subject(office, start=DAY + datetime.timedelta(days=1))[0].aspect == "efficiency"


def test_pages_are_scoped_and_points_record(client, city, network):
    office, stations, points, subject = network
    client.login(username=city.secretary_b.username, password=PASSWORD)
    assert client.get(reverse("opinions:monitoring_body", kwargs={"pk": office.pk})).status_code == 404
    assert city.district_a.name not in client.get(reverse("opinions:monitoring")).content.decode()
    client.logout()
    client.login(username=city.branch_secretary_a.username, password=PASSWORD)
    page = client.get(reverse("opinions:monitoring_body", kwargs={"pk": points[0].pk}))
    assert page.status_code == 200 and page.context["form"] is not None
    response = client.post(
        reverse("opinions:monitoring_record", kwargs={"pk": points[0].pk}),
        {"subject": subject.pk, "aspect": "efficiency", "appraised_on": DAY.isoformat(),
         "satisfied": 4, "basically": 1, "unsatisfied": 0, "note": ""},
    )  # fmt: skip
    assert response.status_code == 302
    assert ConductAppraisal.objects.get().point == points[0]
    # The branch secretary cannot record for a point of another branch.
    assert client.get(reverse("opinions:monitoring_body", kwargs={"pk": points[1].pk})).status_code == 404
    client.logout()
    client.login(username=city.secretary_a.username, password=PASSWORD)
    office_page = client.get(reverse("opinions:monitoring_body", kwargs={"pk": office.pk}))
    assert office_page.context["form"] is None
    assert [r.total for r in office_page.context["by_subject"]] == [5]


def test_designating_through_the_page(client, city):
    client.login(username=city.secretary_a.username, password=PASSWORD)
    response = client.post(reverse("opinions:monitoring"), {"organisation": city.district_a.pk, "level": "office"})
    assert response.status_code == 302
    response = client.post(reverse("opinions:monitoring"), {"organisation": city.branch_b.pk, "level": "office"})
    assert response.status_code == 400
