"""Typical examples, lecture groups, talks, classes and trainees inside district B, for the permission walk
(core/tests/test_permission_walk.py)."""

from __future__ import annotations

from vanguard.exemplars.models import Exemplar, LectureGroup, Talk, Trainee, TrainingClass
from vanguard.exemplars.tests import factories


def sibling_objects(city) -> dict:
    example = factories.example(city.member_b, selected_by=city.district_b)
    group = factories.group(city.district_b, name="乙区宣讲团")
    talk = factories.talk(group, city.member_b, at=city.branch_b)
    training = factories.training_class(city.district_b, title="乙区骨干培训班")
    trainee = factories.trainee(training, city.member_b)
    return {Exemplar: example, LectureGroup: group, Talk: talk, TrainingClass: training, Trainee: trainee}
