"""eBay's Taxonomy API: category suggestions, and the item aspects a category requires."""
