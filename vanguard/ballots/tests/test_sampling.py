"""Random samples: largest-remainder allocation, a draw anyone can redo from the seed, issuing per stratum."""

from __future__ import annotations

import random

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from conftest import PASSWORD
from vanguard.ballots import sampling, services
from vanguard.ballots.models import (
    Constituency,
    Frame,
    FrameKind,
    FrameRow,
    Medium,
    Sample,
    SampleRow,
    Token,
)
from vanguard.ballots.tests.factories import ballot as make_ballot
from vanguard.core import jobs
from vanguard.core.models import AuditEntry, Job, JobStatus
from vanguard.core.spreadsheets import open_sheets

pytestmark = pytest.mark.django_db

SENT: list[tuple[str, str]] = []


def record_sms(phone: str, text: str) -> None:
    if phone.endswith("999"):
        raise ConnectionError("gateway refused")
    SENT.append((phone, text))


@pytest.fixture
def sms(settings):
    settings.VANGUARD_SMS_SENDER = "vanguard.ballots.tests.test_sampling.record_sms"
    SENT.clear()
    return SENT


def make_frame(organisation, strata: dict[str, int], *, kind=FrameKind.RESIDENTS, phones: bool = True) -> Frame:
    """A frame whose strata interleave in row order (as a real list sorted by name would), numbered from row 2."""
    frame = Frame.objects.create(
        organisation=organisation, org_path=organisation.path, name="居民名单", kind=kind, rows=sum(strata.values())
    )
    rows, left = [], dict(strata)
    number = 2
    while any(left.values()):
        for stratum in strata:
            if left[stratum]:
                left[stratum] -= 1
                phone = f"139{number:08d}" if phones else ""
                rows.append(FrameRow(frame=frame, number=number, name=f"居民{number}", stratum=stratum, phone=phone))
                number += 1
    FrameRow.objects.bulk_create(rows)
    return frame


@pytest.fixture
def ballot(city):
    return make_ballot(city.district_a, constituencies=[Constituency.PUBLIC, Constituency.MEMBERS])


def drawn(sample: Sample) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for stratum, number in (
        FrameRow.objects.filter(pk__in=SampleRow.objects.filter(sample=sample).values("row_id"))
        .order_by("number")
        .values_list("stratum", "number")
    ):
        rows.setdefault(stratum, []).append(number)
    return rows


# --- allocation ----------------------------------------------------------------------------------------------------


def test_largest_remainder_by_hand():
    assert sampling.allocate_proportional({"甲": 500, "乙": 300, "丙": 200}, 10) == {"甲": 5, "乙": 3, "丙": 2}
    # Quotas 4.2857, 2.5714, 0.1428 → floors 4, 2, 0 and one left for the largest remainder (乙's .5714).
    assert sampling.allocate_proportional({"甲": 600, "乙": 360, "丙": 20}, 7) == {"甲": 4, "乙": 3, "丙": 0}
    # Equal remainders: the bigger stratum first, then the name.
    assert sampling.allocate_proportional({"b": 1, "a": 1, "c": 1}, 2) == {"a": 1, "b": 1, "c": 0}


@given(
    counts=st.dictionaries(st.text(min_size=1, max_size=4), st.integers(min_value=1, max_value=10_000), min_size=1),
    share=st.floats(min_value=0, max_value=1),
)
def test_proportional_allocation_sums_to_the_total_within_one_of_each_quota(counts, share):
    population = sum(counts.values())
    total = int(population * share)
    sizes = sampling.allocate_proportional(counts, total)
    assert sum(sizes.values()) == total
    for stratum, size in sizes.items():
        quota = total * counts[stratum] / population
        assert int(quota) <= size <= int(quota) + 1
        assert size <= counts[stratum]


def test_a_total_beyond_the_frame_is_refused():
    with pytest.raises(ValidationError):
        sampling.allocate_proportional({"甲": 3, "乙": 2}, 6)


# --- drawing -------------------------------------------------------------------------------------------------------


