"""The account's members (owners, languages) from auth-service's events."""
