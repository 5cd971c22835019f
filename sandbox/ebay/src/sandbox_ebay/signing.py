"""Signing notifications as eBay does: ECDSA with SHA-1, the key served by the Notification API."""

from __future__ import annotations

import base64
import json
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec


class NotificationSigner:
    """An EC P-256 key pair with a key id; ``sign`` gives the ``X-EBAY-SIGNATURE`` header value."""

    def __init__(self) -> None:
        self.kid = uuid.uuid4().hex
        self._key = ec.generate_private_key(ec.SECP256R1())

    def public_key_one_line(self) -> str:
        """The public key as eBay serves it: PEM with its newlines removed."""
        pem = self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode().replace("\n", "")

    def header(self, body: bytes) -> str:
        """Base64 of ``{"alg","kid","signature","digest"}`` over ``body``."""
        signature = self._key.sign(body, ec.ECDSA(hashes.SHA1()))  # noqa: S303 - eBay's scheme
        doc = {
            "alg": "ecdsa",
            "kid": self.kid,
            "signature": base64.b64encode(signature).decode(),
            "digest": "SHA1",
        }
        return base64.b64encode(json.dumps(doc).encode()).decode()