def test_the_same_frame_seed_and_sizes_give_the_same_sample(city, ballot):
    frame = make_frame(city.district_a, {"甲一社区": 50, "甲二社区": 30, "甲三社区": 20})
    sizes = {"甲一社区": 10, "甲二社区": 5, "甲三社区": 3}
    first = sampling.draw_sample(ballot=ballot, frame=frame, actor=city.secretary_a, sizes=sizes, seed=20260101)
    again = sampling.draw_sample(ballot=ballot, frame=frame, actor=city.secretary_a, sizes=sizes, seed=20260101)
    other = sampling.draw_sample(ballot=ballot, frame=frame, actor=city.secretary_a, sizes=sizes, seed=20260102)
    assert drawn(first) == drawn(again)
    assert drawn(first) != drawn(other)
    assert first.seed == 20260101 and first.size == 18 and first.sizes == sizes


def test_the_draw_is_the_documented_procedure(city, ballot):
    """Anyone with the frame and the seed redraws it with the standard library alone, as the page says."""
    frame = make_frame(city.district_a, {"乙": 40, "甲": 25})
    sample = sampling.draw_sample(ballot=ballot, frame=frame, actor=None, sizes={"甲": 7, "乙": 9}, seed=42)
    rng = random.Random(42)
    expected = {}
    for stratum, size in sorted({"甲": 7, "乙": 9}.items()):
        numbers = list(
            FrameRow.objects.filter(frame=frame, stratum=stratum).order_by("number").values_list("number", flat=True)
        )
        expected[stratum] = sorted(rng.sample(numbers, size))
    assert drawn(sample) == expected


def test_stratum_sizes_are_respected_and_rows_come_from_their_stratum(city, ballot):
    frame = make_frame(city.district_a, {"甲": 12, "乙": 8, "丙": 5})
    sample = sampling.draw_sample(ballot=ballot, frame=frame, actor=None, sizes={"甲": 12, "乙": 3, "丙": 0})
    rows = drawn(sample)
    assert {stratum: len(numbers) for stratum, numbers in rows.items()} == {"甲": 12, "乙": 3}
    assert sample.sizes == {"甲": 12, "乙": 3} and sample.size == 15
    strata = dict(FrameRow.objects.filter(frame=frame).values_list("number", "stratum"))
    assert all(strata[number] == stratum for stratum, numbers in rows.items() for number in numbers)


def test_a_total_is_allocated_in_proportion_over_the_strata_chosen(city, ballot):
    frame = make_frame(city.district_a, {"甲": 600, "乙": 360, "丙": 20, "丁": 100})
    sample = sampling.draw_sample(ballot=ballot, frame=frame, actor=None, strata=["甲", "乙", "丙"], total=7)
    assert sample.sizes == {"甲": 4, "乙": 3} and sample.size == 7
    assert {s: len(n) for s, n in drawn(sample).items()} == {"甲": 4, "乙": 3}


def test_the_seed_is_new_random_and_recorded_when_not_given(city, ballot):
    frame = make_frame(city.district_a, {"甲": 10})
    seeds = {sampling.draw_sample(ballot=ballot, frame=frame, actor=None, sizes={"甲": 3}).seed for _ in range(3)}
    assert len(seeds) == 3 and all(0 <= seed < 2**63 for seed in seeds)
    entry = AuditEntry.objects.filter(event="ballots.sample.drawn").order_by("-seq").first()
    assert entry.data["seed"] in seeds


def test_a_size_larger_than_its_stratum_is_refused_clearly(city, ballot):
    frame = make_frame(city.district_a, {"甲": 10, "乙": 4})
    with pytest.raises(ValidationError) as refused:
        sampling.draw_sample(ballot=ballot, frame=frame, actor=None, sizes={"甲": 3, "乙": 5})
    assert [error.code for error in refused.value.error_list] == ["sizes"]
    assert any("乙" in message and "4" in message and "5" in message for message in refused.value.messages)
    assert not Sample.objects.exists()


