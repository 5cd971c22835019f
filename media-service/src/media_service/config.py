"""Settings of media-service (env prefix ``MEDIA_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr
from vitrine_kit.settings import BaseServiceSettings, service_config

MiB = 1024 * 1024
# Only for local runs: signs the URLs of the local storage backend.
DEFAULT_URL_SIGNING_KEY = "vitrine-local-only-url-signing-key-change-me"
# Cloudflare R2 (and S3) refuse presigned URLs valid for longer than 7 days.
MAX_PRESIGN_TTL_S = 7 * 24 * 3600


class Settings(BaseServiceSettings):
    """media-service settings; every default is safe for a local run (local directory storage)."""

    model_config = service_config("MEDIA_")

    service_name: str = "media-service"
    port: int = 8003
    database_url: SecretStr = SecretStr("postgresql+asyncpg://postgres@127.0.0.1:5432/vitrine_media")

    # A request may carry several images; each is checked against max_image_bytes while it streams.
    max_request_body_bytes: int = 256 * MiB
    max_image_bytes: int = 20 * MiB
    max_image_pixels: int = 40_000_000
    max_files_per_request: int = 20
    # Image decoding and encoding run in this many threads (Pillow releases the GIL while it works).
    processing_workers: int = 2
    # Memory that image work may take at once (the pod's limit less the process's own): larger photos queue.
    processing_memory_mib: int = 320
    # Where uploads are spooled while they stream in (None: the system's temp directory).
    tmp_dir: Path | None = None

    jpeg_quality: int = 85
    webp_quality: int = 80
    original_quality: int = 95

    storage_backend: Literal["local", "s3"] = "local"
    local_storage_dir: Path = Path(".run/media")
    # Signed URLs of the local backend point here (media-service itself, or the gateway's /api/media).
    public_base_url: str = "http://127.0.0.1:8003"
    url_signing_key: SecretStr = SecretStr(DEFAULT_URL_SIGNING_KEY)
    url_ttl_s: int = 3600
    upload_url_ttl_s: int = 900

    # Photos of imported listings are fetched only from these origins (scheme://host[:port]): the
    # marketplaces' image hosts (https://i.ebayimg.com, Vinted's CDN… in production; the sandboxes locally).
    fetch_allowed_origins: list[str] = ["http://127.0.0.1:8021", "http://127.0.0.1:8023"]
    fetch_timeout_s: float = 15.0

    # S3-compatible storage; for Cloudflare R2: https://<account>.r2.cloudflarestorage.com, region "auto".
    s3_endpoint_url: str | None = None
    s3_region: str = "auto"
    s3_access_key_id: SecretStr = SecretStr("")
    s3_secret_access_key: SecretStr = SecretStr("")
    s3_bucket: str = "vitrine-media"
    s3_addressing_style: Literal["path", "virtual", "auto"] = "path"
