"""Endpoints for other services (service token only): image URLs and bytes for the marketplace adapters."""