def test_refusals(city, ballot):
    frame = make_frame(city.district_a, {"甲": 10})
    businesses = make_frame(city.district_a, {"甲": 10}, kind=FrameKind.BUSINESSES)
    cases = [
        ({"frame": businesses, "sizes": {"甲": 1}}, "constituency"),
        ({"frame": frame, "sizes": {"丙": 1}}, "sizes"),
        ({"frame": frame, "sizes": {"甲": 0}}, "empty"),
        ({"frame": frame, "sizes": {"甲": 1}, "seed": 2**63}, "seed"),
        ({"frame": frame, "sizes": {"甲": 1}, "actor": city.secretary_b}, "forbidden"),
        ({"frame": frame, "sizes": {"甲": 1}, "actor": city.supervisor_a}, "forbidden"),
    ]
    for arguments, code in cases:
        arguments = {"actor": None, **arguments}
        with pytest.raises(ValidationError) as refused:
            sampling.draw_sample(ballot=ballot, **arguments)
        codes = {error.code for error in refused.value.error_list}
        assert code in codes, (arguments, codes)
    assert not Sample.objects.exists()


def test_a_frame_outside_the_users_scope_cannot_be_drawn_from(city, ballot):
    frame_b = make_frame(city.district_b, {"乙": 10})
    with pytest.raises(ValidationError):
        sampling.draw_sample(ballot=ballot, frame=frame_b, actor=city.secretary_a, sizes={"乙": 1})
    # The city's office sees both, so it may draw from district B's list for district A's ballot.
    sampling.draw_sample(ballot=ballot, frame=frame_b, actor=city.office, sizes={"乙": 1})


# --- issuing -------------------------------------------------------------------------------------------------------


def tokens_by_stratum(ballot, **filters) -> dict[str, int]:
    counts: dict[str, int] = {}
    for stratum in Token.objects.filter(ballot=ballot, **filters).values_list("stratum", flat=True):
        counts[stratum] = counts.get(stratum, 0) + 1
    return counts


def test_links_issue_exactly_each_strata_size_and_only_once(city, ballot, sms):
    frame = make_frame(city.district_a, {"甲": 20, "乙": 10})
    sample = sampling.draw_sample(ballot=ballot, frame=frame, actor=None, sizes={"甲": 6, "乙": 4})
    sent, failed = sampling.issue_links(
        sample=sample, actor=city.secretary_a, link_for=lambda code: f"https://x/{code}"
    )
    assert (sent, failed) == (10, 0) and len(sms) == 10
    assert tokens_by_stratum(ballot) == {"甲": 6, "乙": 4}
    assert set(Token.objects.filter(ballot=ballot).values_list("medium", "constituency")) == {
        (Medium.LINK, Constituency.PUBLIC)
    }
    drawn_phones = set(sampling.drawn_rows(sample).values_list("phone", flat=True))
    assert {phone for phone, _text in sms} == drawn_phones
    sample.refresh_from_db()
    assert sample.issued_as == Medium.LINK
    with pytest.raises(ValidationError):
        sampling.issue_links(sample=sample, actor=city.secretary_a, link_for=lambda code: code)
    assert Token.objects.filter(ballot=ballot).count() == 10


def test_a_link_that_cannot_be_sent_is_withdrawn(city, ballot, sms):
    frame = make_frame(city.district_a, {"甲": 3})
    FrameRow.objects.filter(frame=frame, number=2).update(phone="13900000999")
    sample = sampling.draw_sample(ballot=ballot, frame=frame, actor=None, sizes={"甲": 3})
    assert sampling.issue_links(sample=sample, actor=None, link_for=lambda code: code) == (2, 1)
    assert Token.objects.filter(ballot=ballot).count() == 3
    assert Token.objects.filter(ballot=ballot, void=True).count() == 1


def test_links_are_refused_when_a_drawn_row_has_no_phone(city, ballot, sms):
    frame = make_frame(city.district_a, {"甲": 5}, phones=False)
    sample = sampling.draw_sample(ballot=ballot, frame=frame, actor=None, sizes={"甲": 2})
    with pytest.raises(ValidationError) as refused:
        sampling.issue_links(sample=sample, actor=None, link_for=lambda code: code)
    assert refused.value.code == "no_phone"
    sample.refresh_from_db()
    assert sample.issued_as == "" and not Token.objects.exists() and not sms


