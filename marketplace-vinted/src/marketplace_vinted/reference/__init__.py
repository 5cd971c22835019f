"""Vinted's reference data (catalogs, brands, colors, conditions, size groups, package sizes) through the plugin."""
