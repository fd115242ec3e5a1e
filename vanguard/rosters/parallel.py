"""Reading a big roster on two cores: a forked child checks the second part of the sheet.

Python runs one thread at a time, and checking a member row (ID number,
dates, hashing, encryption, the COPY line) costs tens of microseconds: a
million-row roster is a minute of it on one core.  Once calamine has loaded
the sheet, the process forks, so both processes hold the loaded sheet without
reading the file twice.  The parent parses and settles the rows up to the
split as before, writing them to the database; the child parses the rest,
hashes and encrypts them and formats their rows, writing each batch to a
temporary file.  The parent then settles the child's batches in row order
(database lookups, duplicates within the file, writing), so the outcome is
the one a single process gives: the same problems, rows and order.

The child never touches the database: its connection's socket is the
parent's.  The organisations it may need are loaded before the fork, and it
leaves with os._exit, so no finaliser of the parent's objects runs twice.
Only a single-threaded process forks (the task worker, Celery's pool
processes, the management command): a lock held by another thread at the
fork would stay locked in the child for ever.  Elsewhere, and for CSV files
(read from an open file, whose offset the child would share), one process
reads everything.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import tempfile
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from vanguard.core.spreadsheets import SheetRow, SpreadsheetError

MIN_ROWS = 50_000  # below this the fork and the hand-over cost more than they save
CHILD_SHARE = 0.5  # of the rows after the header (0.6 measured slower: the child became the longer half)


def worthwhile(total_rows: int) -> bool:
    return total_rows >= MIN_ROWS and hasattr(os, "fork") and (os.cpu_count() or 1) >= 2 and single_threaded()


def single_threaded() -> bool:
    return threading.active_count() == 1


def split_row(first_row: int, total_rows: int) -> int:
    """The last row the parent reads itself."""
    return first_row + int((total_rows - first_row) * (1 - CHILD_SHARE))


def until(rows: Iterable[SheetRow], last: int) -> Iterator[SheetRow]:
    for row in rows:
        if row.number > last:
            return
        yield row


class ParallelReadError(RuntimeError):
    """The child reading the second part of the sheet failed; the import is rolled back."""


class ForkedWork(Protocol):
    """What a ForkedReader runs in the child (the member import, the column-wise lane's hashing helper)."""

    def rows_after(self, last: int) -> Iterable[Any] | None:
        """The child's rows: a cheaper way to them than skipping the parent's one by one, or None."""

    def child_batches(self, rows: Iterable[Any], write: bool) -> Iterator[Any]:
        """Runs in the child: the rows worked through, in picklable batches, in row order."""

    def child_report(self) -> Any:
        """What the child found besides its batches (problems, counts); picklable."""


class ForkedReader:
    """`with ForkedReader(work, rows, last, write) as reader:` forks; the child reads rows after `last`.

    The child runs `work` (a ForkedWork): its `child_batches` over its rows,
    then `child_report`; the parent reads them from `results()`.  The child appends
    length-prefixed records to a temporary file; the parent reads them through
    a handle of its own as they arrive, so it settles the child's first
    batches while the child is still checking its last ones.
    """

    def __init__(self, work: ForkedWork, rows: Iterable[SheetRow], last: int, write: bool):
        fd, path = tempfile.mkstemp(prefix="vanguard-import-")
        self.reader = open(path, "rb", buffering=0)  # noqa: SIM115 - closed in __exit__
        os.unlink(path)  # both handles stay open; the data goes when they close
        self.status: int | None = None
        self.pid = os.fork()
        if self.pid == 0:
            self._child(fd, work, rows, last, write)  # never returns
        os.close(fd)

    def _child(self, fd: int, work: ForkedWork, rows: Iterable[SheetRow], last: int, write: bool) -> None:
        status = 0
        try:
            mine = work.rows_after(last) or (row for row in rows if row.number > last)
            for batch in work.child_batches(mine, write):
                _append(fd, ("batch", batch))
            _append(fd, ("report", work.child_report()))
        except SpreadsheetError as exc:
            _append(fd, ("unreadable", str(exc)))
        except BaseException:  # noqa: BLE001 - everything goes to the parent, which raises it
            with contextlib.suppress(BaseException):
                _append(fd, ("crash", traceback.format_exc()))
            status = 1
        finally:
            os._exit(status)

    def __enter__(self) -> ForkedReader:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.status is None:
            # The parent failed before collecting the child: stop it and reap it.
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.status = -1
        self.reader.close()

    def results(self) -> Iterator[tuple[str, Any]]:
        """The child's ("batch", …) records in row order as they come, then ("report", …)."""
        while (header := self._read(8)) is not None:
            kind, payload = pickle.loads(self._read(int.from_bytes(header, "big"), partial_is_error=True))
            if kind == "unreadable":
                raise SpreadsheetError(payload)
            if kind == "crash":
                raise ParallelReadError(f"reading the second part of the sheet failed:\n{payload}")
            yield kind, payload
        if self.status != 0:
            raise ParallelReadError(f"the reading process ended with status {self.status}")

    def _read(self, size: int, partial_is_error: bool = False) -> bytes | None:
        """`size` bytes, waiting for the child to write them; None at the end of what it wrote."""
        data = b""
        while len(data) < size:
            chunk = self.reader.read(size - len(data))
            if chunk:
                data += chunk
                continue
            if self.status is not None:  # the child has ended and everything it wrote is read
                if data or partial_is_error:
                    raise ParallelReadError("the reading process ended in the middle of a record")
                return None
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
            else:
                time.sleep(0.005)
        return data


def _append(fd: int, record: tuple[str, Any]) -> None:
    data = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(len(data).to_bytes(8, "big") + data)
    while view:
        view = view[os.write(fd, view) :]