def test_sheets_issue_exactly_each_strata_size(
    city, ballot, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    settings.DATA_DIR = tmp_path
    printed: dict[str, int] = {}

    def write_sheets(*, ballot, codes, constituency, stratum, base_url, path, progress=None):
        # The PDF itself is the sheets module's (and its tests'); here only what is printed for whom.
        printed[stratum] = printed.get(stratum, 0) + len(codes)
        path.write_bytes(b"%PDF-1.4")
        return len(codes)

    monkeypatch.setattr("vanguard.ballots.sheets.write_sheets", write_sheets)
    frame = make_frame(city.district_a, {"甲": 8, "乙": 5}, phones=False)
    sample = sampling.draw_sample(ballot=ballot, frame=frame, actor=None, sizes={"甲": 3, "乙": 2})
    with django_capture_on_commit_callbacks(execute=True):
        jobs = sampling.issue_sheets(sample=sample, actor=city.secretary_a, base_url="https://vote.example/")
    assert len(jobs) == 2
    assert tokens_by_stratum(ballot, medium=Medium.SHEET) == {"甲": 3, "乙": 2} == printed
    for job in jobs:
        job.refresh_from_db()
        assert job.status == "succeeded", job.error if hasattr(job, "error") else job.message
    with pytest.raises(ValidationError):
        sampling.issue_sheets(sample=sample, actor=city.secretary_a, base_url="https://vote.example/")


def read_workbook(content: bytes, tmp_path) -> list[list]:
    path = tmp_path / "list.xlsx"
    path.write_bytes(content)
    sheet = next(open_sheets(path))
    return [row.cells for row in sheet.rows]


def test_the_delivery_list_names_the_drawn_rows_per_stratum_and_no_code(client, city, ballot, sms, tmp_path):
    frame = make_frame(city.district_a, {"甲": 6, "乙": 6})
    FrameRow.objects.filter(frame=frame).update(address="解放碑")
    sample = sampling.draw_sample(ballot=ballot, frame=frame, actor=None, sizes={"甲": 2, "乙": 3})
    sampling.issue_links(sample=sample, actor=None, link_for=lambda code: code)
    codes = [text for _phone, text in sms]
    client.login(username=city.secretary_a.username, password=PASSWORD)
    response = client.get(reverse("ballots:sample_delivery", kwargs={"pk": sample.pk}))
    assert response.status_code == 200
    rows = read_workbook(response.content, tmp_path)
    assert rows[1][:5] == ["分层", "序号", "姓名", "地址", "联系电话"]
    body = rows[2:]
    names = set(sampling.drawn_rows(sample).values_list("name", flat=True))
    assert {row[2] for row in body} == names and len(body) == 5
    assert [row[0] for row in body] == ["乙", "乙", "乙", "甲", "甲"]
    flat = " ".join(str(cell) for row in rows for cell in row)
    assert not any(code.split()[-1] in flat for code in codes)
    assert not any(services.normalise_code(str(cell)) for row in rows for cell in row)


# --- pages ---------------------------------------------------------------------------------------------------------


def test_drawing_on_the_page_shows_the_seed(client, city, ballot):
    frame = make_frame(city.district_a, {"甲": 10, "乙": 5})
    client.login(username=city.secretary_a.username, password=PASSWORD)
    url = reverse("ballots:sample_new", kwargs={"pk": ballot.pk})
    page = client.get(url)
    assert page.status_code == 200 and "居民名单" in page.content.decode()
    chosen = f"{url}?frame={frame.pk}"
    page = client.get(chosen)
    assert "size_0" in page.content.decode() and "size_1" in page.content.decode()
    # Strata in code-point order: 乙 (U+4E59) before 甲 (U+7532).
    response = client.post(chosen, {"method": "sizes", "size_0": "2", "size_1": "4", "seed": "123456789"})
    sample = Sample.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("ballots:sample", kwargs={"pk": sample.pk})
    assert sample.sizes == {"乙": 2, "甲": 4} and sample.seed == 123456789
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="seed">123456789<' in page
    listed = client.get(url).content.decode()
    assert reverse("ballots:sample", kwargs={"pk": sample.pk}) in listed and "123456789" in listed


def test_proportional_on_the_page(client, city, ballot):
    frame = make_frame(city.district_a, {"甲": 30, "乙": 10})
    client.login(username=city.secretary_a.username, password=PASSWORD)
    url = reverse("ballots:sample_new", kwargs={"pk": ballot.pk}) + f"?frame={frame.pk}"
    response = client.post(url, {"method": "proportional", "total": "8", "use_0": "on", "use_1": "on"})
    assert response.status_code == 302
    assert Sample.objects.get().sizes == {"乙": 2, "甲": 6}


def test_a_size_too_large_on_the_page_stores_nothing(client, city, ballot):
    frame = make_frame(city.district_a, {"甲": 3})
    client.login(username=city.secretary_a.username, password=PASSWORD)
    url = reverse("ballots:sample_new", kwargs={"pk": ballot.pk}) + f"?frame={frame.pk}"
    response = client.post(url, {"method": "sizes", "size_0": "4"})
    assert response.status_code == 400 and not Sample.objects.exists()
    assert "甲" in response.content.decode()


def test_issuing_links_on_the_page(client, city, ballot, sms):
    frame = make_frame(city.district_a, {"甲": 5})
    sample = sampling.draw_sample(ballot=ballot, frame=frame, actor=None, sizes={"甲": 3})
    client.login(username=city.secretary_a.username, password=PASSWORD)
    response = client.post(reverse("ballots:sample_issue", kwargs={"pk": sample.pk}), {"medium": "link"})
    assert response.status_code == 302
    assert Token.objects.filter(ballot=ballot, medium=Medium.LINK).count() == 3
    assert all(f"/b/{ballot.public_id}/" in text for _phone, text in sms)


def test_samples_are_out_of_reach_outside_the_ballots_subtree(client, city, ballot, sms):
    frame = make_frame(city.district_a, {"甲": 5})
    sample = sampling.draw_sample(ballot=ballot, frame=frame, actor=None, sizes={"甲": 3})
    client.login(username=city.secretary_b.username, password=PASSWORD)
    for name in ("ballots:sample", "ballots:sample_delivery"):
        assert client.get(reverse(name, kwargs={"pk": sample.pk})).status_code == 404
    assert client.post(reverse("ballots:sample_issue", kwargs={"pk": sample.pk}), {"medium": "link"}).status_code == 404
    url = reverse("ballots:sample_new", kwargs={"pk": ballot.pk}) + f"?frame={frame.pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, {"method": "sizes", "size_0": "1"}).status_code == 404
    # A supervisor of the district sees the sample, but neither its delivery list nor the issuing.
    client.login(username=city.supervisor_a.username, password=PASSWORD)
    page = client.get(reverse("ballots:sample", kwargs={"pk": sample.pk}))
    assert page.status_code == 200 and 'data-testid="issue"' not in page.content.decode()
    assert client.get(reverse("ballots:sample_delivery", kwargs={"pk": sample.pk})).status_code == 404
    assert client.post(reverse("ballots:sample_issue", kwargs={"pk": sample.pk}), {"medium": "link"}).status_code == 404
    assert Sample.objects.count() == 1 and not Token.objects.exists() and not sms


def test_a_big_sample_is_texted_by_a_job_that_never_sends_twice(
    client, city, ballot, sms, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(sampling, "LINKS_IN_REQUEST", 2)
    frame = make_frame(city.district_a, {"甲": 6, "乙": 6})
    sample = sampling.draw_sample(ballot=ballot, frame=frame, actor=None, sizes={"甲": 3, "乙": 2})
    client.login(username=city.secretary_a.username, password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("ballots:sample_issue", kwargs={"pk": sample.pk}), {"medium": "link"})
    job = Job.objects.get(kind=sampling.LINKS_JOB_KIND)
    assert response.status_code == 302 and response["Location"] == reverse("core:job", kwargs={"pk": job.pk})
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result == {"sample": sample.pk, "sent": 5, "failed": 0}
    assert tokens_by_stratum(ballot, medium=Medium.LINK) == {"甲": 3, "乙": 2} and len(sms) == 5
    # Run again (a worker that died after sending, a job started again): the sample is claimed, nothing is sent.
    with pytest.raises(jobs.JobFailed):
        sampling.issue_links_job(job, lambda *args: None)
    assert len(sms) == 5 and Token.objects.filter(ballot=ballot).count() == 5
