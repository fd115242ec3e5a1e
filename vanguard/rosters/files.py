"""Where uploaded rosters and generated workbooks live on disk (settings.DATA_DIR)."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

ACCEPTED_SUFFIXES = {".xlsx", ".xls", ".ods", ".csv", ".txt"}


def directory(kind: str) -> Path:
    path = Path(settings.DATA_DIR) / kind
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_upload(upload: UploadedFile) -> str:
    """Store an uploaded file under a random name; returns that name (never the user's path)."""
    suffix = Path(upload.name or "").suffix.lower()
    name = f"{uuid.uuid4().hex}{suffix if suffix in ACCEPTED_SUFFIXES else ''}"
    with (directory("uploads") / name).open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return name


def upload_path(name: str) -> Path:
    # Names are ours (hex + suffix); refuse anything else so a tampered job row cannot point elsewhere.
    if Path(name).name != name or not name:
        raise ValueError(name)
    return directory("uploads") / name


def output_path(job_id: int, label: str) -> Path:
    return directory("outputs") / f"job-{job_id}-{label}.xlsx"
