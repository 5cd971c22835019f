"""The ``/v1`` pipeline: API key, faults, idempotency, the handler, ``expand[]``, the request log; events the
call caused are delivered once its response is on its way."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from starlette.background import BackgroundTask
from starlette.responses import Response

from sandbox_stripe import billing, forms, handlers
from sandbox_stripe.config import Settings
from sandbox_stripe.errors import StripeError, bad_api_key, fault_error, invalid, no_api_key, unrecognized_url
from sandbox_stripe.render import expand
from sandbox_stripe.state import StoredResult, World, new_id
from sandbox_stripe.webhooks import Dispatcher

router = APIRouter(include_in_schema=False)
log = logging.getLogger("sandbox_stripe.api")
MAX_LOG = 2000


def api_key_of(request: Request) -> str | None:
    """``Authorization: Bearer sk_test_…``, or HTTP Basic with the key as user name (``curl -u sk_test_…:``)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value.strip()).decode().partition(":")[0]
        except ValueError:
            return ""
    return None


def authenticate(request: Request, settings: Settings) -> str:
    key = api_key_of(request)
    if not key:
        raise no_api_key()
    allowed = key in settings.api_keys if settings.api_keys else key.startswith(("sk_test_", "rk_test_"))
    if not allowed:
        raise bad_api_key(key)
    return key


def fingerprint(method: str, path: str, params: dict[str, Any]) -> str:
    raw = json.dumps([method, path, params], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def request_id_of(request: Request) -> str:
    found = getattr(request.state, "request_id", None)
    if isinstance(found, str):
        return found
    made = new_id("req_")
    request.state.request_id = made
    return made


@router.api_route("/v1/{rest:path}", methods=["GET", "POST", "DELETE"])
async def v1(request: Request) -> Response:
    world: World = request.app.state.world
    dispatcher: Dispatcher = request.app.state.dispatcher
    settings = world.settings
    request_id = request_id_of(request)
    method, path = request.method, request.url.path
    version = request.headers.get("stripe-version") or settings.api_version
    key = request.headers.get("idempotency-key") if method == "POST" else None
    body = await request.body()
    headers = {"Request-Id": request_id, "Stripe-Version": version}
    if key:
        headers["Idempotency-Key"] = key
    params: dict[str, Any] = {}
    replayed: StoredResult | None = None
    try:
        pairs = parse_qsl(request.url.query, keep_blank_values=True)
        if method == "POST" and body:
            if "json" in request.headers.get("content-type", ""):
                raise invalid("Invalid request: v1 endpoints take application/x-www-form-urlencoded bodies.")
            pairs += parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        params = forms.parse(pairs)
        authenticate(request, settings)
        fault = world.fault_for(method, path)
        if fault is not None:
            if fault.should_retry is not None:
                headers["Stripe-Should-Retry"] = "true" if fault.should_retry else "false"
            raise fault_error(fault.status, fault.message, fault.code)
        if key is not None:
            if len(key) > 255:
                raise invalid("Idempotency-Key must be at most 255 characters long.")
            replayed = world.stored_result(key)
            if replayed is not None:
                if (replayed.method, replayed.path) != (method, path):
                    raise StripeError(
                        400,
                        f"Keys for idempotent requests can only be used for the same endpoint they were first "
                        f"used for ('{replayed.method} {replayed.path}'). Try using a key other than '{key}' if "
                        "you meant to execute a different request.",
                        type="idempotency_error",
                    )
                if replayed.fingerprint != fingerprint(method, path, params):
                    raise StripeError(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters they were first "
                        f"used with. Try using a key other than '{key}' if you meant to execute a different "
                        "request.",
                        type="idempotency_error",
                    )
        billing.sweep(world)
        if replayed is not None:
            status, content = replayed.status, replayed.body
            headers.update(
                {
                    "Request-Id": replayed.request_id,
                    "Idempotent-Replayed": "true",
                    "Original-Request": replayed.request_id,
                }
            )
        else:
            status, content = 200, _run(world, method, path, params, request_id, key)
    except StripeError as exc:
        replayed = None
        status = exc.status
        content = json.dumps(exc.body(request_id), indent=2).encode()
    if key is not None and replayed is None and (200 <= status < 300 or status == 402):
        world.idempotency[key] = StoredResult(
            fingerprint(method, path, params), method, path, status, content, request_id, version, time.time()
        )
    world.requests.append(
        {
            "id": request_id,
            "method": method,
            "path": path,
            "query": request.url.query,
            "params": params,
            "idempotency_key": key,
            "stripe_version": request.headers.get("stripe-version"),
            "status": status,
            "replayed": replayed is not None,
            "created": time.time(),
        }
    )
    del world.requests[:-MAX_LOG]
    return Response(
        content,
        status_code=status,
        headers=headers,
        media_type="application/json",
        background=BackgroundTask(dispatcher.flush_async),
    )


def _run(
    world: World, method: str, path: str, params: dict[str, Any], request_id: str, key: str | None
) -> bytes:
    found = handlers.resolve(method, path)
    if found is None:
        raise unrecognized_url(method, path)
    handler, args = found
    world.request_ctx = {"id": request_id, "idempotency_key": key}
    try:
        ctx = handlers.Ctx(world, params, method, path, request_id, key)
        result = handler(ctx, **args)
        result = expand(world, result, forms.expand_paths(params))
    except StripeError:
        raise
    except Exception as exc:  # a bug of the stand-in still answers in Stripe's envelope
        log.exception("%s %s failed", method, path)
        raise StripeError(500, "An unknown error occurred", type="api_error") from exc
    finally:
        world.request_ctx = None
    return json.dumps(result, indent=2).encode()
