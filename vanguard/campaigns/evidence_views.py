"""The file of a piece of evidence (the document kind), served to whoever may see the unit's step records.

Never a public media URL: the file is read through Django's storage here,
after the unit is checked against the user's scope.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import path

from vanguard.accounts.scoping import Action, restrict
from vanguard.campaigns.models import Evidence, Unit
from vanguard.core.views import scoped_view


def visible_evidence(user):
    """Evidence of the units the user may see (roles, and supervision groups' assigned units)."""
    units = restrict(Unit.objects.all(), user, Action.VIEW).values("pk")
    return Evidence.objects.filter(record__unit__in=units)


@scoped_view(Evidence)
def evidence_file(request: HttpRequest, pk: int) -> FileResponse:
    piece = get_object_or_404(visible_evidence(request.user).exclude(file=""), pk=pk)
    try:
        handle = piece.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    name = (piece.data or {}).get("name") or piece.file.name.rsplit("/", 1)[-1]
    return FileResponse(handle, as_attachment=True, filename=name)


urlpatterns = [path("evidence/<id:pk>/file/", evidence_file, name="evidence_file")]
