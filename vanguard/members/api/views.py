"""Members over REST: the same scoping, filters and services as the pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework import mixins, viewsets
from rest_framework.exceptions import PermissionDenied

from vanguard.accounts.scoping import Action, can_at_path
from vanguard.core.api import ScopedViewSetMixin
from vanguard.core.pagination import IdsFirstPagination
from vanguard.members import selectors, services
from vanguard.members.api.serializers import MemberSerializer
from vanguard.members.filters import MemberFilter
from vanguard.members.models import Member


class MemberViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Members within the caller's subtrees; created and changed through the member services."""

    queryset = Member.objects.select_related("organisation").order_by("pk")
    serializer_class = MemberSerializer
    filterset_class = MemberFilter
    pagination_class = IdsFirstPagination

    def get_queryset(self):
        if self.action != "list":
            return super().get_queryset()
        # The same rows as restrict() gives, written with constants (selectors.ListScope).
        self.list_scope = selectors.list_scope(self.request.user)
        return (
            selectors.list_members(self.request.user, self.list_scope)
            .select_related(None)
            .select_related("organisation")
            .order_by("pk")
        )

    def exact_count(self) -> int | None:
        """The list's count from the member tallies when its filters allow (IdsFirstPagination asks)."""
        filterset = MemberFilter(self.request.query_params, queryset=Member.objects.none(), request=self.request)
        if not filterset.is_valid():
            return None
        return selectors.list_count(self.request.user, filterset.form.cleaned_data, getattr(self, "list_scope", None))

    # A service's ValidationError reaches core.api.exception_handler, which answers it with a 400.
    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        organisation = data.pop("organisation")
        if not can_at_path(self.request.user, Action.CHANGE, organisation.path):
            raise PermissionDenied()
        id_number = data.pop("id_number", "")
        serializer.instance = services.create_member(
            organisation=organisation, fields=data, id_number=id_number, actor=self.request.user
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        organisation = data.pop("organisation", None)
        if organisation is not None and organisation.pk != serializer.instance.organisation_id:
            raise ValidationError({"organisation": [_("Use a relation transfer to move a member.")]})
        id_number = data.pop("id_number", None)
        serializer.instance = services.update_member(
            member=serializer.instance, fields=data, id_number=id_number or None, actor=self.request.user
        )
