"""A local stand-in for Etsy Open API v3: OAuth with PKCE, shops, listings, images, receipts"""
