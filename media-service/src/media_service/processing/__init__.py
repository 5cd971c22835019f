"""Checking, orienting, stripping and resizing images (CPU work, run in a thread pool)."""
