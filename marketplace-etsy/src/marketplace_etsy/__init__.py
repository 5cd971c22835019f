"""Vitrine marketplace-etsy: Etsy shops (PKCE), listings, receipt polling"""
