"""Typed clients of the fleet's internal APIs, for the services that call them with a service token."""
