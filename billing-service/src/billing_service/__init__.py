"""Vitrine billing-service: plans, Stripe subscriptions and credit packs, the credit ledger"""
