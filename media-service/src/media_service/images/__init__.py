"""Images: upload, read, delete; signed URLs of their files."""
