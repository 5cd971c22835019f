"""The relay protocol between the browser plugin and relay-service, by version (``v1``)."""
