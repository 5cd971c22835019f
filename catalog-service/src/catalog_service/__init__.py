"""catalog-service: the seller's products, reference data, publications and sales."""
