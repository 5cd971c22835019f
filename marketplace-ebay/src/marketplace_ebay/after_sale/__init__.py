"""After-sale work on eBay done through Vitrine: cancellations, returns, inquiries, payment disputes, tracking."""
