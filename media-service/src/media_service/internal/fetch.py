"""Photos of imported listings: downloaded from a marketplace's image host (an allow-list of origins, a
size limit while streaming, a time limit, no redirects) and then checked and stored exactly like an upload."""

from __future__ import annotations

import asyncio
import posixpath
from urllib.parse import urlsplit

import httpx
from vitrine_kit.errors import ProblemError, Unprocessable

from media_service.context import MediaContext
from media_service.uploads.incoming import IncomingFile

DEFAULT_PORTS = {"http": 80, "https": 443}


class UrlNotAllowed(Unprocessable):
    code, title = "image-url-not-allowed", "Photos are fetched only from the marketplaces' image hosts"


class FetchFailed(ProblemError):
    status, code, title = 502, "image-fetch-failed", "The photo could not be fetched from the marketplace"


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an http(s) URL without credentials; None for anything else."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname or parts.username or parts.password:
        return None
    shown = f":{port}" if port is not None and port != DEFAULT_PORTS[parts.scheme] else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{shown}"


def allowed(url: str, origins: list[str]) -> bool:
    """Whether ``url`` is on one of ``origins`` (compared as normalised origins)."""
    found = origin_of(url)
    return found is not None and found in {origin_of(o) for o in origins}


async def download(ctx: MediaContext, url: str) -> IncomingFile:
    """The body of ``url`` spooled to a temp file, dropped past the per-image limit."""
    settings = ctx.settings
    if not allowed(url, settings.fetch_allowed_origins):
        raise UrlNotAllowed(f"{origin_of(url) or url[:100]} is not one of the marketplaces' image hosts.")
    name = posixpath.basename(urlsplit(url).path) or "photo"
    incoming = IncomingFile(filename=name[:255], limit=settings.max_image_bytes, tmp_dir=settings.tmp_dir)
    try:
        async with asyncio.timeout(settings.fetch_timeout_s), ctx.http.stream("GET", url) as response:
            if response.status_code != 200:
                raise FetchFailed(f"The image host answered {response.status_code} for {name}.")
            async for chunk in response.aiter_bytes():
                incoming.write(chunk)
                if incoming.too_large:
                    break
    except TimeoutError as exc:
        incoming.discard()
        raise FetchFailed(f"The image host took longer than {settings.fetch_timeout_s:g} s.") from exc
    except httpx.HTTPError as exc:
        incoming.discard()
        raise FetchFailed(f"The image host could not be reached ({type(exc).__name__}).") from exc
    except FetchFailed:
        incoming.discard()
        raise
    return incoming
