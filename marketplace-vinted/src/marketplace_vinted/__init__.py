"""marketplace-vinted: Vinted through the seller's browser plugin."""
