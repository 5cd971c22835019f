"""The two small pages of an unsubscribe link."""

from __future__ import annotations

from html import escape

from notification_service.mail.templates import topic_name

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="robots" content="noindex"><title>Vitrine e-mails</title></head>
<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">{body}</body></html>
"""


def confirm(topic: str, token: str) -> str:
    body = (
        f"<p>Stop e-mails about {escape(topic_name(topic))}?</p>"
        f'<form method="post" action="?token={escape(token, quote=True)}"><button>Unsubscribe</button></form>'
    )
    return PAGE.format(body=body)


def done(topic: str) -> str:
    body = (
        f"<p>You will no longer receive e-mails about {escape(topic_name(topic))}.</p>"
        "<p>The other owners of the account still do; you can change this in Vitrine's settings.</p>"
    )
    return PAGE.format(body=body)
