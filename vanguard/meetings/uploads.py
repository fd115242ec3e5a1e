"""What may be uploaded as a meeting file or a piece of evidence: the type (by name and by content) and the size.

The name alone is a claim: a renamed executable called 会议记录.pdf is refused
because its first bytes are not a PDF's.  Shared by meetings and the document
evidence kind of campaigns, so both refuse the same files with the same words.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

DEFAULT_TYPES = ("pdf", "doc", "docx", "xls", "xlsx", "jpg", "jpeg", "png", "txt")

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy Office (.doc, .xls)
_ZIP = b"PK\x03\x04"  # Office Open XML (.docx, .xlsx)
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "doc": (_OLE,),
    "xls": (_OLE,),
    "docx": (_ZIP,),
    "xlsx": (_ZIP,),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}


def max_mb() -> int:
    return int(getattr(settings, "VANGUARD_UPLOAD_MAX_MB", 20))


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def unknown_types(types: Iterable[str]) -> list[str]:
    """The types a template names that no upload check knows (so it could never be met)."""
    return [t for t in types if str(t).lower().lstrip(".") not in DEFAULT_TYPES]


def _content_matches(upload: UploadedFile, ext: str) -> bool:
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if ext == "txt":
        return b"\x00" not in head and _decodes(head, complete=len(head) < 2048)
    return head.startswith(SIGNATURES[ext])


def _decodes(head: bytes, *, complete: bool) -> bool:
    """Text in UTF-8 or GB18030 (what Chinese Windows saves); a sample may end inside a multi-byte character."""
    cuts = (0,) if complete else (0, 1, 2, 3)
    for encoding in ("utf-8", "gb18030"):
        for cut in cuts:
            try:
                head[: len(head) - cut].decode(encoding)
            except UnicodeDecodeError:
                continue
            return True
    return False


def check_upload(upload: UploadedFile, *, types: Iterable[str] | None = None, limit_mb: int | None = None) -> None:
    """Refuse a file of another type than `types` (by name and content) or larger than `limit_mb` megabytes."""
    allowed = [t.lower().lstrip(".") for t in (types or DEFAULT_TYPES)]
    if "jpg" in allowed and "jpeg" not in allowed:
        allowed.append("jpeg")
    limit = limit_mb or max_mb()
    ext = extension(upload.name or "")
    if ext not in allowed or ext not in DEFAULT_TYPES:
        raise ValidationError(
            _("“%(name)s” is not an allowed type; allowed: %(types)s.")
            % {"name": upload.name, "types": ", ".join(t for t in allowed if t != "jpeg")},
            code="file_type",
        )
    if upload.size > limit * 1024 * 1024:
        raise ValidationError(
            _("“%(name)s” is %(size)s; the most allowed is %(limit)s MB.")
            % {"name": upload.name, "size": filesizeformat(upload.size), "limit": limit},
            code="file_size",
        )
    if not _content_matches(upload, ext):
        raise ValidationError(
            _("“%(name)s” does not look like a .%(ext)s file.") % {"name": upload.name, "ext": ext},
            code="file_content",
        )
