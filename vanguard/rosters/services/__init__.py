"""Importing rosters (花名册); split into modules next."""

from vanguard.rosters.services.member_import import (  # noqa: F401
    BATCH_SIZE,
    BULK_LOAD_MIN_ROWS,
    KEEP_PROBLEMS,
    Change,
    ImportReport,
    Problem,
    _Candidate,
    _MemberImport,
    _RosterImport,
    import_members,
    import_organisations,
    iter_problem_rows,
)
