"""Importing rosters (花名册): a dry run that names every problem, and an all-or-nothing commit.

The public interface, for views, tasks, commands, the other import lanes
(`rosters.columnar`, `rosters.parallel`) and the benchmark:

- `import_members`, `import_organisations`: read a file into an
  organisation's subtree, as a dry run or a commit; they return an
  `ImportReport` (with `Problem`s and `Change`s) and raise nothing for bad
  content.  `iter_problem_rows` groups a report's problems by row.
- `MemberImport`, its base `RosterImport` and `Candidate`: the row-wise member
  import that the faster lanes drive through its public methods.

Modules: `report` (what an import found), `reading` (the row-by-row reading
both imports share, and the transaction), `member_import`,
`organisation_import`.  Tunables such as `member_import.BULK_LOAD_MIN_ROWS`
stay in their modules.  Exports (writing rosters) live in `rosters.workbooks`.
"""

from vanguard.rosters.services.member_import import Candidate, MemberImport, import_members
from vanguard.rosters.services.organisation_import import import_organisations
from vanguard.rosters.services.reading import BATCH_SIZE, RosterImport
from vanguard.rosters.services.report import KEEP_PROBLEMS, Change, ImportReport, Problem, iter_problem_rows

__all__ = [
    "BATCH_SIZE",
    "KEEP_PROBLEMS",
    "Candidate",
    "Change",
    "ImportReport",
    "MemberImport",
    "Problem",
    "RosterImport",
    "import_members",
    "import_organisations",
    "iter_problem_rows",
]
