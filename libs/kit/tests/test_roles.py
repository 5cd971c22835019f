"""The role matrix as docs/roles.md states it."""

from __future__ import annotations

import pytest
from vitrine_kit.roles import MATRIX, Capability, CapabilityMissing, Role, allows, check, may_change_anything


@pytest.mark.unit
class TestMatrix:
    def test_the_owner_may_do_everything_and_only_the_owner_touches_owners(self) -> None:
        assert MATRIX[Role.OWNER] == frozenset(Capability)
        assert MATRIX[Role.ADMIN] == frozenset(Capability) - {Capability.TEAM_OWNERS}

    def test_members_work_on_the_catalog_but_neither_delete_export_connect_pay_nor_manage(self) -> None:
        for capability in (
            Capability.CATALOG_WRITE,
            Capability.LISTINGS_PUBLISH,
            Capability.AI_ANALYSE,
            Capability.PLUGIN_PAIR,
        ):
            assert allows(["member"], capability)
        for capability in (
            Capability.CATALOG_DELETE,
            Capability.CATALOG_EXPORT,
            Capability.MARKETPLACES_CONNECT,
            Capability.BILLING_MANAGE,
            Capability.TEAM_MANAGE,
            Capability.AUDIT_READ,
            Capability.PLUGIN_MANAGE,
        ):
            assert not allows(["member"], capability)

    def test_a_viewer_only_reads(self) -> None:
        assert all(c.value.endswith(".read") for c in MATRIX[Role.VIEWER])
        assert not may_change_anything(["viewer"])
        assert may_change_anything(["member"])

    def test_unknown_roles_allow_nothing(self) -> None:
        assert not allows(["superuser"], Capability.CATALOG_READ)
        with pytest.raises(CapabilityMissing):
            check([], Capability.CATALOG_READ)
