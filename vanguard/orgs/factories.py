"""Factories for organisations: used by the tests and by seed_demo, so the two never drift apart."""

from __future__ import annotations

import factory

from vanguard.orgs import services
from vanguard.orgs.models import Kind, Organisation, Sector


class OrganisationFactory(factory.django.DjangoModelFactory):
    """Created through services.create_organisation, so paths are always right."""

    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"第{n}党支部")
    kind = Kind.BRANCH
    sector = Sector.COMMUNITY
    code = factory.Sequence(lambda n: f"{500000000000 + n:012d}")
    parent = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.create_organisation(**kwargs)
