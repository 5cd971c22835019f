"""The kit's circuit breaker, under the name the adapters import it by (``vitrine_marketplace.CircuitBreaker``)."""

from vitrine_kit.breaker import BreakerOpen, BreakerState, CircuitBreaker

__all__ = ["BreakerOpen", "BreakerState", "CircuitBreaker"]
