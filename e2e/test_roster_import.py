"""A district secretary imports a roster in a real browser, with a real background worker.

Upload a roster with two bad rows → the dry run lists exactly those rows and offers no commit → download the
file with the problems marked → upload the fixed file → commit → watch the import go from queued to running to
done → the new members are in the list.

The jobs go through the db runner (django-tasks' DatabaseBackend) and the real `db_worker` worker, run in a
thread of the test process. The test decides when the worker picks up the queued jobs, and can hold a job just
after the worker has marked it running, so the job page is seen in each state and its htmx polling, not a
reload, brings in the next one; nothing waits a fixed time.

On SQLite the test database is an in-memory database; the worker thread then uses the connection that the
live server's threads share (as pytest-django does for the server itself), because a second connection to a
shared-cache in-memory database fails with "database table is locked" whenever the two overlap. That is safe
here because the browser only polls (reads) while the worker runs, and the test reads the database only when
the worker is idle. On PostgreSQL the worker has its own connection, as a real one would.
"""

from __future__ import annotations

import queue
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import Page, expect
from python_calamine import CalamineWorkbook

from conftest import PASSWORD
from vanguard.core import jobs
from vanguard.members.models import Member
from vanguard.rosters.tests import make_fixtures

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_NAME = "甲街道党工委党员花名册.xlsx"  # the secretary's own name for the file, in both uploads
# Two of make_fixtures.BAD_ROWS, each with one bad cell: row → the column letter the dry run must name.
BAD_ROWS = {9: make_fixtures.LETTERS["id_number"], 14: make_fixtures.LETTERS["joined_on"]}
FIXED_FILE = make_fixtures.FIXTURES / "roster-fixed.xlsx"  # the same roster, fixed and saved by LibreOffice
WAIT_S = 10  # the longest any one step may take (the same as the page fixture's timeout)


def roster_with_two_bad_rows(path: Path) -> bytes:
    """The fixtures' roster (title, 填报单位 row, header on row 3, 21 members, 合计 row) with only BAD_ROWS wrong."""
    fixed, bad = make_fixtures.roster(fixed=True), make_fixtures.roster(fixed=False)
    rows = [b if b.row in BAD_ROWS else f for f, b in zip(fixed, bad, strict=True)]
    return make_fixtures.write_xlsx(path, rows).read_bytes()


