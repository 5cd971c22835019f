"""One OpenAPI document for the public API, merged from each service's own, with the gateway's prefixes."""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from typing import Any

import aiohttp
from vitrine_kit import docs

from gateway.config import Upstream

logger = logging.getLogger(__name__)

# Ops endpoints of the services are not part of the public API.
HIDDEN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
COMPONENT_KINDS = (
    "schemas",
    "responses",
    "parameters",
    "examples",
    "requestBodies",
    "headers",
    "securitySchemes",
    "links",
    "callbacks",
)
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


# Request examples of the main operations, by operation id (a missing id fails the merge: see ``add_examples``).
EXAMPLES: dict[str, dict[str, Any]] = {
    "auth_register": {
        "email": "lea@example.com",
        "password": "correct horse battery",
        "tenant_name": "Léa's vintage",
    },
    "auth_login": {"email": "lea@example.com", "password": "correct horse battery"},
    "catalog_create_product": {
        "title": "Levi's 501 straight jeans",
        "description": "Classic 501, straight leg, barely worn.",
        "price": "35.00",
        "stock_quantity": 1,
        "brand": "levi-s",
        "category": "jeans",
        "size_system": "waist",
        "size": "W32",
        "colours": ["blue"],
        "materials": [{"material": "cotton", "percent": 99}, {"material": "elastane", "percent": 1}],
        "condition": "very_good",
        "images": [{"media_id": "0b8f3c8e-5a1d-4c55-9d8e-2f4a7e1c9b01"}],
    },
    "catalog_publish": {"marketplaces": ["ebay", "etsy", "vinted"]},
    "ai_request_analysis": {
        "image_ids": ["0b8f3c8e-5a1d-4c55-9d8e-2f4a7e1c9b01", "6a2d1e0f-7c3b-4e8a-b1f2-3d4c5b6a7e80"],
        "label_image_id": "6a2d1e0f-7c3b-4e8a-b1f2-3d4c5b6a7e80",
        "language": "en",
        "notes": "bought in 1994",
    },
    "billing_checkout_subscription": {"plan": "pro"},
    "billing_checkout_credits": {"pack": "credits_500"},
}
# What a refused request looks like: shown on every problem+json response of the operations above.
PROBLEM_EXAMPLE = {
    "type": "https://errors.vitrine.app/validation-error",
    "title": "The request is not valid",
    "status": 422,
    "detail": "Invalid fields: price",
    "instance": "/products",
    "request_id": "5f0c6d2e9b7a4c1d8e3f2a1b0c9d8e7f",
    "errors": [{"field": "price", "message": "Input should be greater than 0", "type": "greater_than"}],
}


def add_examples(merged: dict[str, Any], examples: dict[str, dict[str, Any]]) -> None:
    """Put each example on its operation's JSON request body, and a problem example on its 422."""
    operations = {
        op["operationId"]: op
        for item in merged["paths"].values()
        for op in _operations(item)
        if "operationId" in op
    }
    for operation_id, example in examples.items():
        operation = operations.get(operation_id)
        if operation is None:
            continue  # that service is not in this document (down, or left out)
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if content is None:
            raise ValueError(f"{operation_id} takes no JSON body to show an example of")
        content["example"] = example
        problem = operation.get("responses", {}).get("422", {}).get("content", {})
        for media in problem.values():
            media["example"] = PROBLEM_EXAMPLE


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    """Point ``$ref``s at renamed components, in place."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref in renames:
            node["$ref"] = renames[ref]
        for value in node.values():
            _rewrite_refs(value, renames)
    elif isinstance(node, list):
        for item in node:
            _rewrite_refs(item, renames)
    return node


def merge_documents(
    documents: dict[str, tuple[Upstream, dict[str, Any]]],
    *,
    title: str,
    version: str,
    hidden_prefixes: tuple[str, ...] = ("/internal",),
) -> dict[str, Any]:
    """Merge service documents: paths get the service prefix; clashing component names and
    operation ids get the service name in front, so no service's schema silently replaces another's.

    Ops endpoints and paths under ``hidden_prefixes`` (service-to-service APIs the gateway does not
    forward) are left out."""
    hidden = tuple(p.rstrip("/") + "/" for p in hidden_prefixes)
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "servers": [{"url": "/"}],
        "paths": {},
        "components": {},
        "tags": [],
    }
    components: dict[str, dict[str, Any]] = merged["components"]
    operation_ids: set[str] = set()
    shared_tags = _tags_of_several_services(documents, hidden)
    for name, (upstream, original) in sorted(documents.items()):
        doc = copy.deepcopy(original)
        safe = name.replace("-", "_")
        renames: dict[str, str] = {}
        for kind in COMPONENT_KINDS:
            for comp_name, comp in (doc.get("components", {}).get(kind) or {}).items():
                existing = components.get(kind, {}).get(comp_name)
                if existing is not None and existing != comp:
                    renames[f"#/components/{kind}/{comp_name}"] = f"#/components/{kind}/{safe}__{comp_name}"
        _rewrite_refs(doc, renames)
        for kind in COMPONENT_KINDS:
            for comp_name, comp in (doc.get("components", {}).get(kind) or {}).items():
                ref = f"#/components/{kind}/{comp_name}"
                new_name = renames[ref].rsplit("/", 1)[1] if ref in renames else comp_name
                components.setdefault(kind, {})[new_name] = comp
        for path, item in (doc.get("paths") or {}).items():
            if path in HIDDEN_PATHS or (path.rstrip("/") + "/").startswith(hidden):
                continue
            for method, operation in item.items():
                if method not in HTTP_METHODS or not isinstance(operation, dict):
                    continue
                op_id = operation.get("operationId")
                if op_id:
                    if op_id in operation_ids:
                        operation["operationId"] = op_id = f"{safe}__{op_id}"
                    operation_ids.add(op_id)
                operation["tags"] = [
                    f"{service_label(name)} {tag}" if tag in shared_tags else tag
                    for tag in operation.get("tags") or [service_label(name)]
                ]
                operation["x-vitrine-service"] = name
            merged["paths"][upstream.prefix.rstrip("/") + (path if path.startswith("/") else "/" + path)] = (
                item
            )
    used = {tag for item in merged["paths"].values() for op in _operations(item) for tag in op["tags"]}
    merged["tags"] = [{"name": tag} for tag in sorted(used)]
    add_examples(merged, EXAMPLES)
    return merged


def service_label(name: str) -> str:
    """``marketplace-ebay`` → ``ebay``: how a service's name reads in a tag."""
    return name.removeprefix("marketplace-")


