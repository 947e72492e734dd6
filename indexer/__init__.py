"""Tokenisation, full-text indexes and similarity for the knowledge base."""
