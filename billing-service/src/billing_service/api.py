"""The routers of billing-service (own paths; the gateway serves them under ``/api/billing``)."""

from fastapi import APIRouter

from billing_service.checkout.endpoints import router as checkout
from billing_service.credits.endpoints import router as credits
from billing_service.internal.endpoints import router as internal
from billing_service.plans.endpoints import router as plans
from billing_service.slots.endpoints import router as slots
from billing_service.subscriptions.endpoints import router as subscription
from billing_service.webhooks.endpoints import router as webhooks

routers: list[APIRouter] = [plans, subscription, credits, checkout, webhooks, internal, slots]
