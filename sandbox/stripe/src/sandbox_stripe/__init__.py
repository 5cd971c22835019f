"""A local stand-in for Stripe: prices, customers, Checkout Sessions, the billing portal, signed webhooks"""
