"""Importing an item already on Vinted as a new catalog product."""
