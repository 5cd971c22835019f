"""media-service: images — uploads, clean originals, derivatives, signed URLs."""
