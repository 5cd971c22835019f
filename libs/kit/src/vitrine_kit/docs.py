"""``/docs``: Swagger UI served from this process, never from a CDN, under a strict Content-Security-Policy.

The assets come from the ``swagger-ui-bundle-v2`` package (Swagger UI's own distribution files); the page,
its start-up script and the assets are all same-origin, so the CSP needs no exception but ``data:`` images
(Swagger UI's icons are inline SVG in its stylesheet). Every URL in the page is relative, so the same page
works at ``/docs`` of a service and at ``/api/<service>/docs`` through the gateway.
"""

from __future__ import annotations

import functools
import html

import swagger_ui_bundle
from fastapi import FastAPI
from starlette.responses import Response

from vitrine_kit.errors import NotFound

CSP = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}
# ``validatorUrl: null``: Swagger UI would otherwise load a badge from an outside validator.
# The files the page loads, and their types; nothing else of the bundle is served.
ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
INIT_JS = b"""window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "openapi.json",
    dom_id: "#swagger-ui",
    persistAuthorization: true,
    deepLinking: true,
    validatorUrl: null
  });
});
"""
JS = "text/javascript; charset=utf-8"


def page(title: str) -> bytes:
    """The HTML of ``/docs`` (relative links: ``docs/<asset>`` and ``openapi.json`` beside the page)."""
    name = html.escape(title)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{name}</title>
<link rel="icon" type="image/png" href="docs/favicon-32x32.png">
<link rel="stylesheet" href="docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script>
<noscript>The API description is at <a href="openapi.json">openapi.json</a>.</noscript>
</body></html>
""".encode()


@functools.cache
def asset(name: str) -> tuple[bytes, str] | None:
    """The bytes and content type of one file under ``/docs/`` (``None`` for any other name)."""
    if name == "init.js":
        return INIT_JS, JS
    content_type = ASSETS.get(name)
    if content_type is None:
        return None
    return (swagger_ui_bundle.swagger_ui_path / name).read_bytes(), content_type


ASSET_NAMES = ("init.js", *ASSETS)


def install_docs(app: FastAPI) -> None:
    """``GET /docs`` and its assets on a service (FastAPI's CDN-based page is switched off)."""

    @app.get("/docs", include_in_schema=False)
    async def docs_page() -> Response:
        return Response(page(app.title), media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    @app.get("/docs/{name}", include_in_schema=False)
    async def docs_asset(name: str) -> Response:
        found = asset(name)
        if found is None:
            raise NotFound(f"No documentation file named '{name}'.")
        body, content_type = found
        headers = {**SECURITY_HEADERS, "Cache-Control": "public, max-age=86400"}
        return Response(body, media_type=content_type, headers=headers)