def _operations(item: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for method, op in item.items() if method in HTTP_METHODS and isinstance(op, dict)]


def _tags_of_several_services(
    documents: dict[str, tuple[Upstream, dict[str, Any]]], hidden: tuple[str, ...]
) -> set[str]:
    """Tags that more than one service uses (eBay's and auth's "accounts"): each gets its service's name."""
    owners: dict[str, set[str]] = {}
    for name, (_, doc) in documents.items():
        for path, item in (doc.get("paths") or {}).items():
            if path in HIDDEN_PATHS or (path.rstrip("/") + "/").startswith(hidden):
                continue
            for operation in _operations(item):
                for tag in operation.get("tags") or []:
                    owners.setdefault(tag, set()).add(name)
    return {tag for tag, names in owners.items() if len(names) > 1}


class OpenAPIAggregator:
    """Fetches the services' documents, merges them, and caches the result for ``ttl_s``.

    A service that is down is left out of that version (listed in ``x-vitrine-unavailable``) and its last
    good document is reused when there is one, so one dead service never hides the others' API.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        upstreams: dict[str, Upstream],
        *,
        ttl_s: float,
        timeout_s: float,
        hidden_prefixes: list[str] | None = None,
    ) -> None:
        self.session = session
        self.hidden_prefixes = tuple(hidden_prefixes if hidden_prefixes is not None else ["/internal"])
        self.upstreams = {name: u for name, u in upstreams.items() if u.openapi_path}
        self.ttl_s = ttl_s
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._last_good: dict[str, dict[str, Any]] = {}
        self._document: dict[str, Any] | None = None
        self._built_at = 0.0
        self._lock = asyncio.Lock()

    async def _fetch(self, name: str, upstream: Upstream) -> dict[str, Any] | None:
        try:
            async with self.session.get(
                upstream.url.rstrip("/") + str(upstream.openapi_path), timeout=self.timeout
            ) as response:
                if response.status != 200:
                    return None
                document = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            logger.info("no OpenAPI from %s: %r", name, exc)
            return None
        return document if isinstance(document, dict) else None

    async def document(self) -> dict[str, Any]:
        """The merged document, rebuilt when older than ``ttl_s``."""
        if self._document is not None and time.monotonic() - self._built_at < self.ttl_s:
            return self._document
        async with self._lock:
            if self._document is not None and time.monotonic() - self._built_at < self.ttl_s:
                return self._document
            names = list(self.upstreams)
            fetched = await asyncio.gather(*(self._fetch(n, self.upstreams[n]) for n in names))
            unavailable = []
            for name, document in zip(names, fetched, strict=True):
                if document is not None:
                    self._last_good[name] = document
                else:
                    unavailable.append(name)
            merged = merge_documents(
                {n: (self.upstreams[n], d) for n, d in self._last_good.items()},
                title="Vitrine API",
                version="1.0.0",
                hidden_prefixes=self.hidden_prefixes,
            )
            merged["x-vitrine-unavailable"] = unavailable
            self._document = merged
            # A document missing a service is rebuilt sooner, so a service that starts late appears quickly.
            self._built_at = time.monotonic() - (self.ttl_s * 0.8 if unavailable else 0.0)
            return merged


# The docs page and its assets (Swagger UI from a Python package, never a CDN), under a strict CSP.
DOCS_PATHS = frozenset({"/docs", *(f"/docs/{name}" for name in docs.ASSET_NAMES)})
DOCS_HEADERS = [(name.lower().encode(), value.encode()) for name, value in docs.SECURITY_HEADERS.items()]


def docs_file(path: str) -> tuple[bytes, bytes]:
    """The body and content type of one of ``DOCS_PATHS``."""
    if path == "/docs":
        return docs.page("Vitrine API"), b"text/html; charset=utf-8"
    found = docs.asset(path.removeprefix("/docs/"))
    if found is None:
        raise KeyError(path)
    return found[0], found[1].encode()
