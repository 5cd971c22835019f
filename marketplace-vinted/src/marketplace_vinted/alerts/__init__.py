"""What the seller must see: a session expired with live listings, a delist waiting for the plugin."""