class SteppedWorker:
    """`manage.py db_worker --batch` in a thread, run each time the test calls `run_queued()`.

    With `run_queued(hold=True)` the job stops just after the worker has marked it running, until `resume()`.
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        from django_tasks_db.management.commands import db_worker

        # db_worker installs signal handlers, which only the main thread may do; this worker is stopped by stop().
        monkeypatch.setattr(db_worker.Worker, "configure_signals", lambda self: None)
        run = jobs._run
        monkeypatch.setattr(jobs, "_run", lambda job: (self._pause(), run(job)))
        self.error: BaseException | None = None
        self.running = threading.Event()  # the held job has been marked running
        self.idle = threading.Event()  # no batch is running
        self.idle.set()
        self._resume = threading.Event()
        self._hold = False
        self._batches: queue.Queue[bool] = queue.Queue()
        connection = connections["default"]
        self._shared = connection if connection.vendor == "sqlite" and connection.is_in_memory_db() else None
        if self._shared is not None:
            self._shared.inc_thread_sharing()
        self._thread = threading.Thread(target=self._main, name="e2e-db-worker", daemon=True)
        self._thread.start()

    def run_queued(self, *, hold: bool = False) -> None:
        """Let the worker run every queued job (returns at once: the browser watches them run)."""
        assert self.idle.is_set(), "the worker is still busy with the previous batch"
        self.idle.clear()
        self.running.clear()
        self._resume.clear()
        self._hold = hold
        self._batches.put(True)

    def resume(self) -> None:
        self._resume.set()

    def wait_idle(self) -> None:
        assert self.idle.wait(WAIT_S), "the worker did not finish its jobs"
        assert self.error is None, f"the worker thread failed: {self.error!r}"

    def stop(self) -> None:
        self._resume.set()
        self._batches.put(False)
        self._thread.join(WAIT_S)
        if self._shared is not None:
            self._shared.dec_thread_sharing()
        assert not self._thread.is_alive(), "the worker thread did not stop"
        assert self.error is None, f"the worker thread failed: {self.error!r}"

    def _pause(self) -> None:
        if self._hold:
            self._hold = False
            self.running.set()
            self._resume.wait(WAIT_S)

    def _main(self) -> None:
        from django.core.management import call_command

        if self._shared is not None:
            connections["default"] = self._shared
        try:
            while self._batches.get():
                try:
                    call_command("db_worker", batch=True, startup_delay=False, interval=0, reload=False, verbosity=0)
                except Exception as exc:  # noqa: BLE001 - the test raises it, from wait_idle() or stop()
                    self.error = exc
                finally:
                    self.idle.set()
        finally:
            if self._shared is None:
                connections.close_all()


@pytest.fixture
def worker(settings, monkeypatch, tmp_path, live_server) -> Iterator[SteppedWorker]:
    settings.VANGUARD_TASKS = "db"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.DATA_DIR = tmp_path / "data"
    stepped = SteppedWorker(monkeypatch)
    yield stepped
    stepped.stop()


def job_progress(page: Page):
    return page.get_by_test_id("job-progress")


def expect_waiting_for_worker(page: Page) -> None:
    """The job page of a queued job, polling for news."""
    expect(page).to_have_url(re.compile(r"/jobs/\d+/$"))
    expect(job_progress(page)).to_have_attribute("data-status", "queued")
    expect(job_progress(page)).to_have_attribute("hx-trigger", re.compile(r"every"))
    page.evaluate("window.notReloaded = true")  # gone if the page were reloaded instead of updated in place


def expect_updated_in_place(page: Page, polls: list[str]) -> None:
    assert page.evaluate("window.notReloaded === true"), "the job page was reloaded, not updated by its polling"
    assert polls, "the job page never polled its progress"
    expect(job_progress(page)).not_to_have_attribute("hx-trigger", re.compile(r"."))  # the polling has stopped


def test_district_secretary_imports_a_roster(live_server, page: Page, city, shot, worker, tmp_path):
    url = live_server.url
    committee = city.committee_a
    members_before = Member.objects.count()
    names = [person.expected["name"] for person in make_fixtures.roster(fixed=True)]
    assert not Member.objects.filter(name__in=names).exists()
    polls: list[str] = []
    page.on("request", lambda request: "/progress/" in request.url and polls.append(request.url))

    # 1. Sign in and open 甲街道党工委's page; its "Import roster" link leads to the upload form.
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", city.secretary_a.username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{url}/orgs/")
    page.goto(f"{url}/orgs/{committee.pk}/")
    page.locator(f'a[href$="/rosters/{committee.pk}/import/"]').click()
    expect(page).to_have_url(f"{url}/rosters/{committee.pk}/import/")
    upload_form = page.locator('main form[enctype="multipart/form-data"]')
    expect(upload_form.locator('input[name="what"][value="members"]')).to_be_checked()

    # 2. Upload the roster with two bad rows: the dry run waits in the queue until the worker takes it.
    bad_roster = roster_with_two_bad_rows(tmp_path / "bad.xlsx")
    upload_form.locator('input[type="file"][name="file"]').set_input_files(
        {"name": FILE_NAME, "mimeType": XLSX, "buffer": bad_roster}
    )
    shot(page, "roster-upload")
    upload_form.locator("button[type=submit]").click()
    expect_waiting_for_worker(page)
    shot(page, "roster-check-queued")

    # 3. The worker runs the dry run; the page's polling brings in the problems: exactly the two bad rows.
    polls.clear()
    worker.run_queued()
    expect(job_progress(page)).to_have_attribute("data-status", "succeeded")
    worker.wait_idle()
    expect_updated_in_place(page, polls)
    expect(page.get_by_test_id("count-problems")).to_have_text("2")
    expect(page.get_by_test_id("count-created")).to_have_text(str(len(names) - len(BAD_ROWS)))
    problem_rows = page.get_by_test_id("problem-table").locator("tbody tr")
    expect(problem_rows).to_have_count(len(BAD_ROWS))
    for index, (row, letter) in enumerate(BAD_ROWS.items()):
        expect(problem_rows.nth(index).locator("td").nth(0)).to_have_text(str(row))
        expect(problem_rows.nth(index).locator("td").nth(1)).to_have_text(re.compile(rf"^{letter}\b"))
    expect(page.get_by_test_id("commit")).to_have_count(0)
    shot(page, "roster-problems", docs="roster-problems.png")
    assert Member.objects.count() == members_before  # a dry run writes nothing

    # 4. The file with the problems marked downloads as an .xlsx that lists the same two rows.
    with page.expect_download() as download_info:
        page.get_by_test_id("download-problems").click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == FILE_NAME.removesuffix(".xlsx") + "-problems.xlsx"
    marked = tmp_path / "problems.xlsx"
    download.save_as(marked)
    workbook = CalamineWorkbook.from_path(str(marked))
    assert len(workbook.sheet_names) == 2, workbook.sheet_names
    listing = workbook.get_sheet_by_index(1).to_python(skip_empty_area=False)
    assert [int(line[0]) for line in listing[1:]] == list(BAD_ROWS), listing
    roster_sheet = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
    assert roster_sheet[make_fixtures.HEADER_ROW - 1][2] == "姓 名"  # the upload again, in its own layout
    noted = [number for number, line in enumerate(roster_sheet, start=1) if line[-1] and number > 3]
    assert noted == list(BAD_ROWS), noted  # and each bad row has its note in the last column

    # 5. Upload the fixed file (from the problem list's own link): 21 to create, no problems, a commit button.
    page.locator(f'a[href$="/rosters/{committee.pk}/import/"]').click()
    expect(page).to_have_url(f"{url}/rosters/{committee.pk}/import/")
    page.locator('input[type="file"][name="file"]').set_input_files(
        {"name": FILE_NAME, "mimeType": XLSX, "buffer": FIXED_FILE.read_bytes()}
    )
    page.locator('main form[enctype="multipart/form-data"] button[type=submit]').click()
    expect_waiting_for_worker(page)
    polls.clear()
    worker.run_queued()
    expect(job_progress(page)).to_have_attribute("data-status", "succeeded")
    worker.wait_idle()
    expect_updated_in_place(page, polls)
    expect(page.get_by_test_id("count-created")).to_have_text(str(len(names)))
    expect(page.get_by_test_id("count-problems")).to_have_text("0")
    expect(page.get_by_test_id("problem-table")).to_have_count(0)
    expect(page.get_by_test_id("commit")).to_be_visible()
    shot(page, "roster-fixed-checked")

    # 6. Commit: the import is queued, then running (held there by the test), then done, all on one page.
    check_url = page.url
    page.get_by_test_id("commit").click()
    expect(page).not_to_have_url(check_url)
    expect_waiting_for_worker(page)
    shot(page, "roster-import-queued")
    polls.clear()
    worker.run_queued(hold=True)
    assert worker.running.wait(WAIT_S), "the worker did not start the import"
    expect(job_progress(page)).to_have_attribute("data-status", "running")
    expect(page.get_by_test_id("import-done")).to_have_count(0)
    shot(page, "roster-import-running")
    worker.resume()
    expect(page.get_by_test_id("import-done")).to_be_visible()
    expect(job_progress(page)).to_have_attribute("data-status", "succeeded")
    worker.wait_idle()
    expect_updated_in_place(page, polls)
    expect(page.get_by_test_id("import-done")).to_contain_text(str(len(names)))
    shot(page, "roster-imported", docs="roster-imported.png")

    # 7. "See the members" lists the committee's subtree: every imported name, and 张甲 who was there before.
    page.locator(f'a[href$="/members/?organisation={committee.pk}"]').click()
    expect(page).to_have_url(re.compile(rf"/members/\?organisation={committee.pk}$"))
    table = page.get_by_test_id("member-table")
    expect(table.locator("tbody tr")).to_have_count(len(names) + 1)
    for name in [*names, city.member_a.name]:
        expect(table.get_by_role("link", name=name, exact=True)).to_be_visible()
    shot(page, "roster-members")
    assert Member.objects.count() == members_before + len(names)
    assert Member.objects.filter(organisation=city.branch_a, name__in=names).count() == len(
        make_fixtures.BRANCH_ONE_ROWS
    )
    assert Member.objects.filter(organisation=city.branch_a2, name__in=names).count() == len(
        make_fixtures.BRANCH_TWO_ROWS
    )
