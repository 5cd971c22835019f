"""eBay's Marketplace Account Deletion: the endpoint challenge, signature checks, removing the data."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import re
import time
import uuid
from typing import Any

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.dialects.postgresql import insert
from vitrine_contracts.common import Marketplace
from vitrine_contracts.marketplace import AccountDisconnected
from vitrine_marketplace import MarketplaceError

from marketplace_ebay.accounts import repository as accounts
from marketplace_ebay.accounts.service import slot_key
from marketplace_ebay.accounts.teardown import teardown
from marketplace_ebay.context import EbayContext
from marketplace_ebay.errors import BadSignature, EbayUnavailable
from marketplace_ebay.models import DeletionNotice

logger = logging.getLogger(__name__)
KID = re.compile(r"[A-Za-z0-9_-]{1,128}")
TOPIC = "MARKETPLACE_ACCOUNT_DELETION"


class NotificationService:
    def challenge_response(self, ebay: EbayContext, challenge_code: str) -> str:
        """hex(SHA-256(challengeCode + verificationToken + endpointURL)), in exactly that order."""
        digest = hashlib.sha256()
        digest.update(challenge_code.encode())
        digest.update(ebay.settings.verification_token.get_secret_value().encode())
        digest.update(ebay.settings.deletion_endpoint_url.encode())
        return digest.hexdigest()

    async def _public_key(self, ebay: EbayContext, kid: str) -> ec.EllipticCurvePublicKey:
        cached = ebay.public_keys.get(kid)
        if cached is None or cached[1] < time.monotonic():
            try:
                pem = await ebay.ebay.public_key(kid)
            except MarketplaceError as exc:
                if exc.status == 404:
                    raise BadSignature("Unknown signing key.") from exc
                raise EbayUnavailable("Could not fetch eBay's notification key.") from exc
            cached = (pem, time.monotonic() + ebay.settings.public_key_cache_s)
            ebay.public_keys[kid] = cached
        key = serialization.load_pem_public_key(cached[0].encode())
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise BadSignature("eBay's key is not an EC key.")
        return key

    async def verify(self, ebay: EbayContext, raw: bytes, header: str | None) -> dict[str, Any]:
        """The notification, once its ``X-EBAY-SIGNATURE`` verifies (ECDSA/SHA-1 with eBay's key)."""
        if not header:
            raise BadSignature("X-EBAY-SIGNATURE is missing.")
        try:
            signed = json.loads(base64.b64decode(header, validate=True))
            kid, signature = str(signed["kid"]), base64.b64decode(signed["signature"])
            message = json.loads(raw)
        except (binascii.Error, ValueError, KeyError, TypeError) as exc:
            raise BadSignature("X-EBAY-SIGNATURE or the body is malformed.") from exc
        if not KID.fullmatch(kid):  # it goes into an eBay API path: nothing but an id's characters
            raise BadSignature("X-EBAY-SIGNATURE names a malformed key id.")
        key = await self._public_key(ebay, kid)
        # eBay signs JSON.stringify(message): the raw body, or its compact re-serialisation.
        compact = json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()
        for candidate in dict.fromkeys((raw, compact)):
            try:
                key.verify(signature, candidate, ec.ECDSA(hashes.SHA1()))  # noqa: S303 - eBay's scheme
                return dict(message)
            except InvalidSignature:
                continue
        raise BadSignature()

    async def account_deleted(self, ebay: EbayContext, message: dict[str, Any]) -> int:
        """Remove every account of the deleted eBay user, once per notification id; returns how many."""
        if (message.get("metadata") or {}).get("topic") != TOPIC:
            return 0
        notification = message.get("notification") or {}
        user_id = str((notification.get("data") or {}).get("userId", ""))
        notice_id = str(notification.get("notificationId") or uuid.uuid4())
        async with ebay.db.session() as shared:
            first = await shared.scalar(
                insert(DeletionNotice)
                .values(notification_id=notice_id, ebay_user_id=user_id, accounts_removed=0)
                .on_conflict_do_nothing()
                .returning(DeletionNotice.notification_id)
            )
            await shared.commit()  # commit: kept first, so a redelivery of the notice does nothing
        if first is None:
            return 0
        holders = await accounts.holders(ebay.db, user_id)
        for holder in holders:
            async with ebay.db.tenant_session(holder.tenant_id) as session:
                account = await accounts.get(session, holder.account_id)
                if account is not None:  # the user is gone from eBay, and their listings with them
                    live = await accounts.live_listings(session, account.id, lock=True)
                    await teardown.end_live(
                        session, ebay, holder.tenant_id, account, live,
                        reason="Your eBay account was deleted on eBay.", withdraw=False,
                    )  # fmt: skip
                await accounts.forget(session, holder.account_id)
                ebay.outbox.add(
                    session,
                    AccountDisconnected(
                        marketplace=Marketplace.EBAY,
                        account_id=holder.account_id,
                        reason="ebay-account-deleted",
                    ),
                    tenant_id=holder.tenant_id,
                )
                await session.commit()  # commit: no request tenant: each holder tenant commits alone
            if ebay.slots is not None and account is not None:
                await ebay.slots.release(holder.tenant_id, slot_key(account.site, account.ebay_user_id))
        async with ebay.db.session() as shared:
            await shared.execute(
                sa.update(DeletionNotice)
                .where(DeletionNotice.notification_id == notice_id)
                .values(accounts_removed=len(holders))
            )
            await shared.commit()  # commit: the count, once every tenant has committed
        logger.info("ebay account deletion applied", extra={"accounts": len(holders)})
        return len(holders)


notification_service = NotificationService()
