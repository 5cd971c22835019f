"""notification-service: the sellers' live feed and their e-mail notifications."""
