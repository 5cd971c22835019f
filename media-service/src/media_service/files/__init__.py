"""Serving the local backend's files behind HMAC-signed, expiring URLs (no token: the URL is the key)."""
