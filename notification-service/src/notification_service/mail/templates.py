"""Subjects and bodies: plain text, one line per fact, the way back to Vitrine, and how to stop them."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate

from vitrine_contracts.notifications import FeedKind

from notification_service.feed.draft import Draft
from notification_service.mail.links import Unsubscribe, UnsubscribeLinks
from notification_service.models import Mail

DIGEST = "digest"
SUBJECTS: dict[str, str] = {
    FeedKind.OVERSELL: "Action needed: an item sold twice",
    FeedKind.DELIST_FAILED: "Action needed: a listing could not be removed",
    FeedKind.SESSION_EXPIRED: "Action needed: reconnect your marketplace account",
    FeedKind.PAYMENT_FAILED: "Action needed: your payment failed",
    FeedKind.PUBLICATION_SUCCEEDED: "Your item is live",
    FeedKind.PUBLICATION_FAILED: "An item could not be listed",
    FeedKind.PUBLICATION_DELISTED: "A listing was removed",
    FeedKind.PRODUCT_SOLD: "You sold an item",
    FeedKind.ORDER_RECEIVED: "New order",
    FeedKind.ORDER_CANCELLED: "An order was cancelled",
    FeedKind.CREDITS_LOW: "Your AI credits are running low",
    FeedKind.CREDITS_EXHAUSTED: "You have no AI credits left",
    FeedKind.PLAN_CHANGED: "Your Vitrine plan changed",
    FeedKind.ANALYSIS_COMPLETED: "Your photo analysis is ready",
    FeedKind.ANALYSIS_FAILED: "A photo analysis failed",
}
TOPIC_NAMES: dict[str, str] = {
    DIGEST: "the daily digest",
    FeedKind.OVERSELL: "items sold twice",
    FeedKind.DELIST_FAILED: "listings that could not be removed",
    FeedKind.SESSION_EXPIRED: "expired marketplace connections",
    FeedKind.PAYMENT_FAILED: "failed payments",
}
DIGEST_MAX_LINES = 200


def subject_of(draft: Draft) -> str:
    return SUBJECTS.get(draft.kind, "News from Vitrine")


def lines_of(draft: Draft) -> list[str]:
    """The body's facts: the feed's sentence, and the link the item points to, if any."""
    lines = [draft.text + "."]
    url = draft.data.get("url")
    if isinstance(url, str) and url:
        lines.append(f"Link: {url}")
    return lines


def digest_lines(texts: list[str]) -> list[str]:
    lines = [f"• {t}" for t in texts[:DIGEST_MAX_LINES]]
    if len(texts) > DIGEST_MAX_LINES:
        lines.append(f"… and {len(texts) - DIGEST_MAX_LINES} more in Vitrine.")
    return lines


def digest_subject(count: int) -> str:
    return f"Your Vitrine digest: {count} update{'s' if count != 1 else ''}"


def topic_name(topic: str) -> str:
    return TOPIC_NAMES.get(topic, f"“{topic}” updates")


def message(mail: Mail, *, sender: str, app_url: str, links: UnsubscribeLinks) -> EmailMessage:
    """The e-mail of ``mail``, with a one-click unsubscribe link (RFC 8058) for its recipient and topic."""
    link = links.link(Unsubscribe(mail.tenant_id, mail.user_id, mail.topic))
    body = "\n".join(
        [
            *mail.lines,
            "",
            f"Open Vitrine: {app_url}",
            "",
            "You receive this as an owner of a Vitrine seller account.",
            f"Stop e-mails about {topic_name(mail.topic)}: {link}",
        ]
    )
    msg = EmailMessage()
    msg["Subject"] = mail.subject
    msg["From"] = sender
    msg["To"] = mail.to_address
    msg["Date"] = formatdate(localtime=False)
    # Stable per queued mail: a resend after a crash carries the same id, which receivers may deduplicate.
    msg["Message-ID"] = f"<mail-{mail.id}.{mail.tenant_id.hex[:12]}@vitrine.local>"
    msg["List-Unsubscribe"] = f"<{link}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(body)
    return msg
