"""The two small pages of an unsubscribe link, in the recipient's language."""

from __future__ import annotations

from html import escape

from notification_service.mail.catalogue import Language, say
from notification_service.mail.templates import topic_name

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="robots" content="noindex"><title>{title}</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">{body}</body></html>
"""


def _page(language: Language, body: str) -> str:
    return PAGE.format(lang=language.value, title=escape(say(language, "page.title")), body=body)


def confirm(topic: str, token: str, language: Language) -> str:
    body = (
        f"<p>{escape(say(language, 'page.confirm', topic=topic_name(topic, language)))}</p>"
        f'<form method="post" action="?token={escape(token, quote=True)}">'
        f"<button>{escape(say(language, 'page.button'))}</button></form>"
    )
    return _page(language, body)


def done(topic: str, language: Language) -> str:
    body = (
        f"<p>{escape(say(language, 'page.done', topic=topic_name(topic, language)))}</p>"
        f"<p>{escape(say(language, 'page.others'))}</p>"
    )
    return _page(language, body)
