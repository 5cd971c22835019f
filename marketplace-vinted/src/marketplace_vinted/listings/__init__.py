"""The seller's Vinted items: published for catalog's publications, updated, delisted, or linked by the seller."""
