"""Ballot jobs, run by vanguard.core.jobs: issuing codes printed as sheets or as a kiosk list.

The plaintext codes exist in one place only, the PDF the job writes: the
token table keeps their keyed hashes, and neither the job's parameters nor
its result name a code.  The file is kept for settings.VANGUARD_BALLOT_SHEETS_KEEP_HOURS
(24 by default) after it is written, or until its creator deletes it after
printing; then it is removed, and its codes live only on paper.

Issuing the tokens and writing the file are one step: the tokens are
inserted in a transaction that commits only once the file is complete, so a
worker that dies half way leaves neither tokens without a file nor a file
without tokens.  A job run again after its worker died (core.jobs leases)
finds the finished file by its marker and does not issue a second batch.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.ballots import services, sheets
from vanguard.ballots.models import Ballot, Medium, Status, Token
from vanguard.core import jobs
from vanguard.core.models import Job

logger = logging.getLogger(__name__)

KIND = "ballots.sheets"
SHEETS, KIOSK = "sheets", "kiosk"
MEDIUM = {SHEETS: Medium.SHEET, KIOSK: Medium.KIOSK}
# A sheet is a page: beyond this a print shop wants several files anyway, and the job stays within minutes.
MAX_SHEETS = 5_000
MAX_KIOSK_CODES = 100_000
DEFAULT_KEEP_HOURS = 24


def keep_hours() -> float:
    return float(getattr(settings, "VANGUARD_BALLOT_SHEETS_KEEP_HOURS", DEFAULT_KEEP_HOURS))


def directory() -> Path:
    path = Path(settings.DATA_DIR) / "ballot-sheets"
    path.mkdir(parents=True, exist_ok=True)
    return path


def output_path(job_id: int) -> Path:
    return directory() / f"job-{int(job_id)}.pdf"


def _marker(path: Path) -> Path:
    return path.with_suffix(".json")


def file_of(job: Job) -> Path | None:
    """The job's PDF if it still exists and has not outlived the retention period (else removed now)."""
    path = output_path(job.pk)
    if not path.exists():
        return None
    if time.time() - path.stat().st_mtime > keep_hours() * 3600:
        discard(job)
        return None
    return path


def expires_at(job: Job) -> datetime.datetime | None:
    path = output_path(job.pk)
    if not path.exists():
        return None
    written = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC)
    return written + datetime.timedelta(hours=keep_hours())


def discard(job: Job) -> None:
    path = output_path(job.pk)
    path.unlink(missing_ok=True)
    _marker(path).unlink(missing_ok=True)


def purge_expired() -> int:
    """Remove every sheet file past its retention (run by each new sheets job and each issuing page)."""
    limit = time.time() - keep_hours() * 3600
    removed = 0
    for path in directory().glob("job-*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
                removed += 1
        except FileNotFoundError:  # removed by another process meanwhile
            continue
    return removed


def _finished(path: Path) -> dict | None:
    """The result of an earlier attempt of this job whose tokens committed, if its file is there."""
    marker = _marker(path)
    if not (path.exists() and marker.exists()):
        return None
    result = json.loads(marker.read_text())
    if Token.objects.filter(code_hash=result.pop("first_hash", "")).exists():
        return result
    # The file was written but its transaction never committed: its codes vote nowhere.
    path.unlink(missing_ok=True)
    marker.unlink(missing_ok=True)
    return None


@jobs.register(KIND, title=gettext_lazy("Print ballot codes"), result_template="ballots/sheets/_job_result.html")
def issue_sheets_job(job: Job, progress) -> dict:
    params = job.params
    ballot = Ballot.objects.select_related("organisation").filter(pk=params.get("ballot")).first()
    if ballot is None:
        raise jobs.JobFailed(_("The ballot no longer exists."))
    purge_expired()
    try:
        sheets.font_path()
    except ImproperlyConfigured as exc:
        logger.error("%s", exc)
        raise jobs.JobFailed(_("The font for printed ballots is missing on the server (VANGUARD_PDF_FONT).")) from None
    path = output_path(job.pk)
    done = _finished(path)
    if done is not None:
        return done
    form, count = params["format"], int(params["count"])
    constituency, stratum = params["constituency"], params.get("stratum", "")
    partial = path.with_suffix(".part")
    progress(0, count, _("Issuing codes"))
    try:
        with transaction.atomic():
            codes = services.issue_tokens(
                ballot=ballot,
                actor=job.created_by,
                count=count,
                medium=MEDIUM[form],
                constituency=constituency,
                stratum=stratum,
            )
            write = sheets.write_sheets if form == SHEETS else sheets.write_kiosk_list
            pages = write(
                ballot=ballot,
                codes=codes,
                constituency=constituency,
                stratum=stratum,
                base_url=params["base_url"],
                path=partial,
                progress=progress,
            )
            result = {
                "ballot": ballot.pk,
                "format": form,
                "count": count,
                "pages": pages,
                "constituency": constituency,
                "stratum": stratum,
            }
            os.replace(partial, path)
            _marker(path).write_text(json.dumps({**result, "first_hash": services.code_hash(codes[0])}))
    except ValidationError as exc:
        raise jobs.JobFailed(" ".join(exc.messages)) from None
    finally:
        partial.unlink(missing_ok=True)
    progress(count, count, _("Done."))
    return result


def start_issuing(
    *, ballot: Ballot, actor, format: str, count: int, constituency: str, stratum: str = "", base_url: str
) -> Job:
    """Queue the job that issues `count` codes of `ballot` and prints them; the service checks who may."""
    # The job checks all of this again when it runs; checked here too so that the form, not the job, says no.
    if not can_at_path(actor, Action.CHANGE, ballot.org_path):
        raise ValidationError(_("You may not do this for this organisation."), code="forbidden")
    if ballot.status == Status.CLOSED:
        raise ValidationError(_("The ballot is closed."), code="closed")
    if constituency not in ballot.constituencies:
        raise ValidationError(_("This ballot is not put to that constituency."), code="constituency")
    if format not in MEDIUM:
        raise ValidationError(_("Unknown medium."), code="medium")
    limit = MAX_SHEETS if format == SHEETS else MAX_KIOSK_CODES
    if not 1 <= count <= limit:
        raise ValidationError(_("Print between 1 and %(limit)d codes at a time.") % {"limit": limit}, code="count")
    params = {
        "ballot": ballot.pk,
        "format": format,
        "count": int(count),
        "constituency": constituency,
        "stratum": stratum,
        "base_url": base_url,
    }
    return jobs.start(kind=KIND, params=params, user=actor, organisation=ballot.organisation)
