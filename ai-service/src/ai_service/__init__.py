"""Vitrine ai-service: photos to drafted listings, on credits, cached"""
