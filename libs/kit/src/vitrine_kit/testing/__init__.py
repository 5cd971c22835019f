"""Test support: a pytest plugin with real PostgreSQL and RabbitMQ, per-run isolation, tokens."""
