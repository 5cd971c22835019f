from __future__ import annotations

import sqlalchemy as sa
from vitrine_kit.db.models import OutboxMessage


def field_errors(response) -> list[str]:
    return [e["field"] for e in response.json()["errors"]]


class TestUserProfile:
    async def test_read_and_change_name_and_language(self, flows) -> None:
        registered, tokens = await flows.new_user()
        auth = flows.bearer(tokens)
        profile = await flows.client.get("/me/profile", headers=auth)
        assert profile.json() == {"email": registered["email"], "name": None, "language": "en"}
        changed = await flows.client.patch(
            "/me/profile", json={"name": "  Camille  ", "language": "fr"}, headers=auth
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["name"] == "Camille"
        assert changed.json()["language"] == "fr"
        # A field left out keeps its value.
        again = await flows.client.patch("/me/profile", json={"name": "Cam"}, headers=auth)
        assert again.json() == {"email": registered["email"], "name": "Cam", "language": "fr"}

    async def test_a_new_language_is_announced_to_each_of_the_users_accounts(self, flows) -> None:
        owner, owner_tokens = await flows.new_user()
        guest, guest_tokens = await flows.invite_and_join(owner_tokens, "member")
        auth = flows.bearer(guest_tokens)
        assert (
            await flows.client.patch("/me/profile", json={"language": "de"}, headers=auth)
        ).status_code == 200
        # The same language again, or only the name: nothing to announce.
        await flows.client.patch("/me/profile", json={"language": "de", "name": "Jo"}, headers=auth)
        async with flows.runtime.db.session() as session:
            rows = (
                (
                    await session.execute(
                        sa.select(OutboxMessage).where(
                            OutboxMessage.routing_key == "user.language_changed",
                            OutboxMessage.body["payload"]["user_id"].astext == guest["user_id"],
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert sorted(r.body["tenant_id"] for r in rows) == sorted([owner["tenant_id"], guest["tenant_id"]])
        assert {r.body["payload"]["language"] for r in rows} == {"de"}

    async def test_a_language_chosen_at_registration_or_brought_to_a_new_account_is_announced(
        self, flows
    ) -> None:
        email = flows.email()
        registered = await flows.client.post(
            "/register", json={"email": email, "password": flows.PASSWORD, "language": "it"}
        )
        assert registered.status_code == 201, registered.text
        tokens = await flows.login(email)
        assert (await flows.client.get("/me/profile", headers=flows.bearer(tokens))).json()[
            "language"
        ] == "it"
        own_tenant = flows.claims(tokens)["tid"]
        _, owner_tokens = await flows.new_user()
        invited = await flows.client.post(
            "/tenants/current/invitations",
            json={"email": email, "role": "member"},
            headers=flows.bearer(owner_tokens),
        )
        assert invited.status_code == 201
        token = flows.mailer.last(email, "invitation").token
        accepted = await flows.client.post(
            "/invitations/accept", json={"token": token}, headers=flows.bearer(tokens)
        )
        assert accepted.status_code == 200
        async with flows.runtime.db.session() as session:
            rows = (
                (
                    await session.execute(
                        sa.select(OutboxMessage).where(
                            OutboxMessage.routing_key == "user.language_changed",
                            OutboxMessage.body["payload"]["user_id"].astext == flows.claims(tokens)["sub"],
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert sorted(r.body["tenant_id"] for r in rows) == sorted(
            [own_tenant, flows.claims(owner_tokens)["tid"]]
        )
        assert {r.body["payload"]["language"] for r in rows} == {"it"}
        # The default language is nobody's news.
        _, default_tokens = await flows.new_user()
        async with flows.runtime.db.session() as session:
            announced = await session.scalar(
                sa.select(sa.func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.routing_key == "user.language_changed",
                    OutboxMessage.body["payload"]["user_id"].astext == flows.claims(default_tokens)["sub"],
                )
            )
        assert announced == 0

    async def test_validation_names_the_field(self, flows) -> None:
        _, tokens = await flows.new_user()
        auth = flows.bearer(tokens)
        refused = await flows.client.post(
            "/register", json={"email": flows.email(), "password": flows.PASSWORD, "language": "xx"}
        )
        assert refused.status_code == 422
        assert field_errors(refused) == ["language"]
        for body, field in (
            ({"language": "pt"}, "language"),
            ({"language": None}, "language"),
            ({"name": "   "}, "name"),
            ({"name": "x" * 101}, "name"),
            ({"country": "FR"}, "country"),  # the account's, not the user's
        ):
            refused = await flows.client.patch("/me/profile", json=body, headers=auth)
            assert refused.status_code == 422, body
            assert field_errors(refused) == [field], body


class TestBusinessProfile:
    async def test_onboarding_of_a_professional_in_france(self, flows) -> None:
        _, tokens = await flows.new_user()
        auth = flows.bearer(tokens)
        start = await flows.client.get("/tenants/current/profile", headers=auth)
        assert start.status_code == 200
        assert start.json()["missing"] == ["country", "seller_type"]
        assert start.json()["complete"] is False
        step = await flows.client.patch(
            "/tenants/current/profile", json={"country": "fr", "seller_type": "professional"}, headers=auth
        )
        assert step.status_code == 200, step.text
        assert step.json()["country"] == "FR"
        assert step.json()["missing"] == ["company_name", "siret"]
        done = await flows.client.patch(
            "/tenants/current/profile",
            json={
                "company_name": "Brocante SARL",
                "vat_number": "fr 40 303 265 045",
                "siret": "732 829 320 00074",
            },
            headers=auth,
        )
        assert done.status_code == 200, done.text
        assert done.json() | {"name": None} == {
            "name": None,
            "country": "FR",
            "seller_type": "professional",
            "company_name": "Brocante SARL",
            "vat_number": "FR40303265045",
            "siret": "73282932000074",
            "missing": [],
            "complete": True,
        }
        log = await flows.client.get("/tenants/current/audit-log", headers=auth)
        assert [e["action"] for e in log.json()["items"]][:2] == ["profile.changed", "profile.changed"]

    async def test_an_individual_needs_no_business_fields_and_becoming_one_clears_them(self, flows) -> None:
        _, tokens = await flows.new_user()
        auth = flows.bearer(tokens)
        individual = await flows.client.patch(
            "/tenants/current/profile", json={"country": "DE", "seller_type": "individual"}, headers=auth
        )
        assert individual.json()["complete"] is True
        refused = await flows.client.patch(
            "/tenants/current/profile", json={"company_name": "GmbH"}, headers=auth
        )
        assert refused.status_code == 422
        assert field_errors(refused) == ["company_name"]
        pro = await flows.client.patch(
            "/tenants/current/profile",
            json={"seller_type": "professional", "company_name": "Trödel GmbH", "vat_number": "DE136695976"},
            headers=auth,
        )
        assert pro.status_code == 200, pro.text
        assert pro.json()["complete"] is True  # no SIRET outside France
        back = await flows.client.patch(
            "/tenants/current/profile", json={"seller_type": "individual"}, headers=auth
        )
        assert back.json()["company_name"] is None
        assert back.json()["vat_number"] is None

    async def test_validation_names_the_field(self, flows) -> None:
        _, tokens = await flows.new_user()
        auth = flows.bearer(tokens)
        await flows.client.patch(
            "/tenants/current/profile", json={"country": "FR", "seller_type": "professional"}, headers=auth
        )
        for body, field in (
            ({"country": "XX"}, "country"),
            ({"country": "FRA"}, "country"),
            ({"seller_type": "company"}, "seller_type"),
            ({"siret": "73282932000075"}, "siret"),  # Luhn
            ({"siret": "1234"}, "siret"),
            ({"vat_number": "FR4030326504"}, "vat_number"),  # format
            ({"vat_number": "DE136695976"}, "vat_number"),  # another country's
            ({"vat_number": "US123"}, "vat_number"),
            ({"country": "BE", "siret": "73282932000074"}, "siret"),  # France only
            ({"name": ""}, "name"),
            ({"plan": "pro"}, "plan"),
        ):
            refused = await flows.client.patch("/tenants/current/profile", json=body, headers=auth)
            assert refused.status_code == 422, body
            assert field_errors(refused) == [field], (body, refused.json())
        unchanged = await flows.client.get("/tenants/current/profile", headers=auth)
        assert unchanged.json()["country"] == "FR"
        assert unchanged.json()["siret"] is None

    async def test_a_country_change_must_bring_a_matching_vat_number(self, flows) -> None:
        _, tokens = await flows.new_user()
        auth = flows.bearer(tokens)
        await flows.client.patch(
            "/tenants/current/profile",
            json={"country": "IT", "seller_type": "professional", "vat_number": "IT00743110157"},
            headers=auth,
        )
        moved = await flows.client.patch("/tenants/current/profile", json={"country": "ES"}, headers=auth)
        assert moved.status_code == 422
        assert field_errors(moved) == ["vat_number"]
        both = await flows.client.patch(
            "/tenants/current/profile", json={"country": "ES", "vat_number": "ESA28015865"}, headers=auth
        )
        assert both.status_code == 200

    async def test_only_owners_and_admins_change_it_every_member_reads_it(self, flows) -> None:
        _, owner_tokens = await flows.new_user()
        _, admin_tokens = await flows.invite_and_join(owner_tokens, "admin")
        _, member_tokens = await flows.invite_and_join(owner_tokens, "member")
        body = {"country": "FR", "seller_type": "individual"}
        member = await flows.client.patch(
            "/tenants/current/profile", json=body, headers=flows.bearer(member_tokens)
        )
        assert member.status_code == 403
        assert "billing.manage" in member.json()["detail"]
        admin = await flows.client.patch(
            "/tenants/current/profile", json=body, headers=flows.bearer(admin_tokens)
        )
        assert admin.status_code == 200
        seen = await flows.client.get("/tenants/current/profile", headers=flows.bearer(member_tokens))
        assert seen.json()["country"] == "FR"
