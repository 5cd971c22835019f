"""The plugin's job queue: enqueue (idempotent by key), pacing, dispatch, results — each apart."""
