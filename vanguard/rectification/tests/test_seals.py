"""verify_audit names a case or register row changed, inserted or deleted by direct SQL."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from vanguard.core import audit
from vanguard.rectification.models import Case, Outcome, Registration, Stage
from vanguard.rectification.tests.casework import reach

pytestmark = pytest.mark.tampers_audit


def sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def verify_fails(*expected: str) -> str:
    problems = "\n".join(audit.run_checks())
    for part in expected:
        assert part in problems, problems
    with pytest.raises(CommandError, match="rows disagree"):
        call_command("verify_audit")
    return problems


def test_untouched_cases_verify(city):
    reach(city, Stage.REMOVED)
    assert audit.run_checks() == []


def test_verify_audit_detects_a_case_decision_changed_by_sql(city):
    case = reach(city, Stage.REMOVED)
    sql(f"UPDATE {Case._meta.db_table} SET outcome = %s WHERE id = %s", [Outcome.REGISTERED, case.pk])
    verify_fails(f"rectification.case #{case.pk}: outcome is 'registered' in the table but 'removal'")


def test_detects_a_stage_changed_by_sql(city):
    case = reach(city, Stage.HEARING)
    sql(f"UPDATE {Case._meta.db_table} SET stage = %s WHERE id = %s", [Stage.TRANSFORMED, case.pk])
    verify_fails(f"rectification.case #{case.pk}: stage is 'transformed' in the table but 'hearing'")


def test_detects_a_case_deleted_by_sql(city):
    case = reach(city, Stage.OPENED)
    sql(f"UPDATE {Registration._meta.db_table} SET case_id = NULL WHERE case_id = %s", [case.pk])
    Registration.objects.filter(case_id=case.pk).delete()
    sql(f"DELETE FROM {Case._meta.db_table} WHERE id = %s", [case.pk])
    verify_fails(f"rectification.case #{case.pk}: the trail records it")


def test_detects_a_case_inserted_by_sql(city):
    Case.objects.bulk_create(
        [
            Case(
                member=city.member_a,
                organisation=city.branch_a,
                org_path=city.branch_a.path,
                year=2026,
                opened_reason="x",
            )
        ]
    )
    inserted = Case.objects.get()
    verify_fails(f"rectification.case #{inserted.pk}: no entry in the trail records it")


def test_detects_a_register_row_changed_by_sql(city):
    case = reach(city, Stage.REMOVED)
    row = Registration.objects.get(case=case)
    sql(f"UPDATE {Registration._meta.db_table} SET status = %s WHERE id = %s", ["registered", row.pk])
    verify_fails(f"rectification.registration #{row.pk}: status is 'registered' in the table but 'not_registered'")
