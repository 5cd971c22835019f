"""A local mail sink: what services send by SMTP, kept in memory and shown on a page."""
