"""Ballot objects inside district B, for the permission walk (core/tests/test_permission_walk.py)."""

from __future__ import annotations

from vanguard.ballots.models import Ballot, Frame, FrameKind, FrameRow, Sample, SampleRow
from vanguard.ballots.tests.factories import ballot


def sibling_objects(city) -> dict:
    made = ballot(city.district_b, title="乙区满意度测评")
    frame = Frame.objects.create(
        organisation=city.district_b,
        org_path=city.district_b.path,
        name="乙区居民名单",
        kind=FrameKind.RESIDENTS,
        rows=1,
    )
    row = FrameRow.objects.create(frame=frame, number=2, name="乙区居民", stratum="乙一社区")
    sample = Sample.objects.create(ballot=made, frame=frame, seed=7, sizes={"乙一社区": 1}, size=1)
    SampleRow.objects.create(sample=sample, row=row)
    return {Ballot: made, Frame: frame, Sample: sample}
