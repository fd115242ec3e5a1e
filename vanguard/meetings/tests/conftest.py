import pytest
from django.core.files.uploadedfile import SimpleUploadedFile


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pdf(name: str = "minutes.pdf", size: int = 0) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n" + b"0" * max(size - 9, 0)
    return SimpleUploadedFile(name, body, content_type="application/pdf")
