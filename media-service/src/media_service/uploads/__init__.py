"""Receiving uploads: multipart streamed to temp files, and presigned direct uploads."""
