"""Subjects and bodies: plain text, one line per fact, the way back to Vitrine, and how to stop them — in the
recipient's language (``catalogue``), built from the item's kind and data rather than from the feed's
English sentence."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from vitrine_contracts.common import Marketplace
from vitrine_contracts.notifications import FeedKind

from notification_service.feed.draft import Draft, name
from notification_service.mail.catalogue import Language, has, say
from notification_service.mail.links import Unsubscribe, UnsubscribeLinks
from notification_service.models import Mail

DIGEST = "digest"
DIGEST_MAX_LINES = 200
# Kinds a mail says in its own words; the others (never mailed: progress) fall back to the feed's text.
WORDED = frozenset(
    {
        FeedKind.PUBLICATION_SUCCEEDED,
        FeedKind.PUBLICATION_FAILED,
        FeedKind.PUBLICATION_DELISTED,
        FeedKind.DELIST_FAILED,
        FeedKind.PRODUCT_SOLD,
        FeedKind.ORDER_RECEIVED,
        FeedKind.ORDER_CANCELLED,
        FeedKind.OVERSELL,
        FeedKind.SESSION_EXPIRED,
        FeedKind.CREDITS_LOW,
        FeedKind.CREDITS_EXHAUSTED,
        FeedKind.PLAN_CHANGED,
        FeedKind.PAYMENT_FAILED,
        FeedKind.ANALYSIS_COMPLETED,
        FeedKind.ANALYSIS_FAILED,
    }
)


def subject_of(kind: FeedKind, language: Language) -> str:
    key = f"subject.{kind.value}"
    return say(language, key if has(language, key) else "subject.default")


def _marketplace(data: Mapping[str, Any]) -> str:
    raw = str(data.get("marketplace") or "")
    try:
        return name(Marketplace(raw))
    except ValueError:
        return raw


def _item(data: Mapping[str, Any], language: Language) -> str:
    title = data.get("title")
    return f"“{title}”" if isinstance(title, str) and title else say(language, "item")


def _reason(data: Mapping[str, Any], language: Language) -> list[str]:
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        return []
    return [say(language, "body.reason", reason=reason.strip().rstrip(".") + ".")]


def _plan(data: Mapping[str, Any]) -> str:
    return str(data.get("plan") or "").replace("_", " ").title()


def _variant(kind: FeedKind, data: Mapping[str, Any]) -> str:
    """The catalogue key of the kind's main sentence, by what the data says happened."""
    key = f"body.{kind.value}"
    if (
        kind in (FeedKind.PUBLICATION_SUCCEEDED, FeedKind.PUBLICATION_FAILED)
        and data.get("action") == "revise"
    ):
        return f"{key}.revise"
    if kind is FeedKind.PUBLICATION_DELISTED and data.get("by") in ("vitrine", "seller_on_marketplace"):
        return f"{key}.{data['by']}"
    if kind is FeedKind.PLAN_CHANGED:
        if data.get("status") == "past_due":
            return f"{key}.past_due"
        if data.get("cancel_at_period_end") and data.get("period_end"):
            return f"{key}.ends"
        if data.get("status") == "trialing":
            return f"{key}.trialing"
    return key


def sentences(kind: FeedKind, data: Mapping[str, Any], text: str, language: Language) -> list[str]:
    """What an item says in ``language``: its sentences, then its reason where it has one."""
    if kind not in WORDED:
        return [text.rstrip(".") + "."]
    args: dict[str, Any] = {
        "marketplace": _marketplace(data),
        "item": _item(data, language),
        "plan": _plan(data),
    }
    extra: list[str] = []
    if kind is FeedKind.ORDER_RECEIVED:
        args["amount"] = f"{data.get('amount', '')} {data.get('currency', '')}".strip()
        if int(data.get("quantity") or 1) > 1:
            extra.append(say(language, "body.order.received.quantity", quantity=data["quantity"]))
    elif kind is FeedKind.ORDER_CANCELLED:
        args["order"] = data.get("order_id", "")
    elif kind is FeedKind.SESSION_EXPIRED and data.get("live_listings"):
        extra.append(say(language, "body.account.session_expired.listings", count=data["live_listings"]))
    elif kind is FeedKind.CREDITS_LOW:
        args["balance"], args["allowance"] = data.get("balance", 0), data.get("monthly_allowance", 0)
    elif kind is FeedKind.PLAN_CHANGED and data.get("period_end"):
        args["date"] = date.fromisoformat(str(data["period_end"])[:10]).isoformat()
    elif kind is FeedKind.PAYMENT_FAILED:
        try:
            cents = Decimal(str(data.get("amount_due", 0)))
        except InvalidOperation:
            cents = Decimal(0)
        args["amount"] = f"{cents / 100:.2f} {str(data.get('currency', '')).upper()}".strip()
    lines = [say(language, _variant(kind, data), **args), *extra]
    if kind in (
        FeedKind.PUBLICATION_FAILED,
        FeedKind.PUBLICATION_DELISTED,
        FeedKind.DELIST_FAILED,
        FeedKind.ANALYSIS_FAILED,
    ):
        lines += _reason(data, language)
    return lines


def lines_of(draft: Draft, language: Language) -> list[str]:
    """The body's facts, and the link the item points to, if any."""
    lines = sentences(draft.kind, draft.data, draft.text, language)
    url = draft.data.get("url")
    if isinstance(url, str) and url:
        lines.append(say(language, "body.link", url=url))
    return lines


def digest_lines(entries: Sequence[tuple[FeedKind, Mapping[str, Any], str]], language: Language) -> list[str]:
    lines = [f"• {' '.join(sentences(k, d, t, language))}" for k, d, t in entries[:DIGEST_MAX_LINES]]
    if len(entries) > DIGEST_MAX_LINES:
        lines.append(say(language, "digest.more", count=len(entries) - DIGEST_MAX_LINES))
    return lines


def digest_subject(count: int, language: Language) -> str:
    if count == 1:
        return say(language, "digest.subject.one")
    return say(language, "digest.subject.many", count=count)


def topic_name(topic: str, language: Language) -> str:
    key = f"topic.{topic}"
    return say(language, key) if has(language, key) else say(language, "topic.other", topic=topic)


def message(
    mail: Mail, *, sender: str, app_url: str, links: UnsubscribeLinks, language: Language
) -> EmailMessage:
    """The e-mail of ``mail``, with a one-click unsubscribe link (RFC 8058) for its recipient and topic."""
    link = links.link(Unsubscribe(mail.tenant_id, mail.user_id, mail.topic))
    body = "\n".join(
        [
            *mail.lines,
            "",
            say(language, "mail.open", url=app_url),
            "",
            say(language, "mail.why"),
            say(language, "mail.stop", topic=topic_name(mail.topic, language), url=link),
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
    msg["Content-Language"] = language.value  # after set_content, which replaces the Content-* headers
    return msg
