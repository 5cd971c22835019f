from __future__ import annotations

import uuid

import pytest
from notification_service.errors import InvalidUnsubscribeLink
from notification_service.mail.links import Unsubscribe, UnsubscribeLinks

pytestmark = pytest.mark.unit
LINKS = UnsubscribeLinks(b"secret", "https://vitrine.test/api/notifications/")
WHAT = Unsubscribe(uuid.uuid4(), uuid.uuid4(), "oversell.detected")


class TestLinks:
    def test_a_token_names_its_recipient_and_topic(self) -> None:
        assert LINKS.read(LINKS.token(WHAT)) == WHAT
        assert LINKS.link(WHAT).startswith("https://vitrine.test/api/notifications/unsubscribe?token=")

    def test_another_secret_or_a_changed_payload_is_refused(self) -> None:
        token = LINKS.token(WHAT)
        with pytest.raises(InvalidUnsubscribeLink):
            UnsubscribeLinks(b"other", "https://x").read(token)
        other = LINKS.token(Unsubscribe(WHAT.tenant_id, uuid.uuid4(), WHAT.topic))
        forged = f"{other.split('.')[0]}.{token.split('.')[1]}"
        with pytest.raises(InvalidUnsubscribeLink):
            LINKS.read(forged)

    @pytest.mark.parametrize("token", ["", "abc", "a.b.c", "!!!.???", "YQ.YQ", "x" * 300])
    def test_garbage_is_refused(self, token: str) -> None:
        with pytest.raises(InvalidUnsubscribeLink):
            LINKS.read(token)
